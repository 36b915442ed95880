/*
 * The generic HTTP provider of DESIGN.md.
 *   inbound   POST /sms/inbound (or /sms/http): form-encoded or JSON with from, to, text, id
 *   reports   POST /dlr/http: form or JSON with ref (the reference farmline sent) or id (the
 *             provider's own, from its answer), status (delivered|failed), reason
 *   Each webhook carries [http] inbound_token, as "Authorization: Bearer <token>" or at the end
 *   of its path (/sms/inbound/<token>); without the token configured they are off (404).
 *   outbound  POST {"id","ref","from","to","text"} as JSON to [provider] url (id ours, the same
 *             on every attempt; ref unguessable, for reports); 2xx is accepted (a JSON
 *             "id" in the reply is kept), 408/429/5xx/no answer is tried again, the rest fails.
 */
#include "gateway/provider.h"

#include "common/config.h"
#include "common/xmalloc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gw_provider {
	char *url;
	char *token;		/* [http] inbound_token; NULL: the webhooks are off */
};

/* Whether bind is a loopback address (127.0.0.0/8, ::1): nothing from outside reaches it. */
static int
loopback_bind(const char *bind)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, bind, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, bind, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/*
 * Open for sending ([provider] type = http), for receiving ([http] inbound_token), or both;
 * with neither the provider is unconfigured and its webhooks stay off.
 */
static struct gw_provider *
http_open(const struct config *cfg, int *unconfigured, char *err, size_t errlen)
{
	struct gw_provider *p;
	int outbound = strcmp(cfg->provider_type, "http") == 0;
	const char *token = cfg->inbound_token ? cfg->inbound_token : "";

	*unconfigured = 0;
	if (!outbound && token[0] == '\0') {
		*unconfigured = 1;
		return NULL;
	}
	if (outbound && (cfg->provider_url == NULL || (strncmp(cfg->provider_url, "http://", 7) != 0 &&
	    strncmp(cfg->provider_url, "https://", 8) != 0))) {
		snprintf(err, errlen, "[provider] url: type http needs an http:// or https:// URL");
		return NULL;
	}
	if (token[0] && !gw_path_token_ok(token)) {
		snprintf(err, errlen, "[http] inbound_token: at least %d letters, digits, - and _",
		    WEBHOOK_MIN_TOKEN);
		return NULL;
	}
	if (strcmp(token, CONFIG_WALKTHROUGH_TOKEN) == 0 && !loopback_bind(cfg->bind)) {
		snprintf(err, errlen, "%s%s[http] inbound_token: \"%s\" is the token shipped for "
		    "trying farmline on 127.0.0.1, and [http] bind is %s: set a secret of your own "
		    "(%d+ letters, digits, - and _, e.g. from `openssl rand -hex 24`)",
		    cfg->path ? cfg->path : "", cfg->path ? ": " : "", CONFIG_WALKTHROUGH_TOKEN,
		    cfg->bind, WEBHOOK_MIN_TOKEN);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->url = xstrdup(cfg->provider_url);
	p->token = token[0] ? xstrdup(token) : NULL;
	return p;
}

static int
http_webhooks(struct gw_provider *p, char *what, size_t wlen)
{
	if (p->token == NULL) {
		snprintf(what, wlen, "[http] inbound_token is not set: /sms/inbound, /sms/http and "
		    "/dlr/http are off");
		return 0;
	}
	snprintf(what, wlen, "/sms/inbound, /sms/http and /dlr/http, with Authorization: Bearer "
	    "<[http] inbound_token> (or the token at the end of the path)%s",
	    strcmp(p->token, CONFIG_WALKTHROUGH_TOKEN) == 0 ? "; it is the walkthrough's token, "
	    "known to all: set your own before anything outside reaches farmline, a reverse proxy "
	    "on this machine included" : "");
	return 1;
}

static void
http_close(struct gw_provider *p)
{
	if (p == NULL)
		return;
	free(p->url);
	free(p->token);
	free(p);
}

enum field { F_FROM, F_TO, F_TEXT, F_ID, F_STATUS, F_REASON, F_REF, F_COUNT };
static const char *const field_names[F_COUNT] = { "from", "to", "text", "id", "status",
    "reason", "ref" };

struct fields {
	char *v[F_COUNT];
	size_t len[F_COUNT];
};

static void
fields_free(struct fields *f)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		free(f->v[i]);
}

