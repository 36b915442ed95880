/*
 * libFuzzer harness: Twilio's webhooks (gateway/provider_twilio.c), the inbound SMS and the
 * StatusCallback, form-encoded and signed with X-Twilio-Signature, through the provider
 * interface (gateway/provider.h), the way gateway/http.c calls it: the method check, the
 * provider's path check, parse_sms or parse_dlr, the reply, and the checks of fuzz/common.c on
 * what is accepted or refused.
 *
 * Input: a webhook request as text (fuzz/common.h). An unsigned request stops at the signature,
 * so a header "X-Twilio-Signature: auto" is replaced here by the right signature of the request
 * (the auth token's HMAC-SHA1 over the public URL, the path and the sorted form fields, as
 * Twilio computes it), which lets the fuzzer reach the fields; a request so signed must never
 * be refused with 403. Any other value is checked as given.
 *
 *     POST /sms/twilio
 *     Content-Type: application/x-www-form-urlencoded
 *     X-Twilio-Signature: auto
 *
 *     Body=%E9%B9%85&From=%2B8613800000001&MessageSid=SM1
 *
 * Inputs starting "REPLY <status>" or "SEND" try the outbound half instead: the Messages API's
 * answer to a send (map_reply) and the request that sends a text (build).
 * Seeds: fuzz/corpus/provider_twilio/, from tests/unit/test_provider_twilio.c.
 * Run:   make fuzz FUZZ_TARGETS=provider_twilio FUZZ_SECONDS=300
 */
#include "fuzz/common.h"

#include "common/config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CHARS 160	/* [sms] max_text_chars, low enough for the fuzzer to reach */
#define TOKEN "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
#define PUBLIC_URL "https://sms.example.cn"

static struct config cfg;
static const struct gw_provider_ops *ops;
static struct gw_provider *prov;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	config_defaults(&cfg);
	config_set_string(&cfg.provider_type, "twilio");
	config_set_string(&cfg.twilio_account_sid, "AC0123456789abcdef0123456789abcdef");
	config_set_string(&cfg.twilio_auth_token, TOKEN);
	config_set_string(&cfg.twilio_from, "+15005550006");
	config_set_string(&cfg.twilio_public_url, PUBLIC_URL "/");
	prov = fuzz_provider_open("twilio", &cfg, &ops);
	return 0;
}

static int
kv_cmp(const void *a, const void *b)
{
	const struct gw_kv *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c == 0)
		c = memcmp(x->value, y->value, x->vlen < y->vlen ? x->vlen : y->vlen);
	if (c == 0)
		c = x->vlen < y->vlen ? -1 : x->vlen > y->vlen;
	return c;
}

/* Twilio's signature of req into out (base64). 0, or -1 when the body is no form. */
static int
sign(const struct gw_req *req, char *out)
{
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char reason[256], *data = NULL;
	size_t dlen = 0;
	FILE *fp;
	int n, i;

	n = gw_form_parse(req->body ? req->body : "", req->len, kv, WEBHOOK_MAX_FIELDS, reason,
	    sizeof(reason));
	if (n < 0)
		return -1;
	qsort(kv, (size_t)n, sizeof(kv[0]), kv_cmp);
	fp = open_memstream(&data, &dlen);
	if (fp == NULL)
		abort();
	fprintf(fp, "%s%s", PUBLIC_URL, req->path);
	for (i = 0; i < n; i++) {
		fputs(kv[i].key, fp);
		fwrite(kv[i].value, 1, kv[i].vlen, fp);
	}
	fclose(fp);
	gw_kv_free(kv, n);
	if (HMAC(EVP_sha1(), TOKEN, (int)strlen(TOKEN), (unsigned char *)data, dlen, mac,
	    &maclen) == NULL)
		abort();
	free(data);
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_req req;
	char signature[64];
	int i, signed_here = 0, status;

	if (fuzz_outbound(ops, prov, data, size) == 0)
		return 0;
	if (fuzz_req_parse(data, size, &req) != 0)
		return 0;
	for (i = 0; i < req.nheaders; i++) {
		if (strcasecmp(req.headers[i].key, "X-Twilio-Signature") == 0 &&
		    strcmp(req.headers[i].value, "auto") == 0 && sign(&req.r, signature) == 0) {
			req.headers[i].value = signature;
			req.headers[i].vlen = strlen(signature);
			signed_here = 1;
			break;
		}
	}
	status = fuzz_webhook(ops, prov, &req, MAX_CHARS);
	/* The first X-Twilio-Signature is the one looked at; one signed here must pass. */
	if (signed_here && gw_req_header(&req.r, "X-Twilio-Signature") == signature)
		FUZZ_CHECK(status != 403);
	fuzz_req_free(&req);
	return 0;
}
