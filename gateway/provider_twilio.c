/*
 * Twilio.
 *   inbound   POST /sms/twilio, form fields From, To, Body, MessageSid (required, the id it is
 *             deduplicated on: SM or MM and 32 hexadecimal digits); X-Twilio-Signature must
 *             be the base64 HMAC-SHA1, keyed with the auth token, of the public URL followed by
 *             every POST field name and value in name order (403 otherwise). Answered with an
 *             empty TwiML <Response/>, so that replies go through the Messages API.
 *   reports   POST /dlr/twilio (the StatusCallback), signed the same way: MessageSid,
 *             MessageStatus (queued, sending, sent, delivered, undelivered, failed, read,
 *             canceled…), ErrorCode.
 *   outbound  POST {api_url}/2010-04-01/Accounts/{sid}/Messages.json with basic auth, form
 *             fields To, From (or MessagingServiceSid), Body, StatusCallback; 2xx gives the
 *             message sid. Errors come as {"code","message","status"}: 21610 means the recipient
 *             opted out (STOP), 21611 that the sender's queue is full (tried again later).
 * The auth token is never logged, nor a signature.
 */
#include "gateway/provider.h"

#include "common/config.h"
#include "common/xmalloc.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TWILIO_OPTED_OUT 21610	/* "Attempt to send to unsubscribed recipient" */
#define TWILIO_QUEUE_FULL 21611	/* "This 'From' number has exceeded the maximum number of queued
				   messages" */

struct gw_provider {
	char *sid, *token, *from, *service, *public_url, *api_url;
	char *status_callback;	/* public_url + "/dlr/twilio", or NULL */
};