/* The request's fields, from a form or a JSON object. 0, or an HTTP status and a reason. */
static int
read_fields(const struct gw_req *req, struct fields *f, char *reason, size_t rlen)
{
	struct gw_kv kv[WEBHOOK_MAX_FIELDS];
	json_error_t jerr;
	json_t *root;
	int n, i, j;

	memset(f, 0, sizeof(*f));
	if (gw_req_is(req, "application/x-www-form-urlencoded")) {
		n = gw_form_parse(req->body ? req->body : "", req->len, kv, WEBHOOK_MAX_FIELDS,
		    reason, rlen);
		if (n < 0)
			return 400;
		for (i = 0; i < n; i++) {
			for (j = 0; j < F_COUNT; j++) {
				if (strcmp(kv[i].key, field_names[j]) != 0)
					continue;
				if (f->v[j]) {
					snprintf(reason, rlen, "field %s given twice", field_names[j]);
					gw_kv_free(kv, n);
					return 400;
				}
				f->v[j] = kv[i].value;
				f->len[j] = kv[i].vlen;
				kv[i].value = NULL;
			}
		}
		gw_kv_free(kv, n);
		return 0;
	}
	if (!gw_req_is(req, "application/json")) {
		snprintf(reason, rlen, "Content-Type must be application/x-www-form-urlencoded or "
		    "application/json");
		return 415;
	}
	root = json_loadb(req->body ? req->body : "", req->len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		char near[sizeof(jerr.text)];

		/* jansson quotes the bytes near the error: made text for the JSON answer. */
		gw_clean_text(near, sizeof(near), jerr.text, sizeof(jerr.text));
		snprintf(reason, rlen, "invalid JSON at line %d column %d: %s", jerr.line,
		    jerr.column, near);
		return 400;
	}
	if (!json_is_object(root)) {
		snprintf(reason, rlen, "the JSON body must be an object");
		json_decref(root);
		return 400;
	}
	for (j = 0; j < F_COUNT; j++) {
		json_t *v = json_object_get(root, field_names[j]);
		char num[32];

		if (v == NULL || json_is_null(v))
			continue;
		if (json_is_string(v)) {
			f->len[j] = json_string_length(v);
			f->v[j] = xmalloc(f->len[j] + 1);
			memcpy(f->v[j], json_string_value(v), f->len[j] + 1);
		} else if (j == F_ID && json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			f->v[j] = xstrdup(num);
			f->len[j] = strlen(num);
		} else {
			snprintf(reason, rlen, "field %s must be a string", field_names[j]);
			json_decref(root);
			return 400;
		}
	}
	json_decref(root);
	return 0;
}

static int
http_parse_sms(struct gw_provider *p, const struct gw_req *req, int max_chars,
    struct gw_webhook *wh, char *reason, size_t rlen)
{
	struct fields f;
	int rc, i;

	(void)p;
	rc = read_fields(req, &f, reason, rlen);
	/* A NUL inside a number or an id would cut it short: "abc\0one" and "abc\0two" as one. */
	for (i = 0; rc == 0 && i < F_COUNT; i++) {
		if (i != F_TEXT && f.v[i] && strlen(f.v[i]) != f.len[i]) {
			snprintf(reason, rlen, "a NUL byte in field %s", field_names[i]);
			rc = 400;
		}
	}
	if (rc == 0)
		rc = gw_webhook_add(wh, f.v[F_FROM], f.v[F_TO], f.v[F_TEXT], f.len[F_TEXT],
		    f.v[F_ID], max_chars, reason, rlen);
	fields_free(&f);
	return rc;
}

/* Field i absent, or an id: 1 to WEBHOOK_MAX_ID printable ASCII characters, no space. */
static int
id_ok(const struct fields *f, int i)
{
	const char *s = f->v[i];

	if (s == NULL)
		return 1;
	if (s[0] == '\0' || strlen(s) != f->len[i] || f->len[i] > WEBHOOK_MAX_ID)
		return 0;
	for (; *s; s++) {
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	}
	return 1;
}

