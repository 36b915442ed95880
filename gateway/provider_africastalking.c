/*
 * Africa's Talking.
 *   inbound   POST /sms/africastalking: form fields from, to, text, id, date, linkId;
 *             answered with an empty 200.
 *   reports   POST /dlr/africastalking: id, status (Success; Failed, Rejected, Expired,
 *             AbsentSubscriber…; Sent, Submitted, Buffered on the way), failureReason.
 *   outbound  POST form username, to, message[, from] to the messaging API with the apiKey
 *             and Accept: application/json headers; the reply (201) is
 *             {"SMSMessageData":{"Message","Recipients":[{"statusCode","status","messageId"…}]}}
 *             and Recipients[0].statusCode says what became of it: 100 Processed, 101 Sent,
 *             102 Queued; 401 RiskHold, 402 InvalidSenderId, 403 InvalidPhoneNumber,
 *             404 UnsupportedNumberType, 407 CouldNotRoute fail; 406 UserInBlacklist and
 *             409 DoNotDisturbRejection fail and mean the recipient opted out;
 *             405 InsufficientBalance and 5xx are tried again.
 *   USSD      POST /ussd/africastalking: form fields sessionId, serviceCode, phoneNumber,
 *             text, checked here (at_parse_ussd); the menu is gateway/ussd_session.c's.
 */
#include "gateway/provider.h"

#include "common/config.h"
#include "common/sms.h"
#include "gateway/ussd.h"
#include "common/xmalloc.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_MAX 128		/* bytes of a sessionId */
#define SERVICE_CODE_MAX 32	/* bytes of a serviceCode */

struct gw_provider {
	char *username, *api_key, *from, *api_url, *token;
};

static struct gw_provider *
at_open(const struct config *cfg, int *unconfigured, char *err, size_t errlen)
{
	struct gw_provider *p;
	int outbound = strcmp(cfg->provider_type, "africastalking") == 0;

	*unconfigured = 0;
	if (cfg->at_username[0] == '\0') {
		if (outbound) {
			snprintf(err, errlen, "[africastalking] username and api_key are needed to "
			    "send through Africa's Talking");
			return NULL;
		}
		*unconfigured = 1;
		return NULL;
	}
	if (!gw_path_token_ok(cfg->at_token)) {
		snprintf(err, errlen, "[africastalking] token: at least %d letters, digits, - and _",
		    WEBHOOK_MIN_TOKEN);
		return NULL;
	}
	if (outbound && cfg->at_api_key[0] == '\0') {
		snprintf(err, errlen, "[africastalking] api_key: needed to send");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->username = xstrdup(cfg->at_username);
	p->api_key = xstrdup(cfg->at_api_key);
	p->from = cfg->at_from[0] ? xstrdup(cfg->at_from) : NULL;
	p->api_url = xstrdup(cfg->at_api_url);
	p->token = cfg->at_token[0] ? xstrdup(cfg->at_token) : NULL;
	return p;
}

static void
at_close(struct gw_provider *p)
{
	if (p == NULL)
		return;
	free(p->username);
	free(p->api_key);
	free(p->from);
	free(p->api_url);
	free(p->token);
	free(p);
}

static int
form(const struct gw_req *req, struct gw_kv *kv, char *reason, size_t rlen)
{
	if (!gw_req_is(req, "application/x-www-form-urlencoded")) {
		snprintf(reason, rlen, "Africa's Talking posts application/x-www-form-urlencoded");
		return -415;
	}
	return gw_form_parse(req->body ? req->body : "", req->len, kv, WEBHOOK_MAX_FIELDS, reason,
	    rlen);
}

static int
at_parse_sms(struct gw_provider *p, const struct gw_req *req, int max_chars,
    struct gw_webhook *wh, char *reason, size_t rlen)
{
	static const char *const keys[] = { "from", "to", "text", "id", NULL };
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	const struct gw_kv *f[4];
	int n, status;

	(void)p;
	n = form(req, kv, reason, rlen);
	if (n < 0)
		return n == -415 ? 415 : 400;
	status = gw_kv_pick(kv, n, keys, f, reason, rlen);
	if (status == 0)
		status = gw_webhook_add_fields(wh, f, max_chars, reason, rlen);
	gw_kv_free(kv, n);
	return status;
}

static void
at_sms_reply(struct gw_provider *p, const struct gw_webhook *wh, struct gw_reply *out)
{
	(void)p;
	(void)wh;
	gw_reply_ok(out, "text/plain", "");
}

/* Whether s is 1 to WEBHOOK_MAX_ID printable ASCII characters. */
static int
id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		if (s[n] < 0x21 || s[n] > 0x7e)
			return 0;
	}
	return n > 0 && n <= WEBHOOK_MAX_ID;
}

