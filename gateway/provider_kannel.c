/*
 * Kannel (an SMSC over SMPP, or a GSM modem, behind bearerbox and smsbox).
 *   inbound   /sms/kannel/<token> from an smsbox sms-service, with the placeholders from=%p to=%P
 *             id=%I coding=%c charset=%C in the URL:
 *               get-url:  and text=%b — GET, everything in the query string;
 *               post-url: POST, the message's own bytes as the body (text/plain; charset=…,
 *                         application/octet-stream for 8-bit), the rest in the query string
 *                         (X-Kannel-From, X-Kannel-To and X-Kannel-Coding stand in for them).
 *             text is the message's own bytes: UTF-16BE when coding is 2 (UCS-2), else UTF-8
 *             or what charset says, decoded here with iconv. Answered with an empty 200 (the
 *             sms-service needs max-messages = 0 or omit-empty = true, or smsbox texts the
 *             farmer its reply-emptymessage); replies go through sendsms.
 *   reports   GET /dlr/kannel/<token>?ref=<reference>&status=%d&answer=%A — the dlr-url
 *             farmline gives with each message, the reference made up for that message (see
 *             store_outbox_report); %d is 1 delivered, 2 failed, 4 buffered, 8 accepted by
 *             the SMSC, 16 rejected by the SMSC.
 *   Every webhook's path ends in [kannel] token; without it they are off (404).
 *   outbound  GET {sendsms_url}?username&password&from&to&text&coding[&smsc][&dlr-mask&dlr-url]:
 *             Chinese goes as UCS-2 — coding=2, the text as UTF-16BE bytes %-encoded, and no
 *             charset, so that a Kannel built without iconv sends it unchanged. smsbox answers
 *             202 "0: Accepted for delivery", 202 "3: Queued for later delivery", or 202
 *             "Sent." (immediate-sendsms-reply); 400 for a bad argument, 403 for a refused
 *             login or "Not routable. Do not try again.", 503 "Temporal failure, try again
 *             later.", 500 "Sending failed.".
 */
#include "gateway/provider.h"

#include "common/config.h"
#include "common/sms.h"
#include "common/xmalloc.h"

#include <curl/curl.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KANNEL_DLR_MASK 31	/* delivered, failed, buffered, SMSC accepted, SMSC rejected */

struct gw_provider {
	char *sendsms_url, *username, *password, *dlr_url, *smsc, *token;
};

