/*
 * Webhook requests: form decoding (libmicrohttpd's unescaper), lookups, and the checks every
 * inbound message passes whatever provider it came from.
 */
#include "gateway/webhook.h"

#include "common/sms.h"
#include "common/xmalloc.h"

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *
gw_req_query(const struct gw_req *r, const char *key)
{
	const struct gw_kv *kv = gw_kv_find(r->query, r->nquery, key);

	return kv ? kv->value : NULL;
}

const char *
gw_req_header(const struct gw_req *r, const char *key)
{
	int i;

	for (i = 0; i < r->nheaders; i++) {
		if (strcasecmp(r->headers[i].key, key) == 0)
			return r->headers[i].value;
	}
	return NULL;
}

int
gw_req_is(const struct gw_req *r, const char *type)
{
	const char *ct = r->content_type;
	size_t n = strlen(type);

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

const struct gw_kv *
gw_kv_find(const struct gw_kv *kv, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(kv[i].key, key) == 0)
			return &kv[i];
	}
	return NULL;
}

int
gw_kv_pick(const struct gw_kv *kv, int n, const char *const *keys, const struct gw_kv **out,
    char *reason, size_t rlen)
{
	int i, k;

	for (k = 0; keys[k]; k++)
		out[k] = NULL;
	for (i = 0; i < n; i++) {
		for (k = 0; keys[k]; k++) {
			if (strcmp(kv[i].key, keys[k]) != 0)
				continue;
			if (out[k]) {
				snprintf(reason, rlen, "field %s given twice", keys[k]);
				return 400;
			}
			/*
			 * Only a text may hold a NUL (UTF-16 has them); in a number or an id it
			 * would cut the value short and make two messages one.
			 */
			if (strlen(kv[i].value) != kv[i].vlen && strcmp(keys[k], "text") != 0 &&
			    strcmp(keys[k], "Body") != 0) {
				snprintf(reason, rlen, "a NUL byte in field %s", keys[k]);
				return 400;
			}
			out[k] = &kv[i];
		}
	}
	return 0;
}

int
gw_req_type_param(const struct gw_req *r, const char *name, char *out, size_t outlen)
{
	const char *p = r->content_type ? strchr(r->content_type, ';') : NULL;
	size_t n = strlen(name), len;

	while (p) {
		const char *v, *end;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, n) != 0 || p[n] != '=') {
			p = strchr(p, ';');
			continue;
		}
		v = p + n + 1;
		if (*v == '"') {
			v++;
			end = strchr(v, '"');
		} else {
			end = v + strcspn(v, "; \t");
		}
		if (end == NULL)
			return -1;
		len = (size_t)(end - v);
		if (len + 1 > outlen)
			return -1;
		memcpy(out, v, len);
		out[len] = '\0';
		return 0;
	}
	return -1;
}

void
gw_clean_text(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i = 0, o = 0;

	if (dstlen == 0)
		return;
	while (i < srclen && src[i] != '\0') {
		unsigned char c = (unsigned char)src[i];
		size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		    c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		uint32_t cp = 0;
		int keep = n > 0 && i + n <= srclen && utf8_valid(src + i, n);

		if (keep) {
			utf8_decode(src + i, &cp);
			keep = cp >= 0x20 && !(cp >= 0x7f && cp < 0xa0);
		} else {
			n = 1;
		}
		if (!keep) {
			/* a control character, or a byte that is not UTF-8 */
			if (o + 2 > dstlen)
				break;
			dst[o++] = '?';
		} else {
			if (o + n + 1 > dstlen)
				break;
			memcpy(dst + o, src + i, n);
			o += n;
		}
		i += n;
	}
	dst[o] = '\0';
}

void
gw_kv_free(struct gw_kv *kv, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
}

int
gw_form_parse(const char *s, size_t len, struct gw_kv *kv, int max, char *reason, size_t rlen)
{
	char *copy, *pair, *save = NULL;
	int n = 0;

	copy = xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {
		snprintf(reason, rlen, "the body contains a NUL byte");
		free(copy);
		return -1;
	}
	for (pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '='), *value, *p;
		size_t klen, vlen;

		if (n == max) {
			snprintf(reason, rlen, "more than %d fields", max);
			gw_kv_free(kv, n);
			free(copy);
			return -1;
		}
		value = eq ? eq + 1 : pair + strlen(pair);
		if (eq)
			*eq = '\0';
		for (p = pair; *p; p++)
			if (*p == '+')
				*p = ' ';
		for (p = value; *p; p++)
			if (*p == '+')
				*p = ' ';
		klen = MHD_http_unescape(pair);
		vlen = MHD_http_unescape(value);
		if (strlen(pair) != klen) {
			/* "text%00x" would read as a second "text" to strcmp. */
			snprintf(reason, rlen, "a field name contains a NUL byte");
			gw_kv_free(kv, n);
			free(copy);
			return -1;
		}
		kv[n].key = xmalloc(klen + 1);
		kv[n].value = xmalloc(vlen + 1);
		memcpy(kv[n].key, pair, klen);
		kv[n].key[klen] = '\0';
		memcpy(kv[n].value, value, vlen);
		kv[n].value[vlen] = '\0';
		kv[n].vlen = vlen;
		n++;
	}
	free(copy);
	return n;
}

static int
only_blank(const char *s)
{
	const char *p = s;

	while (*p) {
		uint32_t cp;

		p += utf8_decode(p, &cp);
		if (!(cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000))
			return 0;
	}
	return 1;
}

static int
printable_ascii(const char *s)
{
	for (; *s; s++) {
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	}
	return 1;
}

