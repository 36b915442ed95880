/*
 * The secret path token of the Chinese cloud uplink callbacks.
 */
#include "gateway/provider_cloudcn.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int
cloudcn_token_ok(const char *token)
{
	const char *p;

	if (*token == '\0')
		return 1;
	if (strlen(token) < CLOUDCN_MIN_TOKEN)
		return 0;
	for (p = token; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	}
	return 1;
}

int
cloudcn_check_json(const struct gw_req *req, char *reason, size_t rlen)
{
	if (req->method && strcmp(req->method, "POST") != 0) {
		snprintf(reason, rlen, "use POST");
		return 405;
	}
	if (req->content_type == NULL || req->content_type[0] == '\0' ||
	    gw_req_is(req, "application/json") || gw_req_is(req, "text/json") ||
	    gw_req_is(req, "text/plain"))
		return 0;
	snprintf(reason, rlen, "Content-Type must be application/json");
	return 415;
}

/*
 * The token is secret: it is never written anywhere, and the two are compared as SHA-256
 * digests in constant time, so that not even the length of the right one shows in the timing.
 */
int
cloudcn_check_token(const struct gw_req *req, const char *token, char *reason, size_t rlen)
{
	const char *given = req->tail && req->tail[0] == '/' ? req->tail + 1 : "";
	unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	unsigned int alen = 0, blen = 0;

	if (token[0] == '\0' ||
	    !EVP_Digest(given, strlen(given), a, &alen, EVP_sha256(), NULL) ||
	    !EVP_Digest(token, strlen(token), b, &blen, EVP_sha256(), NULL) ||
	    alen != blen || CRYPTO_memcmp(a, b, alen) != 0) {
		snprintf(reason, rlen, "missing or wrong token in the URL");
		return 403;
	}
	return 0;
}