static int
is_http_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static struct gw_provider *
kannel_open(const struct config *cfg, int *unconfigured, char *err, size_t errlen)
{
	struct gw_provider *p;
	int outbound = strcmp(cfg->provider_type, "kannel") == 0;

	*unconfigured = 0;
	if (!outbound && cfg->kannel_username[0] == '\0' && cfg->kannel_token[0] == '\0') {
		*unconfigured = 1;	/* no [kannel] section: its webhooks stay off */
		return NULL;
	}
	if (!gw_path_token_ok(cfg->kannel_token)) {
		snprintf(err, errlen, "[kannel] token: at least %d letters, digits, - and _",
		    WEBHOOK_MIN_TOKEN);
		return NULL;
	}
	if (outbound && (!is_http_url(cfg->kannel_sendsms_url) ||
	    cfg->kannel_username[0] == '\0')) {
		snprintf(err, errlen, "[kannel] sendsms_url and username are needed to send through "
		    "Kannel (e.g. http://127.0.0.1:13013/cgi-bin/sendsms)");
		return NULL;
	}
	if (cfg->kannel_dlr_url[0] && !is_http_url(cfg->kannel_dlr_url)) {
		/* smsbox refuses any other dlr-url ("DLR-URL field misformed"). */
		snprintf(err, errlen, "[kannel] dlr_url: an http:// or https:// URL of /dlr/kannel");
		return NULL;
	}
	/* Reports come back through /dlr/kannel/<token>: without the token it is off. */
	if (cfg->kannel_dlr_url[0] && (cfg->kannel_token[0] == '\0' ||
	    strstr(cfg->kannel_dlr_url, cfg->kannel_token) == NULL)) {
		snprintf(err, errlen, "[kannel] dlr_url: delivery reports need [kannel] token, and "
		    "the URL ends in it: http://<farmline>/dlr/kannel/<token>");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->sendsms_url = xstrdup(cfg->kannel_sendsms_url);
	p->username = xstrdup(cfg->kannel_username);
	p->password = xstrdup(cfg->kannel_password);
	p->dlr_url = cfg->kannel_dlr_url[0] ? xstrdup(cfg->kannel_dlr_url) : NULL;
	p->smsc = cfg->kannel_smsc[0] ? xstrdup(cfg->kannel_smsc) : NULL;
	p->token = cfg->kannel_token[0] ? xstrdup(cfg->kannel_token) : NULL;
	return p;
}

static void
kannel_close(struct gw_provider *p)
{
	if (p == NULL)
		return;
	free(p->sendsms_url);
	free(p->username);
	free(p->password);
	free(p->dlr_url);
	free(p->smsc);
	free(p->token);
	free(p);
}

/*
 * The charsets a message is decoded from. The name comes from outside (%C, a Content-Type), so
 * only these reach iconv_open.
 */
static const char *const utf16_names[] = { "UTF-16BE", "UTF16-BE", "UCS-2", "UCS-2BE", "UTF-16",
    NULL };
static const char *const other_names[] = { "ISO-8859-1", "LATIN1", "WINDOWS-1252", "CP1252",
    "GB2312", "GBK", "GB18030", "BIG5", NULL };

static int
charset_in(const char *name, const char *const *list)
{
	int i;

	for (i = 0; name && list[i]; i++) {
		if (strcasecmp(name, list[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * Convert len bytes of in from charset to UTF-8 (iconv). Returns a new string with its length
 * in *outlen (it may hold a NUL if the message did), or NULL when the bytes are not valid in
 * that charset.
 */
static char *
to_utf8(const char *charset, const char *in, size_t len, size_t *outlen)
{
	size_t cap = len * 2 + 16, left = len, room, done;
	char *out, *src = (char *)in, *dst, *grown;
	iconv_t cd;

	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return NULL;
	out = xmalloc(cap + 1);
	dst = out;
	room = cap;
	while (iconv(cd, &src, &left, &dst, &room) == (size_t)-1) {
		if (errno != E2BIG) {
			free(out);
			iconv_close(cd);
			return NULL;
		}
		done = (size_t)(dst - out);
		cap *= 2;
		grown = xreallocarray(out, cap + 1, 1);
		out = grown;
		dst = out + done;
		room = cap - done;
	}
	iconv_close(cd);
	*dst = '\0';
	*outlen = (size_t)(dst - out);
	return out;
}

enum { K_FROM, K_TO, K_TEXT, K_ID, K_CODING, K_CHARSET, K_REF, K_STATUS, K_ANSWER, K_COUNT };
static const char *const kannel_keys[K_COUNT + 1] = { "from", "to", "text", "id", "coding",
    "charset", "ref", "status", "answer", NULL };

/* What one request carried, wherever it came from. */
struct kannel_req {
	struct gw_kv form[WEBHOOK_MAX_FIELDS];
	int nform;
	const char *v[K_COUNT];
	size_t len[K_COUNT];
	char charset[40];	/* from the Content-Type of a post-url body */
};

static void
take(struct kannel_req *k, int i, const struct gw_kv *kv)
{
	if (kv) {
		k->v[i] = kv->value;
		k->len[i] = kv->vlen;
	}
}

/*
 * The fields of a request: the query string, and for a POST either a form body or (Kannel's
 * post-url) the message itself. A field given twice, in one place or in two, is refused.
 * 0, or an HTTP status and a reason; kannel_req_free in either case.
 */
static int
kannel_req_read(const struct gw_req *req, int body_is_text, struct kannel_req *k, char *reason,
    size_t rlen)
{
	const struct gw_kv *q[K_COUNT], *f[K_COUNT];
	int rc, i, post = strcmp(req->method, "GET") != 0;

	memset(k, 0, sizeof(*k));
	rc = gw_kv_pick(req->query, req->nquery, kannel_keys, q, reason, rlen);
	if (rc)
		return rc;
	for (i = 0; i < K_COUNT; i++)
		take(k, i, q[i]);
	if (!post)
		return 0;
	if (gw_req_is(req, "application/x-www-form-urlencoded")) {
		k->nform = gw_form_parse(req->body ? req->body : "", req->len, k->form,
		    WEBHOOK_MAX_FIELDS, reason, rlen);
		if (k->nform < 0) {
			k->nform = 0;
			return 400;
		}
		rc = gw_kv_pick(k->form, k->nform, kannel_keys, f, reason, rlen);
		for (i = 0; rc == 0 && i < K_COUNT; i++) {
			if (f[i] && q[i]) {
				snprintf(reason, rlen, "field %s given twice", kannel_keys[i]);
				rc = 400;
			}
			take(k, i, f[i]);
		}
		return rc;
	}
	if (body_is_text && (gw_req_is(req, "text/plain") ||
	    gw_req_is(req, "application/octet-stream"))) {
		/* post-url: the body is the message; a few X-Kannel headers say the rest. */
		static const struct { int field; const char *header; } hdr[] = {
			{ K_FROM, "X-Kannel-From" }, { K_TO, "X-Kannel-To" },
			{ K_CODING, "X-Kannel-Coding" },
		};
		size_t j;

		if (k->v[K_TEXT]) {
			snprintf(reason, rlen, "field text given twice (the body is the text)");
			return 400;
		}
		k->v[K_TEXT] = req->body ? req->body : "";
		k->len[K_TEXT] = req->len;
		for (j = 0; j < sizeof(hdr) / sizeof(hdr[0]); j++) {
			const char *h = gw_req_header(req, hdr[j].header);

			if (k->v[hdr[j].field] == NULL && h) {
				k->v[hdr[j].field] = h;
				k->len[hdr[j].field] = strlen(h);
			}
		}
		if (gw_req_type_param(req, "charset", k->charset, sizeof(k->charset)) == 0 &&
		    k->v[K_CHARSET] == NULL) {
			k->v[K_CHARSET] = k->charset;
			k->len[K_CHARSET] = strlen(k->charset);
		}
		return 0;
	}
	if (!body_is_text && req->len == 0)
		return 0;	/* a report with its fields in the URL */
	snprintf(reason, rlen, body_is_text ? "Content-Type must be text/plain or "
	    "application/octet-stream (post-url), or use get-url" :
	    "use GET (dlr-url), or POST form fields");
	return 415;
}

static void
kannel_req_free(struct kannel_req *k)
{
	gw_kv_free(k->form, k->nform);
	k->nform = 0;
}

static int
kannel_parse_sms(struct gw_provider *p, const struct gw_req *req, int max_chars,
    struct gw_webhook *wh, char *reason, size_t rlen)
{
	struct kannel_req k;
	const char *coding, *charset, *text, *id;
	char *utf8 = NULL;
	size_t text_len, utf8_len = 0;
	int rc, ucs2;

	(void)p;
	rc = kannel_req_read(req, 1, &k, reason, rlen);
	if (rc)
		goto out;
	coding = k.v[K_CODING];
	charset = k.v[K_CHARSET];
	text = k.v[K_TEXT];
	text_len = k.len[K_TEXT];
	/* UCS-2: the bytes are UTF-16BE whatever else charset says (Kannel's %C says so too). */
	ucs2 = (coding && strcmp(coding, "2") == 0) || charset_in(charset, utf16_names);
	if (text && ucs2) {
		utf8 = text_len % 2 == 0 ? to_utf8("UTF-16BE", text, text_len, &utf8_len) : NULL;
		if (utf8 == NULL) {
			snprintf(reason, rlen, "text is not valid UTF-16BE (coding 2)");
			rc = 400;
			goto out;
		}
	} else if (text && charset_in(charset, other_names) && !utf8_valid(text, text_len)) {
		utf8 = to_utf8(charset, text, text_len, &utf8_len);
	}
	if (utf8) {
		text = utf8;
		text_len = utf8_len;
	}
	/* %I is empty for a message without an id: then there is none. */
	id = k.v[K_ID] && k.v[K_ID][0] ? k.v[K_ID] : NULL;
	rc = gw_webhook_add(wh, k.v[K_FROM], k.v[K_TO], text, text_len, id, max_chars, reason,
	    rlen);
out:
	free(utf8);
	kannel_req_free(&k);
	return rc;
}

static void
kannel_sms_reply(struct gw_provider *p, const struct gw_webhook *wh, struct gw_reply *out)
{
	(void)p;
	(void)wh;
	gw_reply_ok(out, "text/plain", "");
}

static int
kannel_parse_dlr(struct gw_provider *p, const struct gw_req *req, struct gw_webhook *wh,
    char *reason, size_t rlen)
{
	struct kannel_req k;
	const char *ref, *status, *answer;
	char *end, why[160];
	long type = 0;
	int rc;

	(void)p;
	rc = kannel_req_read(req, 0, &k, reason, rlen);
	if (rc)
		goto out;
	ref = k.v[K_REF];
	status = k.v[K_STATUS];
	answer = k.v[K_ANSWER];
	rc = 400;
	if (ref == NULL || !gw_ref_ok(ref)) {
		snprintf(reason, rlen, "ref: the message's reference farmline put in the dlr-url");
		goto out;
	}
	if (status == NULL || *status < '0' || *status > '9' ||
	    (type = strtol(status, &end, 10)) <= 0 || type > 255 || *end) {
		snprintf(reason, rlen, "status: Kannel's %%d, a delivery report type");
		goto out;
	}
	wh->dlr.ref = xstrdup(ref);
	wh->has_dlr = 1;
	if (type & 1)
		wh->dlr.status = DLR_DELIVERED;
	else if (type & (2 | 16))
		wh->dlr.status = DLR_FAILED;
	else
		wh->dlr.status = DLR_PENDING;	/* 4 buffered, 8 accepted by the SMSC */
	if (wh->dlr.status == DLR_FAILED) {
		gw_clean_text(why, sizeof(why), answer ? answer : "", answer ? k.len[K_ANSWER] : 0);
		wh->dlr.reason = xasprintf("Kannel %ld%s%s", type, why[0] ? ": " : "", why);
	}
	rc = 0;
out:
	kannel_req_free(&k);
	return rc;
}

/* text as UTF-16BE bytes, each %XX. Returns a new string. */
static char *
ucs2_escaped(const char *text)
{
	const char *p = text;
	size_t cap = strlen(text) * 6 + 1, o = 0;	/* at most 12 out for 4 bytes in */
	char *out = xmalloc(cap);

	while (*p) {
		uint32_t cp;
		uint16_t units[2];
		int n = 1, i;

		p += utf8_decode(p, &cp);
		if (cp > 0xffff) {
			cp -= 0x10000;
			units[0] = (uint16_t)(0xd800 + (cp >> 10));
			units[1] = (uint16_t)(0xdc00 + (cp & 0x3ff));
			n = 2;
		} else {
			units[0] = (uint16_t)cp;
		}
		for (i = 0; i < n; i++)
			o += (size_t)snprintf(out + o, cap - o, "%%%02X%%%02X", units[i] >> 8,
			    units[i] & 0xff);
	}
	out[o] = '\0';
	return out;
}

/* "&key=value" (no "&" for the first) with value %-escaped; 0, or -1 when it cannot be. */
static int
append_arg(FILE *fp, const char *key, const char *value, int first)
{
	char *v = curl_easy_escape(NULL, value ? value : "", 0);

	if (v == NULL)
		return -1;
	fprintf(fp, "%s%s=%s", first ? "" : "&", key, v);
	curl_free(v);
	return 0;
}

static int
kannel_build(struct gw_provider *p, const struct gw_outbound *m, struct gw_out_request *req,
    char *err, size_t errlen)
{
	struct sms_count count;
	char *url = NULL, *dlr = NULL, *ucs2 = NULL;
	size_t urllen = 0;
	FILE *fp;
	int bad = 0;

	if (m->text == NULL || !utf8_valid(m->text, strlen(m->text))) {
		snprintf(err, errlen, "the text is not valid UTF-8");
		return -1;
	}
	sms_count(m->text, &count);
	fp = open_memstream(&url, &urllen);
	if (fp == NULL)
		abort();
	/* The first argument goes after "?" (or "&" if the configured URL has a query). */
	fprintf(fp, "%s%c", p->sendsms_url, strchr(p->sendsms_url, '?') ? '&' : '?');
	bad |= append_arg(fp, "username", p->username, 1);
	bad |= append_arg(fp, "password", p->password, 0);
	bad |= append_arg(fp, "from", m->from, 0);
	bad |= append_arg(fp, "to", m->to, 0);
	if (count.coding == SMS_UCS2) {
		ucs2 = ucs2_escaped(m->text);
		fprintf(fp, "&text=%s&coding=2", ucs2);
	} else {
		bad |= append_arg(fp, "text", m->text, 0);
		fprintf(fp, "&coding=0");
	}
	if (p->smsc)
		bad |= append_arg(fp, "smsc", p->smsc, 0);
	/* The report names the message by its reference, which nobody else can know. */
	if (p->dlr_url && m->ref && gw_ref_ok(m->ref)) {
		dlr = xasprintf("%s%cref=%s&status=%%d&answer=%%A", p->dlr_url,
		    strchr(p->dlr_url, '?') ? '&' : '?', m->ref);
		fprintf(fp, "&dlr-mask=%d", KANNEL_DLR_MASK);
		bad |= append_arg(fp, "dlr-url", dlr, 0);
	}
	fclose(fp);
	free(ucs2);
	free(dlr);
	if (bad) {
		free(url);
		snprintf(err, errlen, "cannot encode the message");
		return -1;
	}
	req->url = url;
	return 0;
}

/* Whether smsbox's answer starts with one of its words for "accepted". */
static int
kannel_accepted(const char *body, size_t len)
{
	static const char *const words[] = { "0:", "3:", "Sent.", NULL };
	int i;

	while (len > 0 && (*body == ' ' || *body == '\r' || *body == '\n')) {
		body++;
		len--;
	}
	for (i = 0; words[i]; i++) {
		size_t n = strlen(words[i]);

		if (len >= n && strncasecmp(body, words[i], n) == 0)
			return 1;
	}
	return 0;
}

static void
kannel_map_reply(struct gw_provider *p, long status, const char *body, size_t len,
    struct gw_send_result *r)
{
	char said[200];

	(void)p;
	r->status = gw_status_for(status);
	if (r->status == GW_SEND_OK && body && kannel_accepted(body, len))
		return;
	/* 2xx without smsbox's words is not Kannel's answer: try again (at least once). */
	if (r->status == GW_SEND_OK)
		r->status = GW_SEND_RETRY;
	gw_clean_text(said, sizeof(said), body ? body : "", body ? len : 0);
	snprintf(r->error, sizeof(r->error), "HTTP %ld: %s", status, said);
}

static int
kannel_webhooks(struct gw_provider *p, char *what, size_t wlen)
{
	if (p->token == NULL) {
		snprintf(what, wlen, "[kannel] token is not set: /sms/kannel and /dlr/kannel are "
		    "off");
		return 0;
	}
	snprintf(what, wlen, "/sms/kannel/<token> and /dlr/kannel/<token> ([kannel] token)");
	return 1;
}

/* Every webhook's path ends in [kannel] token. */
static int
kannel_check(struct gw_provider *p, const struct gw_req *req, char *reason, size_t rlen)
{
	return gw_check_secret_path(req, p->token, reason, rlen);
}

const struct gw_provider_ops gw_provider_kannel = {
	.name = "kannel",
	.get_allowed = 1,
	.open = kannel_open,
	.close = kannel_close,
	.webhooks = kannel_webhooks,
	.check = kannel_check,
	.parse_sms = kannel_parse_sms,
	.sms_reply = kannel_sms_reply,
	.parse_dlr = kannel_parse_dlr,
	.build = kannel_build,
	.map_reply = kannel_map_reply,
};