static char *
nonempty(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static struct gw_provider *
twilio_open(const struct config *cfg, int *unconfigured, char *err, size_t errlen)
{
	struct gw_provider *p;
	int outbound = strcmp(cfg->provider_type, "twilio") == 0;

	*unconfigured = 0;
	if (cfg->twilio_auth_token[0] == '\0') {
		if (outbound) {
			snprintf(err, errlen, "[twilio] auth_token: needed to send through Twilio");
			return NULL;
		}
		*unconfigured = 1;
		return NULL;
	}
	if (strncmp(cfg->twilio_public_url, "http://", 7) != 0 &&
	    strncmp(cfg->twilio_public_url, "https://", 8) != 0) {
		snprintf(err, errlen, "[twilio] public_url: the URL Twilio calls farmline at (its "
		    "signatures cover it), e.g. https://sms.example.cn");
		return NULL;
	}
	if (outbound && (cfg->twilio_account_sid[0] == '\0' || (cfg->twilio_from[0] == '\0' &&
	    cfg->twilio_messaging_service_sid[0] == '\0'))) {
		snprintf(err, errlen, "[twilio] account_sid and from (or messaging_service_sid) are "
		    "needed to send");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->sid = nonempty(cfg->twilio_account_sid);
	p->token = xstrdup(cfg->twilio_auth_token);
	p->from = nonempty(cfg->twilio_from);
	p->service = nonempty(cfg->twilio_messaging_service_sid);
	p->public_url = xstrdup(cfg->twilio_public_url);
	p->api_url = xstrdup(cfg->twilio_api_url);
	/* The public URL ends where farmline's paths begin. */
	while (*p->public_url && p->public_url[strlen(p->public_url) - 1] == '/')
		p->public_url[strlen(p->public_url) - 1] = '\0';
	p->status_callback = xasprintf("%s/dlr/twilio", p->public_url);
	return p;
}

static void
twilio_close(struct gw_provider *p)
{
	if (p == NULL)
		return;
	free(p->sid);
	free(p->token);
	free(p->from);
	free(p->service);
	free(p->public_url);
	free(p->api_url);
	free(p->status_callback);
	free(p);
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

/*
 * Check X-Twilio-Signature: the base64 HMAC-SHA1, keyed with the auth token, of the public URL
 * of this request followed by each form field's name and value, in name order (kv is sorted
 * here). Returns 0 when it matches.
 */
static int
check_signature(const struct gw_provider *p, const struct gw_req *req, struct gw_kv *kv, int n)
{
	const char *given = gw_req_header(req, "X-Twilio-Signature");
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char expect[64], *data = NULL;
	size_t len, dlen = 0, i;
	FILE *fp;
	int ok;

	if (given == NULL)
		return -1;
	fp = open_memstream(&data, &dlen);
	if (fp == NULL)
		return -1;
	/* The webhook URLs are configured without a query string (README). */
	fprintf(fp, "%s%s", p->public_url, req->path ? req->path : "");
	qsort(kv, (size_t)n, sizeof(*kv), kv_cmp);
	for (i = 0; i < (size_t)n; i++) {
		fputs(kv[i].key, fp);
		fwrite(kv[i].value, 1, kv[i].vlen, fp);
	}
	fclose(fp);
	ok = HMAC(EVP_sha1(), p->token, (int)strlen(p->token), (unsigned char *)data, dlen, mac,
	    &maclen) != NULL;
	free(data);
	if (!ok)
		return -1;
	EVP_EncodeBlock((unsigned char *)expect, mac, (int)maclen);
	len = strlen(expect);
	/* Compared in constant time; the lengths are public. */
	return strlen(given) == len && CRYPTO_memcmp(given, expect, len) == 0 ? 0 : -1;
}

/* The form of a signed request. n fields, or -1 (status and reason set). */
static int
signed_form(struct gw_provider *p, const struct gw_req *req, struct gw_kv *kv, int *status,
    char *reason, size_t rlen)
{
	int n;

	if (!gw_req_is(req, "application/x-www-form-urlencoded")) {
		*status = 415;
		snprintf(reason, rlen, "Twilio posts application/x-www-form-urlencoded");
		return -1;
	}
	n = gw_form_parse(req->body ? req->body : "", req->len, kv, WEBHOOK_MAX_FIELDS, reason,
	    rlen);
	if (n < 0) {
		*status = 400;
		return -1;
	}
	if (check_signature(p, req, kv, n) != 0) {
		gw_kv_free(kv, n);
		*status = 403;
		snprintf(reason, rlen, "missing or wrong X-Twilio-Signature");
		return -1;
	}
	return n;
}

/*
 * Whether s is a message sid as Twilio makes them: SM (SMS) or MM (MMS) and 32 hexadecimal
 * digits. The signature is over names and values run together, so the bytes of a signed request
 * can be split into other fields ("MessageSid=SM…a&To=…" as "MessageSid=SM…aT&o=…"); a
 * sid of fixed length and form cannot be lengthened, shortened or dropped that way, and the
 * message keeps the id it is deduplicated on.
 */
static int
message_sid_ok(const char *s)
{
	size_t i;

	if (strlen(s) != 34 || (strncmp(s, "SM", 2) != 0 && strncmp(s, "MM", 2) != 0))
		return 0;
	for (i = 2; i < 34; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

static int
twilio_parse_sms(struct gw_provider *p, const struct gw_req *req, int max_chars,
    struct gw_webhook *wh, char *reason, size_t rlen)
{
	static const char *const keys[] = { "From", "To", "Body", "MessageSid", NULL };
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	const struct gw_kv *f[4];
	int n, status = 0;

	n = signed_form(p, req, kv, &status, reason, rlen);
	if (n < 0)
		return status;
	status = gw_kv_pick(kv, n, keys, f, reason, rlen);
	if (status == 0 && (f[3] == NULL || !message_sid_ok(f[3]->value))) {
		snprintf(reason, rlen, "MessageSid: Twilio's id of the message (SM and 32 "
		    "hexadecimal digits) is needed");
		status = 400;
	}
	if (status == 0)
		status = gw_webhook_add_fields(wh, f, max_chars, reason, rlen);
	gw_kv_free(kv, n);
	return status;
}

static void
twilio_sms_reply(struct gw_provider *p, const struct gw_webhook *wh, struct gw_reply *out)
{
	(void)p;
	(void)wh;
	gw_reply_ok(out, "text/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
}

/* Whether s is 1 to WEBHOOK_MAX_ID letters and digits (a Twilio sid). */
static int
sid_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

	return n > 0 && n <= WEBHOOK_MAX_ID && s[n] == '\0';
}

static int
twilio_parse_dlr(struct gw_provider *p, const struct gw_req *req, struct gw_webhook *wh,
    char *reason, size_t rlen)
{
	static const char *const keys[] = { "MessageSid", "MessageStatus", "ErrorCode", NULL };
	static const char *const delivered[] = { "delivered", "read", NULL };
	static const char *const failed[] = { "failed", "undelivered", "canceled", NULL };
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	const struct gw_kv *f[3];
	const char *sid, *st, *code;
	char why[64];
	int n, i, status = 0;

	n = signed_form(p, req, kv, &status, reason, rlen);
	if (n < 0)
		return status;
	status = gw_kv_pick(kv, n, keys, f, reason, rlen);
	if (status)
		goto out;
	sid = f[0] ? f[0]->value : NULL;
	st = f[1] ? f[1]->value : NULL;
	code = f[2] ? f[2]->value : NULL;
	status = 400;
	if (sid == NULL || !sid_ok(sid) || st == NULL || *st == '\0') {
		snprintf(reason, rlen, "MessageSid and MessageStatus are needed");
		goto out;
	}
	if (code && *code && strspn(code, "0123456789") != strlen(code)) {
		snprintf(reason, rlen, "ErrorCode: a number");
		goto out;
	}
	wh->has_dlr = 1;
	wh->dlr.provider_id = xstrdup(sid);
	wh->dlr.status = DLR_PENDING;	/* queued, accepted, sending, sent… */
	for (i = 0; delivered[i]; i++) {
		if (strcmp(st, delivered[i]) == 0)
			wh->dlr.status = DLR_DELIVERED;
	}
	for (i = 0; failed[i]; i++) {
		if (strcmp(st, failed[i]) == 0)
			wh->dlr.status = DLR_FAILED;
	}
	if (code && *code && strlen(code) < 16) {
		gw_clean_text(why, sizeof(why), st, strlen(st));
		wh->dlr.reason = xasprintf("Twilio %s %s", why, code);
		wh->dlr.opted_out = atol(code) == TWILIO_OPTED_OUT;
	}
	status = 0;
out:
	gw_kv_free(kv, n);
	return status;
}

static int
twilio_build(struct gw_provider *p, const struct gw_outbound *m, struct gw_out_request *req,
    char *err, size_t errlen)
{
	char *to = curl_easy_escape(NULL, m->to, 0);
	char *body = curl_easy_escape(NULL, m->text, 0);
	char *from = curl_easy_escape(NULL, p->service ? p->service : p->from, 0);
	char *cb = curl_easy_escape(NULL, p->status_callback, 0);
	int rc = 0;

	if (!to || !body || !from || !cb) {
		snprintf(err, errlen, "cannot encode the message");
		rc = -1;
		goto out;
	}
	req->body = xasprintf("To=%s&%s=%s&Body=%s&StatusCallback=%s", to,
	    p->service ? "MessagingServiceSid" : "From", from, body, cb);
	req->url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json", p->api_url, p->sid);
	req->userpwd = xasprintf("%s:%s", p->sid, p->token);
	req->len = strlen(req->body);
	req->headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
out:
	curl_free(to);
	curl_free(body);
	curl_free(from);
	curl_free(cb);
	return rc;
}

static void
twilio_map_reply(struct gw_provider *p, long status, const char *body, size_t len,
    struct gw_send_result *r)
{
	json_t *reply = body ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *sid = json_object_get(reply, "sid");
	json_t *code = json_object_get(reply, "code");
	json_t *msg = json_object_get(reply, "message");
	long long c = json_is_integer(code) ? json_integer_value(code) : 0;
	char said[160];

	(void)p;
	r->status = gw_status_for(status);
	if (r->status == GW_SEND_OK) {
		if (json_is_string(sid))
			gw_clean_text(r->provider_id, sizeof(r->provider_id), json_string_value(sid),
			    json_string_length(sid));
		goto out;
	}
	if (json_is_string(msg))
		gw_clean_text(said, sizeof(said), json_string_value(msg), json_string_length(msg));
	else
		gw_clean_text(said, sizeof(said), body ? body : "", body ? len : 0);
	snprintf(r->error, sizeof(r->error), "HTTP %ld, Twilio %lld: %s", status, c, said);
	if (c == TWILIO_OPTED_OUT) {
		r->status = GW_SEND_FAIL;
		r->opted_out = 1;
	} else if (c == TWILIO_QUEUE_FULL) {
		r->status = GW_SEND_RETRY;
	}
out:
	json_decref(reply);
}

/* Nothing may follow the provider's name in its webhooks' paths. */
static int
twilio_check(struct gw_provider *p, const struct gw_req *req, char *reason, size_t rlen)
{
	(void)p;
	return gw_check_path(req, NULL, reason, rlen);
}

const struct gw_provider_ops gw_provider_twilio = {
	.name = "twilio",
	.open = twilio_open,
	.close = twilio_close,
	.check = twilio_check,
	.parse_sms = twilio_parse_sms,
	.sms_reply = twilio_sms_reply,
	.parse_dlr = twilio_parse_dlr,
	.build = twilio_build,
	.map_reply = twilio_map_reply,
};