static int
at_parse_dlr(struct gw_provider *p, const struct gw_req *req, struct gw_webhook *wh,
    char *reason, size_t rlen)
{
	static const char *const keys[] = { "id", "status", "failureReason", NULL };
	static const char *const failed[] = { "Failed", "Rejected", "Expired", "AbsentSubscriber",
	    NULL };
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	const struct gw_kv *f[3];
	const char *id, *st;
	char why[160], stat[40];
	int n, i, status;

	(void)p;
	n = form(req, kv, reason, rlen);
	if (n < 0)
		return n == -415 ? 415 : 400;
	status = gw_kv_pick(kv, n, keys, f, reason, rlen);
	if (status)
		goto out;
	id = f[0] ? f[0]->value : NULL;
	st = f[1] ? f[1]->value : NULL;
	status = 400;
	if (id == NULL || !id_ok(id) || st == NULL || *st == '\0') {
		snprintf(reason, rlen, "id and status are needed");
		goto out;
	}
	wh->has_dlr = 1;
	wh->dlr.provider_id = xstrdup(id);
	wh->dlr.status = DLR_PENDING;	/* Sent, Submitted, Buffered */
	if (strcmp(st, "Success") == 0)
		wh->dlr.status = DLR_DELIVERED;
	for (i = 0; failed[i]; i++) {
		if (strcmp(st, failed[i]) == 0)
			wh->dlr.status = DLR_FAILED;
	}
	if (wh->dlr.status == DLR_FAILED) {
		gw_clean_text(stat, sizeof(stat), st, f[1]->vlen);
		gw_clean_text(why, sizeof(why), f[2] ? f[2]->value : "", f[2] ? f[2]->vlen : 0);
		wh->dlr.reason = xasprintf("%s%s%s", stat, why[0] ? ": " : "", why);
		/* the recipient is on the blacklist (they sent STOP to the sender) */
		wh->dlr.opted_out = strcmp(why, "UserInBlackList") == 0 ||
		    strcmp(why, "UserInBlacklist") == 0;
	}
	status = 0;
out:
	gw_kv_free(kv, n);
	return status;
}

static int
at_build(struct gw_provider *p, const struct gw_outbound *m, struct gw_out_request *req,
    char *err, size_t errlen)
{
	char *user = curl_easy_escape(NULL, p->username, 0);
	char *to = curl_easy_escape(NULL, m->to, 0);
	char *text = curl_easy_escape(NULL, m->text, 0);
	char *from = p->from ? curl_easy_escape(NULL, p->from, 0) : NULL;
	char *key = NULL;
	int rc = 0;

	if (!user || !to || !text || (p->from && !from)) {
		snprintf(err, errlen, "cannot encode the message");
		rc = -1;
		goto out;
	}
	req->body = xasprintf("username=%s&to=%s&message=%s%s%s", user, to, text,
	    from ? "&from=" : "", from ? from : "");
	key = xasprintf("apiKey: %s", p->api_key);
	req->len = strlen(req->body);
	req->url = xstrdup(p->api_url);
	req->headers = curl_slist_append(NULL, "Accept: application/json");
	req->headers = curl_slist_append(req->headers,
	    "Content-Type: application/x-www-form-urlencoded");
	req->headers = curl_slist_append(req->headers, key);
	free(key);
out:
	curl_free(user);
	curl_free(to);
	curl_free(text);
	curl_free(from);
	return rc;
}

/* What the reply says of the one recipient (see the top of this file). */
static void
at_map_reply(struct gw_provider *p, long status, const char *body, size_t len,
    struct gw_send_result *r)
{
	json_t *reply = body ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *data = json_object_get(reply, "SMSMessageData");
	json_t *rcpt = json_array_get(json_object_get(data, "Recipients"), 0);
	json_t *code = json_object_get(rcpt, "statusCode");
	json_t *id = json_object_get(rcpt, "messageId");
	json_t *st = json_object_get(rcpt, "status");
	json_t *msg = json_object_get(data, "Message");
	char said[160];
	long long c;

	(void)p;
	r->status = gw_status_for(status);
	if (r->status != GW_SEND_OK) {
		gw_clean_text(said, sizeof(said), body ? body : "", body ? len : 0);
		snprintf(r->error, sizeof(r->error), "HTTP %ld: %s", status, said);
		goto out;
	}
	c = json_is_integer(code) ? json_integer_value(code) : 0;
	if (c >= 100 && c <= 102) {
		if (json_is_string(id))
			gw_clean_text(r->provider_id, sizeof(r->provider_id), json_string_value(id),
			    json_string_length(id));
		goto out;
	}
	r->status = c == 405 || c >= 500 ? GW_SEND_RETRY : GW_SEND_FAIL;
	r->opted_out = c == 406 || c == 409;	/* blacklisted, do-not-disturb */
	if (json_is_string(st))
		gw_clean_text(said, sizeof(said), json_string_value(st), json_string_length(st));
	else if (json_is_string(msg))	/* no recipient: "InvalidSenderId" and the like */
		gw_clean_text(said, sizeof(said), json_string_value(msg), json_string_length(msg));
	else
		gw_clean_text(said, sizeof(said), body ? body : "", body ? len : 0);
	snprintf(r->error, sizeof(r->error), "HTTP %ld, Africa's Talking %lld: %s", status, c,
	    said);
out:
	json_decref(reply);
}