int
gw_webhook_add(struct gw_webhook *wh, const char *from, const char *to, const char *text,
    size_t text_len, const char *id, int max_chars, char *reason, size_t rlen)
{
	struct gw_msg *m;

	if (wh->nmsgs == WEBHOOK_MAX_BATCH) {
		snprintf(reason, rlen, "more than %d messages in one request", WEBHOOK_MAX_BATCH);
		return 400;
	}
	if (from == NULL || *from == '\0') {
		snprintf(reason, rlen, "missing field: from");
		return 400;
	}
	if (text == NULL) {
		snprintf(reason, rlen, "missing field: text");
		return 400;
	}
	m = &wh->msgs[wh->nmsgs];
	memset(m, 0, sizeof(*m));
	if (!utf8_valid(from, strlen(from)) || phone_normalize(from, m->from,
	    sizeof(m->from)) != 0) {
		snprintf(reason, rlen, "from: not a phone number");
		return 400;
	}
	if (!utf8_valid(text, text_len)) {
		snprintf(reason, rlen, "text is not valid UTF-8 text");
		return 400;
	}
	if (only_blank(text)) {
		snprintf(reason, rlen, "text is empty");
		return 400;
	}
	if (utf8_chars(text) > max_chars) {
		snprintf(reason, rlen, "text is longer than %d characters", max_chars);
		return 400;
	}
	if (to && (strlen(to) > 32 || !printable_ascii(to))) {
		snprintf(reason, rlen, "to: not a phone number or short code");
		return 400;
	}
	if (id && (*id == '\0' || strlen(id) > WEBHOOK_MAX_ID || !printable_ascii(id))) {
		snprintf(reason, rlen, "id: 1 to %d printable ASCII characters", WEBHOOK_MAX_ID);
		return 400;
	}
	m->to = to && *to ? xstrdup(to) : NULL;
	m->text = xstrdup(text);
	m->id = id ? xstrdup(id) : NULL;
	wh->nmsgs++;
	return 0;
}

void
gw_webhook_free(struct gw_webhook *wh)
{
	int i;

	for (i = 0; i < wh->nmsgs; i++) {
		free(wh->msgs[i].to);
		free(wh->msgs[i].text);
		free(wh->msgs[i].id);
	}
	free(wh->dlr.ref);
	free(wh->dlr.provider_id);
	free(wh->dlr.reason);
	memset(wh, 0, sizeof(*wh));
}

int
gw_path_token_ok(const char *token)
{
	const char *p;

	if (*token == '\0')
		return 1;
	if (strlen(token) < WEBHOOK_MIN_TOKEN)
		return 0;
	for (p = token; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	}
	return 1;
}

/*
 * The token is secret: it is never written anywhere, and the two are compared as SHA-256
 * digests in constant time, so that not even the length of the right one shows in the timing.
 */
int
gw_token_equal(const char *given, const char *token)
{
	unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	unsigned int alen = 0, blen = 0;

	return token != NULL && token[0] != '\0' && given != NULL &&
	    EVP_Digest(given, strlen(given), a, &alen, EVP_sha256(), NULL) &&
	    EVP_Digest(token, strlen(token), b, &blen, EVP_sha256(), NULL) &&
	    alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

int
gw_check_path_token(const struct gw_req *req, const char *token, char *reason, size_t rlen)
{
	const char *given = req->tail && req->tail[0] == '/' ? req->tail + 1 : "";

	if (!gw_token_equal(given, token)) {
		snprintf(reason, rlen, "missing or wrong token in the URL");
		return 403;
	}
	return 0;
}

int
gw_check_secret(const struct gw_req *req, const char *token, char *reason, size_t rlen)
{
	char given[256];	/* longer than any token the configuration takes */
	const char *auth = gw_req_header(req, "Authorization");
	size_t n;
	int status = 403;

	if (token == NULL || token[0] == '\0') {
		snprintf(reason, rlen, "no such path");
		status = 404;
		goto out;
	}
	if (req->tail && req->tail[0]) {
		status = gw_check_path_token(req, token, reason, rlen);
		goto out;
	}
	while (auth && *auth == ' ')
		auth++;
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		snprintf(reason, rlen, "authentication needed: Authorization: Bearer <token>, or "
		    "the token at the end of the path");
		status = 401;
		goto out;
	}
	for (auth += 7; *auth == ' '; auth++)
		;
	n = strlen(auth);
	while (n > 0 && auth[n - 1] == ' ')
		n--;
	if (n < sizeof(given)) {
		memcpy(given, auth, n);
		given[n] = '\0';
		if (gw_token_equal(given, token))
			status = 0;
	}
	if (status)
		snprintf(reason, rlen, "wrong token");
out:
	return status;
}

int
gw_ref_ok(const char *ref)
{
	size_t n = strlen(ref);

	return n >= WEBHOOK_MIN_TOKEN && n <= 64 &&
	    strspn(ref, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

int
gw_check_secret_path(const struct gw_req *req, const char *token, char *reason, size_t rlen)
{
	if (token == NULL || token[0] == '\0') {
		snprintf(reason, rlen, "no such path");
		return 404;
	}
	return gw_check_path_token(req, token, reason, rlen);
}

int
gw_check_path(const struct gw_req *req, const char *token, char *reason, size_t rlen)
{
	if (token && *token)
		return gw_check_path_token(req, token, reason, rlen);
	if (req->tail && *req->tail) {
		snprintf(reason, rlen, "no such path");
		return 404;
	}
	return 0;
}

int
gw_webhook_add_fields(struct gw_webhook *wh, const struct gw_kv *const *f, int max_chars,
    char *reason, size_t rlen)
{
	return gw_webhook_add(wh, f[0] ? f[0]->value : NULL, f[1] ? f[1]->value : NULL,
	    f[2] ? f[2]->value : NULL, f[2] ? f[2]->vlen : 0, f[3] ? f[3]->value : NULL, max_chars,
	    reason, rlen);
}