static int
http_parse_dlr(struct gw_provider *p, const struct gw_req *req, struct gw_webhook *wh,
    char *reason, size_t rlen)
{
	struct fields f;
	int rc;

	(void)p;
	rc = read_fields(req, &f, reason, rlen);
	if (rc)
		goto out;
	rc = 400;
	/*
	 * ref, the reference farmline sent with the message, or id, the provider's own id for it
	 * (as its answer gave it): either names it. Our own row id would be guessable: never.
	 */
	if (!id_ok(&f, F_REF) || !id_ok(&f, F_ID) || (f.v[F_REF] == NULL && f.v[F_ID] == NULL)) {
		snprintf(reason, rlen, "ref (as farmline sent it) or id (as you answered it): 1 to "
		    "%d printable characters", WEBHOOK_MAX_ID);
		goto out;
	}
	wh->dlr.ref = xstrdup(f.v[F_REF]);
	wh->dlr.provider_id = xstrdup(f.v[F_ID]);
	if (f.v[F_STATUS] && strcmp(f.v[F_STATUS], "delivered") == 0) {
		wh->dlr.status = DLR_DELIVERED;
	} else if (f.v[F_STATUS] && strcmp(f.v[F_STATUS], "failed") == 0) {
		wh->dlr.status = DLR_FAILED;
	} else {
		snprintf(reason, rlen, "status: delivered or failed");
		goto out;
	}
	if (f.v[F_REASON] && f.v[F_REASON][0]) {
		char why[200];

		gw_clean_text(why, sizeof(why), f.v[F_REASON], f.len[F_REASON]);
		wh->dlr.reason = xstrdup(why);
	}
	wh->has_dlr = 1;
	rc = 0;
out:
	fields_free(&f);
	return rc;
}

static int
http_build(struct gw_provider *p, const struct gw_outbound *m, struct gw_out_request *req,
    char *err, size_t errlen)
{
	json_t *body;
	char id[32];

	/* id: ours, the same on every attempt (an idempotency key); ref: what a report names. */
	snprintf(id, sizeof(id), "%lld", (long long)m->id);
	body = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "from", m->from, "to", m->to,
	    "text", m->text);
	if (body && m->ref && json_object_set_new(body, "ref", json_string(m->ref)) != 0) {
		json_decref(body);
		body = NULL;
	}
	req->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (req->body == NULL) {
		snprintf(err, errlen, "cannot encode the message as JSON");
		return -1;
	}
	req->len = strlen(req->body);
	req->url = xstrdup(p->url);
	req->headers = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	return 0;
}

static void
http_map_reply(struct gw_provider *p, long status, const char *body, size_t len,
    struct gw_send_result *r)
{
	json_t *reply, *id;
	char said[200];

	(void)p;
	r->status = gw_status_for(status);
	if (r->status != GW_SEND_OK) {
		gw_clean_text(said, sizeof(said), body ? body : "", body ? len : 0);
		snprintf(r->error, sizeof(r->error), "HTTP %ld: %s", status, said);
		return;
	}
	reply = body ? json_loadb(body, len, 0, NULL) : NULL;
	id = json_object_get(reply, "id");
	if (json_is_string(id))
		gw_clean_text(r->provider_id, sizeof(r->provider_id), json_string_value(id),
		    json_string_length(id));
	else if (json_is_integer(id))
		snprintf(r->provider_id, sizeof(r->provider_id), "%lld",
		    (long long)json_integer_value(id));
	json_decref(reply);
}

/* Every webhook carries [http] inbound_token: in the Authorization header or the path. */
static int
http_check(struct gw_provider *p, const struct gw_req *req, char *reason, size_t rlen)
{
	return gw_check_secret(req, p->token, reason, rlen);
}

const struct gw_provider_ops gw_provider_http = {
	.name = "http",
	.open = http_open,
	.close = http_close,
	.webhooks = http_webhooks,
	.check = http_check,
	.parse_sms = http_parse_sms,
	.parse_dlr = http_parse_dlr,
	.build = http_build,
	.map_reply = http_map_reply,
};