static int
at_webhooks(struct gw_provider *p, char *what, size_t wlen)
{
	if (p->token == NULL) {
		snprintf(what, wlen, "[africastalking] token is not set: /sms/africastalking, "
		    "/dlr/africastalking and /ussd/africastalking are off");
		return 0;
	}
	snprintf(what, wlen, "/sms/africastalking/<token>, /dlr/africastalking/<token> and "
	    "/ussd/africastalking/<token> ([africastalking] token)");
	return 1;
}

/* Every webhook's path (SMS, report, USSD step) ends in [africastalking] token. */
static int
at_check(struct gw_provider *p, const struct gw_req *req, char *reason, size_t rlen)
{
	return gw_check_secret_path(req, p->token, reason, rlen);
}

/* A USSD step. */

static int
printable_ascii(const char *s)
{
	for (; *s; s++) {
		if (*s <= ' ' || *s > '~')
			return 0;
	}
	return 1;
}

/* Text a person typed: no control characters but tab and line ends. */
static int
no_controls(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * The fields of a form: present, no NUL inside, within max bytes. Returns the value, or NULL
 * with a reason.
 */
static const char *
form_field(const struct gw_kv *kv, int n, const char *key, size_t max, char *reason,
    size_t rlen)
{
	const struct gw_kv *f = gw_kv_find(kv, n, key);

	if (f == NULL) {
		snprintf(reason, rlen, "%s is missing", key);
		return NULL;
	}
	if (f->vlen != strlen(f->value)) {
		snprintf(reason, rlen, "%s holds a NUL byte", key);
		return NULL;
	}
	if (f->vlen > max) {
		snprintf(reason, rlen, "%s is longer than %zu bytes", key, max);
		return NULL;
	}
	if (!utf8_valid(f->value, f->vlen)) {
		snprintf(reason, rlen, "%s is not valid UTF-8", key);
		return NULL;
	}
	return f->value;
}

static int
at_parse_ussd(struct gw_provider *p, const struct gw_req *req, struct ussd_in *out,
    char *reason, size_t rlen)
{
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	const char *session, *code, *phone, *text;
	int n, status = 400;

	(void)p;
	memset(out, 0, sizeof(*out));
	n = form(req, kv, reason, rlen);
	if (n < 0)
		return n == -415 ? 415 : 400;
	if ((session = form_field(kv, n, "sessionId", SESSION_MAX, reason, rlen)) == NULL ||
	    (code = form_field(kv, n, "serviceCode", SERVICE_CODE_MAX, reason, rlen)) == NULL ||
	    (phone = form_field(kv, n, "phoneNumber", PHONE_MAX * 2, reason, rlen)) == NULL ||
	    (text = form_field(kv, n, "text", USSD_MAX_TEXT, reason, rlen)) == NULL)
		goto out;
	if (*session == '\0' || !printable_ascii(session)) {
		snprintf(reason, rlen, "sessionId must be 1 to %d printable ASCII characters",
		    SESSION_MAX);
		goto out;
	}
	if (*code == '\0' || !printable_ascii(code)) {
		snprintf(reason, rlen, "serviceCode must be 1 to %d printable ASCII characters",
		    SERVICE_CODE_MAX);
		goto out;
	}
	if (phone_normalize(phone, out->phone, sizeof(out->phone)) != 0) {
		snprintf(reason, rlen, "phoneNumber is not a phone number");
		goto out;
	}
	if (!no_controls(text)) {
		snprintf(reason, rlen, "text holds control characters");
		goto out;
	}
	out->session = xstrdup(session);
	out->service_code = xstrdup(code);
	out->text = xstrdup(text);
	status = 0;
out:
	if (status)
		memset(out->phone, 0, sizeof(out->phone));
	gw_kv_free(kv, n);
	return status;
}

const struct gw_provider_ops gw_provider_africastalking = {
	.name = "africastalking",
	.open = at_open,
	.close = at_close,
	.webhooks = at_webhooks,
	.check = at_check,
	.parse_sms = at_parse_sms,
	.sms_reply = at_sms_reply,
	.parse_dlr = at_parse_dlr,
	.parse_ussd = at_parse_ussd,
	.build = at_build,
	.map_reply = at_map_reply,
};
