/*
 * The generic HTTP provider of DESIGN.md, table-driven: webhook requests in, the parse or the
 * HTTP status out; delivery reports; the outbound request; what its answers mean; and the
 * backoff between attempts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/config.h"
#include "gateway/provider.h"
#include "gateway/sender.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

/* A webhook request written as strings. */
struct req_in {
	const char *method;	/* NULL: POST */
	const char *content_type;
	const char *body;
	size_t len;		/* 0: strlen(body) */
};

struct built {
	struct gw_req r;
	struct gw_kv headers[1];
};

static void
build_req(const struct req_in *in, const char *path, struct built *b)
{
	memset(b, 0, sizeof(*b));
	b->r.method = in->method ? in->method : "POST";
	b->r.path = path;
	b->r.tail = "";
	b->r.content_type = in->content_type;
	b->r.body = in->body;
	b->r.len = in->len ? in->len : in->body ? strlen(in->body) : 0;
	if (in->content_type) {
		b->headers[0].key = (char *)"Content-Type";
		b->headers[0].value = (char *)in->content_type;
		b->headers[0].vlen = strlen(in->content_type);
		b->r.headers = b->headers;
		b->r.nheaders = 1;
	}
}

struct fixture {
	struct config cfg;
	const struct gw_provider_ops *ops;
	struct gw_provider *p;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	int unconfigured = 0;

	if (f == NULL)
		return -1;
	config_defaults(&f->cfg);
	config_set_string(&f->cfg.provider_type, "http");
	config_set_string(&f->cfg.provider_url, "http://127.0.0.1:9/sms");
	f->ops = gw_provider_find("http");
	if (f->ops == NULL)
		return -1;
	f->p = f->ops->open(&f->cfg, &unconfigured, err, sizeof(err));
	if (f->p == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	f->ops->close(f->p);
	config_free(&f->cfg);
	free(f);
	return 0;
}

struct inbound_case {
	const char *name;
	struct req_in in;
	int status;		/* 0: parsed */
	const char *from, *text, *id, *to;
	const char *reason;	/* part of the error */
};

static const struct inbound_case inbound_cases[] = {
	{ "form, raw UTF-8 as curl -d sends it",
	    { NULL, FORM, "from=+8613800000001&text=鹅苗死亡很多怎么办", 0 }, 0,
	    "+8613800000001", "鹅苗死亡很多怎么办", NULL, NULL, NULL },
	{ "form, percent-encoded with + for space",
	    { NULL, FORM, "from=%2B8613800000001&to=10690000&text=%E9%B9%85%E8%8B%97+dead&id=abc-1",
	    0 }, 0, "+8613800000001", "鹅苗 dead", "abc-1", "10690000", NULL },
	{ "form with a charset parameter",
	    { NULL, FORM "; charset=UTF-8", "from=13800000001&text=hi", 0 }, 0,
	    "+8613800000001", "hi", NULL, NULL, NULL },
	{ "form, national number", { NULL, FORM, "from=13800000001&text=hi", 0 }, 0,
	    "+8613800000001", "hi", NULL, NULL, NULL },
	{ "form, extra provider fields are ignored",
	    { NULL, FORM, "from=13800000001&text=hi&foo=bar&date=2026", 0 }, 0, "+8613800000001",
	    "hi", NULL, NULL, NULL },
	{ "json", { NULL, JSON "; charset=utf-8",
	    "{\"from\":\"+8613800000001\",\"text\":\"天麻怎么种\",\"id\":42}", 0 }, 0,
	    "+8613800000001", "天麻怎么种", "42", NULL, NULL },
	{ "json with to and a string id", { NULL, JSON,
	    "{\"from\":\"13800000001\",\"to\":\"10690000\",\"text\":\"hi\",\"id\":\"m-1\"}", 0 }, 0,
	    "+8613800000001", "hi", "m-1", "10690000", NULL },
	{ "json null is absent", { NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"hi\",\"id\":null}", 0 }, 0,
	    "+8613800000001", "hi", NULL, NULL, NULL },
	{ "missing from", { NULL, FORM, "text=hello", 0 }, 400, NULL, NULL, NULL, NULL,
	    "missing field: from" },
	{ "missing text", { NULL, FORM, "from=13800000001", 0 }, 400, NULL, NULL, NULL, NULL,
	    "missing field: text" },
	{ "empty text", { NULL, FORM, "from=13800000001&text=", 0 }, 400, NULL, NULL, NULL, NULL,
	    "text is empty" },
	{ "blank text", { NULL, FORM, "from=13800000001&text=+%E3%80%80+", 0 }, 400, NULL, NULL,
	    NULL, NULL, "text is empty" },
	{ "not a phone number", { NULL, FORM, "from=hello&text=hi", 0 }, 400, NULL, NULL, NULL,
	    NULL, "from: not a phone number" },
	{ "a 70-digit number", { NULL, FORM,
	    "from=1234567890123456789012345678901234567890123456789012345678901234567890&text=hi",
	    0 }, 400, NULL, NULL, NULL, NULL, "from: not a phone number" },
	{ "invalid UTF-8", { NULL, FORM, "from=13800000001&text=%FF%FE", 0 }, 400, NULL, NULL,
	    NULL, NULL, "not valid UTF-8" },
	{ "a NUL inside the id (it would make two messages one)",
	    { NULL, FORM, "from=13800000001&text=hi&id=abc%00one", 0 }, 400, NULL, NULL, NULL,
	    NULL, "a NUL byte in field id" },
	{ "a NUL inside the number", { NULL, FORM, "from=1380000%000001&text=hi", 0 }, 400, NULL,
	    NULL, NULL, NULL, "a NUL byte in field from" },
	{ "NUL in the text", { NULL, FORM, "from=13800000001&text=a%00b", 0 }, 400, NULL, NULL,
	    NULL, NULL, "not valid UTF-8" },
	{ "NUL in the body", { NULL, FORM, "from=13800000001&text=a\0b", 25 }, 400, NULL, NULL,
	    NULL, NULL, "NUL" },
	{ "NUL in a field name", { NULL, FORM, "from=13800000001&text%00=a&text=b", 0 }, 400,
	    NULL, NULL, NULL, NULL, "NUL" },
	{ "field given twice", { NULL, FORM, "from=13800000001&text=a&text=b", 0 }, 400, NULL,
	    NULL, NULL, NULL, "given twice" },
	{ "bad id", { NULL, FORM, "from=13800000001&text=a&id=%0A", 0 }, 400, NULL, NULL, NULL,
	    NULL, "id:" },
	{ "invalid JSON", { NULL, JSON, "{\"from\":", 0 }, 400, NULL, NULL, NULL, NULL,
	    "invalid JSON" },
	/* jansson quotes the bytes near the error, here half of 吃: the reason must stay text,
	 * or the JSON answer cannot be made (as fuzz/fuzz_provider_tencent.c found there). */
	{ "half a character near a JSON error", { NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"鸭\\吃\"}", 0 }, 400, NULL, NULL, NULL,
	    NULL, "invalid escape near '\"鸭\\?'" },
	{ "empty JSON body", { NULL, JSON, "", 0 }, 400, NULL, NULL, NULL, NULL, "invalid JSON" },
	{ "JSON not an object", { NULL, JSON, "[1,2]", 0 }, 400, NULL, NULL, NULL, NULL,
	    "must be an object" },
	{ "JSON text not a string", { NULL, JSON, "{\"from\":\"13800000001\",\"text\":5}", 0 },
	    400, NULL, NULL, NULL, NULL, "text must be a string" },
	{ "JSON from a number", { NULL, JSON, "{\"from\":13800000001,\"text\":\"hi\"}", 0 }, 400,
	    NULL, NULL, NULL, NULL, "from must be a string" },
	{ "JSON with \\u0000", { NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"a\\u0000b\"}", 0 }, 400, NULL, NULL, NULL, NULL,
	    "invalid JSON" },
	{ "JSON with a lone surrogate", { NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"a\\ud800b\"}", 0 }, 400, NULL, NULL, NULL, NULL,
	    "invalid JSON" },
	{ "JSON duplicate key", { NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"a\",\"text\":\"b\"}", 0 }, 400, NULL, NULL, NULL,
	    NULL, "invalid JSON" },
	{ "JSON nested deep", { NULL, JSON,
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1", 0 }, 400, NULL, NULL, NULL,
	    NULL, "invalid JSON" },
	{ "SQL and format strings in the text are just text", { NULL, FORM,
	    "from=13800000001&text=%27%3B+DROP+TABLE+messages%3B--+%25s%25n", 0 }, 0,
	    "+8613800000001", "'; DROP TABLE messages;-- %s%n", NULL, NULL, NULL },
	{ "wrong content type", { NULL, "text/plain", "from=1&text=2", 0 }, 415, NULL, NULL,
	    NULL, NULL, "Content-Type" },
	{ "multipart", { NULL, "multipart/form-data; boundary=x", "--x--", 0 }, 415, NULL, NULL,
	    NULL, NULL, "Content-Type" },
	{ "no content type", { NULL, NULL, "from=1&text=2", 0 }, 415, NULL, NULL, NULL, NULL,
	    "Content-Type" },
};

static void
test_inbound_requests_parse_or_fail_as_the_table_says(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct built b;
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(inbound_cases) / sizeof(inbound_cases[0]); i++) {
		const struct inbound_case *c = &inbound_cases[i];
		int status;

		memset(&wh, 0, sizeof(wh));
		reason[0] = '\0';
		build_req(&c->in, "/sms/inbound", &b);
		status = f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_int_equal(wh.nmsgs, 1);
			assert_string_equal(wh.msgs[0].from, c->from);
			assert_string_equal(wh.msgs[0].text, c->text);
			if (c->id)
				assert_string_equal(wh.msgs[0].id, c->id);
			else
				assert_null(wh.msgs[0].id);
			if (c->to)
				assert_string_equal(wh.msgs[0].to, c->to);
			else
				assert_null(wh.msgs[0].to);
		} else {
			assert_int_equal(wh.nmsgs, 0);
			if (strstr(reason, c->reason) == NULL)
				fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
		}
		gw_webhook_free(&wh);
	}
}

static void
test_text_over_the_limit_is_refused_and_at_the_limit_accepted(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct built b;
	struct req_in in = { NULL, FORM, NULL, 0 };
	char reason[256], *body;
	size_t n = strlen("from=13800000001&text="), i;

	body = malloc(n + 2001 * 3 + 1);
	assert_non_null(body);
	memcpy(body, "from=13800000001&text=", n);
	for (i = 0; i < 2000; i++)
		memcpy(body + n + i * 3, "鸡", 3);
	body[n + 2000 * 3] = '\0';
	in.body = body;
	memset(&wh, 0, sizeof(wh));
	build_req(&in, "/sms/inbound", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason)), 0);
	gw_webhook_free(&wh);
	memcpy(body + n + 2000 * 3, "鸡", 4);
	build_req(&in, "/sms/inbound", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason)), 400);
	assert_non_null(strstr(reason, "longer than 2000 characters"));
	gw_webhook_free(&wh);
	free(body);
}

static void
test_too_many_fields_are_refused(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct built b;
	struct req_in in = { NULL, FORM, NULL, 0 };
	char reason[256], body[2000] = "from=13800000001&text=a";
	int i;

	for (i = 0; i < 100; i++)
		strcat(body, "&x=1");
	in.body = body;
	memset(&wh, 0, sizeof(wh));
	build_req(&in, "/sms/inbound", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason)), 400);
	assert_non_null(strstr(reason, "more than 64 fields"));
	gw_webhook_free(&wh);
}

struct dlr_case {
	const char *name;
	struct req_in in;
	int status;
	const char *ref, *id;	/* our reference, the provider's id: what it names */
	enum gw_dlr_status dlr;
	const char *reason;	/* the stored reason, or part of the error */
};

static const struct dlr_case dlr_cases[] = {
	{ "form delivered, by our reference", { NULL, FORM,
	    "ref=0123456789abcdef0123456789abcdef&status=delivered", 0 }, 0,
	    "0123456789abcdef0123456789abcdef", NULL, DLR_DELIVERED, NULL },
	{ "json failed with a reason, by the provider's id", { NULL, JSON,
	    "{\"id\":\"prov-8\",\"status\":\"failed\",\"reason\":\"absent subscriber\"}", 0 }, 0,
	    NULL, "prov-8", DLR_FAILED, "absent subscriber" },
	{ "both", { NULL, FORM, "ref=r0123456789abcdef&id=9&status=failed&reason=a%0Ab%1B", 0 },
	    0, "r0123456789abcdef", "9", DLR_FAILED, "a?b?" },
	{ "json id as a number", { NULL, JSON, "{\"id\":10,\"status\":\"delivered\"}", 0 }, 0,
	    NULL, "10", DLR_DELIVERED, NULL },
	{ "neither", { NULL, FORM, "status=delivered", 0 }, 400, NULL, NULL, 0, "ref" },
	{ "an empty id", { NULL, FORM, "id=&status=delivered", 0 }, 400, NULL, NULL, 0, "ref" },
	{ "a ref with a space", { NULL, FORM, "ref=a+b&status=delivered", 0 }, 400, NULL, NULL, 0,
	    "ref" },
	{ "an id with a NUL", { NULL, FORM, "id=a%00b&status=delivered", 0 }, 400, NULL, NULL, 0,
	    "ref" },
	{ "unknown status", { NULL, FORM, "id=7&status=lost", 0 }, 400, NULL, NULL, 0, "status:" },
	{ "status twice", { NULL, FORM, "id=7&status=failed&status=delivered", 0 }, 400, NULL,
	    NULL, 0, "given twice" },
	{ "wrong content type", { NULL, "text/plain", "id=7&status=delivered", 0 }, 415, NULL,
	    NULL, 0, "Content-Type" },
};

static void
test_delivery_reports_parse_as_the_table_says(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct built b;
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(dlr_cases) / sizeof(dlr_cases[0]); i++) {
		const struct dlr_case *c = &dlr_cases[i];
		int status;

		memset(&wh, 0, sizeof(wh));
		reason[0] = '\0';
		build_req(&c->in, "/dlr/http", &b);
		status = f->ops->parse_dlr(f->p, &b.r, &wh, reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_true(wh.has_dlr);
			if (c->ref)
				assert_string_equal(wh.dlr.ref, c->ref);
			else
				assert_null(wh.dlr.ref);
			if (c->id)
				assert_string_equal(wh.dlr.provider_id, c->id);
			else
				assert_null(wh.dlr.provider_id);
			assert_int_equal(wh.dlr.status, c->dlr);
			if (c->reason)
				assert_string_equal(wh.dlr.reason, c->reason);
			else
				assert_null(wh.dlr.reason);
		} else if (strstr(reason, c->reason) == NULL) {
			fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
		}
		gw_webhook_free(&wh);
	}
}

static void
test_request_is_the_json_of_design_md(void **state)
{
	struct fixture *f = *state;
	struct gw_outbound m = { 7, "10690000", "+8613800000001", "鹅苗死亡很多怎么办", 1,
	    "0123456789abcdef0123456789abcdef" };
	struct gw_out_request req;
	char err[256];
	json_t *body;

	memset(&req, 0, sizeof(req));
	assert_int_equal(f->ops->build(f->p, &m, &req, err, sizeof(err)), 0);
	assert_string_equal(req.url, "http://127.0.0.1:9/sms");
	assert_null(req.userpwd);
	assert_non_null(req.headers);
	assert_string_equal(req.headers->data, "Content-Type: application/json; charset=utf-8");
	assert_null(req.headers->next);
	assert_int_equal(req.len, strlen(req.body));
	body = json_loadb(req.body, req.len, 0, NULL);
	assert_non_null(body);
	assert_int_equal(json_object_size(body), 5);
	assert_string_equal(json_string_value(json_object_get(body, "id")), "7");
	/* The report reference: what a report names it by, and nobody can guess. */
	assert_string_equal(json_string_value(json_object_get(body, "ref")),
	    "0123456789abcdef0123456789abcdef");
	assert_string_equal(json_string_value(json_object_get(body, "from")), "10690000");
	assert_string_equal(json_string_value(json_object_get(body, "to")), "+8613800000001");
	assert_string_equal(json_string_value(json_object_get(body, "text")), "鹅苗死亡很多怎么办");
	json_decref(body);
	gw_out_request_free(&req);
}

static void
test_text_that_is_not_utf8_fails_to_build(void **state)
{
	struct fixture *f = *state;
	struct gw_outbound m = { 7, "10690000", "+8613800000001", "bad \xff", 1, NULL };
	struct gw_out_request req;
	char err[256];

	memset(&req, 0, sizeof(req));
	assert_int_equal(f->ops->build(f->p, &m, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "JSON"));
	gw_out_request_free(&req);
}

static void
test_provider_answers_map_to_sent_retry_or_fail(void **state)
{
	static const struct {
		long status;
		const char *body;
		enum gw_send_status want;
		const char *provider_id;	/* for OK */
		const char *error;		/* part of it, for the others */
	} cases[] = {
		{ 200, "{\"id\":\"abc-1\"}", GW_SEND_OK, "abc-1", NULL },
		{ 201, "{\"id\":42}", GW_SEND_OK, "42", NULL },
		{ 202, "", GW_SEND_OK, "", NULL },
		{ 200, "not json", GW_SEND_OK, "", NULL },
		{ 200, "{\"id\":[1]}", GW_SEND_OK, "", NULL },
		{ 204, NULL, GW_SEND_OK, "", NULL },
		{ 408, "", GW_SEND_RETRY, NULL, "HTTP 408" },
		{ 429, "slow down", GW_SEND_RETRY, NULL, "HTTP 429: slow down" },
		{ 500, "", GW_SEND_RETRY, NULL, "HTTP 500" },
		{ 503, "busy\r\n", GW_SEND_RETRY, NULL, "HTTP 503: busy??" },
		{ 0, NULL, GW_SEND_RETRY, NULL, "HTTP 0" },
		{ 400, "{\"error\":\"bad number\"}", GW_SEND_FAIL, NULL, "bad number" },
		{ 404, "", GW_SEND_FAIL, NULL, "HTTP 404" },
		{ 301, "", GW_SEND_FAIL, NULL, "HTTP 301" },
	};
	struct fixture *f = *state;
	struct gw_send_result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		f->ops->map_reply(f->p, cases[i].status, cases[i].body,
		    cases[i].body ? strlen(cases[i].body) : 0, &r);
		if (r.status != cases[i].want)
			fail_msg("HTTP %ld: status %d, want %d (%s)", cases[i].status, r.status,
			    cases[i].want, r.error);
		if (cases[i].provider_id)
			assert_string_equal(r.provider_id, cases[i].provider_id);
		else if (strstr(r.error, cases[i].error) == NULL)
			fail_msg("HTTP %ld: error \"%s\", want \"%s\"", cases[i].status, r.error,
			    cases[i].error);
		assert_false(r.opted_out);
	}
}

#define SECRET "inbound-secret-0123456789"

/* Open the generic provider with type, inbound_token and bind; NULL with the reason in err. */
static struct gw_provider *
open_with(const char *type, const char *token, const char *bind, int *unconfigured, char *err,
    size_t errlen)
{
	const struct gw_provider_ops *ops = gw_provider_find("http");
	struct gw_provider *p;
	struct config cfg;

	config_defaults(&cfg);
	config_set_string(&cfg.provider_type, type);
	config_set_string(&cfg.provider_url, "http://127.0.0.1:9/sms");
	config_set_string(&cfg.inbound_token, token);
	config_set_string(&cfg.bind, bind);
	err[0] = '\0';
	*unconfigured = 0;
	p = ops->open(&cfg, unconfigured, err, errlen);
	config_free(&cfg);
	return p;
}

static void
test_inbound_needs_its_token_and_sending_needs_a_url(void **state)
{
	const struct gw_provider_ops *ops = gw_provider_find("http");
	struct config cfg;
	struct gw_provider *p;
	char err[256], what[256];
	int unconfigured = 0;

	(void)state;
	/* Neither sending nor a token: not opened at all, its webhooks stay off. */
	assert_null(open_with("console", "", "127.0.0.1", &unconfigured, err, sizeof(err)));
	assert_true(unconfigured);
	/* A token alone: receiving only. */
	p = open_with("console", SECRET, "0.0.0.0", &unconfigured, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(ops->webhooks(p, what, sizeof(what)), 1);
	assert_non_null(strstr(what, "/sms/inbound"));
	assert_null(strstr(what, SECRET));
	ops->close(p);
	/* Sending without a token: opened to send, the webhooks off. */
	p = open_with("http", "", "0.0.0.0", &unconfigured, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(ops->webhooks(p, what, sizeof(what)), 0);
	assert_non_null(strstr(what, "inbound_token"));
	ops->close(p);

	config_defaults(&cfg);
	config_set_string(&cfg.provider_type, "http");
	config_set_string(&cfg.provider_url, "ftp://example.cn/sms");
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_non_null(strstr(err, "[provider] url"));
	config_free(&cfg);
}

static void
test_the_shipped_token_works_only_on_loopback(void **state)
{
	static const struct {
		const char *bind;
		int ok;
	} cases[] = {
		{ "127.0.0.1", 1 }, { "127.1.2.3", 1 }, { "::1", 1 }, { "::ffff:127.0.0.1", 1 },
		{ "0.0.0.0", 0 }, { "10.0.0.5", 0 }, { "::", 0 }, { "192.168.1.2", 0 },
	};
	struct gw_provider *p;
	char err[512];
	int unconfigured;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = open_with("console", CONFIG_WALKTHROUGH_TOKEN, cases[i].bind, &unconfigured,
		    err, sizeof(err));
		if ((p != NULL) != cases[i].ok)
			fail_msg("bind %s: %s (%s)", cases[i].bind, p ? "opened" : "refused", err);
		if (p == NULL) {
			assert_non_null(strstr(err, "[http] inbound_token"));
			assert_non_null(strstr(err, "set a secret of your own"));
		}
		gw_provider_find("http")->close(p);
	}
	/* A token of one's own is fine on any address. */
	p = open_with("console", SECRET, "0.0.0.0", &unconfigured, err, sizeof(err));
	assert_non_null(p);
	gw_provider_find("http")->close(p);
}

static void
test_every_webhook_needs_the_token_as_the_table_says(void **state)
{
	static const struct {
		const char *name;
		const char *path, *tail, *auth;	/* auth: the Authorization header, or NULL */
		int status;
	} cases[] = {
		{ "no token at all", "/sms/inbound", "", NULL, 401 },
		{ "the right bearer token", "/sms/inbound", "", "Bearer " SECRET, 0 },
		{ "bearer in lower case, spaces around", "/sms/http", "", "  bearer  " SECRET "  ",
		    0 },
		{ "a report with the right token", "/dlr/http", "", "Bearer " SECRET, 0 },
		{ "a report without it", "/dlr/http", "", NULL, 401 },
		{ "a wrong bearer token", "/sms/inbound", "", "Bearer inbound-secret-0123456788",
		    403 },
		{ "the token cut short", "/sms/inbound", "", "Bearer inbound-secret-012345678",
		    403 },
		{ "the token and more", "/sms/inbound", "", "Bearer " SECRET "x", 403 },
		{ "an empty bearer", "/sms/inbound", "", "Bearer ", 403 },
		{ "basic authentication", "/sms/inbound", "", "Basic " SECRET, 401 },
		{ "the token alone, no scheme", "/sms/inbound", "", SECRET, 401 },
		{ "the token in the path", "/sms/inbound/" SECRET, "/" SECRET, NULL, 0 },
		{ "a wrong token in the path", "/sms/inbound/nope", "/nope", NULL, 403 },
		{ "a wrong path token beats a right header", "/sms/inbound/nope", "/nope",
		    "Bearer " SECRET, 403 },
	};
	const struct gw_provider_ops *ops = gw_provider_find("http");
	struct gw_provider *p;
	struct gw_kv hdr[1];
	struct gw_req r;
	char err[256], reason[256];
	int unconfigured, status;
	size_t i;

	(void)state;
	p = open_with("console", SECRET, "127.0.0.1", &unconfigured, err, sizeof(err));
	assert_non_null(p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.method = "POST";
		r.path = cases[i].path;
		r.tail = cases[i].tail;
		if (cases[i].auth) {
			hdr[0].key = (char *)"authorization";
			hdr[0].value = (char *)cases[i].auth;
			hdr[0].vlen = strlen(cases[i].auth);
			r.headers = hdr;
			r.nheaders = 1;
		}
		reason[0] = '\0';
		status = ops->check(p, &r, reason, sizeof(reason));
		if (status != cases[i].status)
			fail_msg("%s: %d (%s), want %d", cases[i].name, status, reason,
			    cases[i].status);
		assert_null(strstr(reason, SECRET));
	}
	ops->close(p);
	/* Opened to send only: every webhook is refused as if it did not exist. */
	p = open_with("http", "", "127.0.0.1", &unconfigured, err, sizeof(err));
	assert_non_null(p);
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/sms/inbound";
	r.tail = "";
	assert_int_equal(ops->check(p, &r, reason, sizeof(reason)), 404);
	ops->close(p);
}

static void
test_backoff_doubles_up_to_the_cap_with_a_little_jitter(void **state)
{
	unsigned seed = 1;
	int64_t d;
	int attempt;

	(void)state;
	for (attempt = 1; attempt <= 12; attempt++) {
		int64_t base = 10000LL << (attempt - 1);

		if (base > 3600000)
			base = 3600000;
		d = gw_sender_backoff(10000, 3600000, attempt, &seed);
		if (d < base || d > base + base / 10)
			fail_msg("attempt %d: %lld ms, want %lld..%lld", attempt, (long long)d,
			    (long long)base, (long long)(base + base / 10));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_requests_parse_or_fail_as_the_table_says),
		cmocka_unit_test(test_text_over_the_limit_is_refused_and_at_the_limit_accepted),
		cmocka_unit_test(test_too_many_fields_are_refused),
		cmocka_unit_test(test_delivery_reports_parse_as_the_table_says),
		cmocka_unit_test(test_request_is_the_json_of_design_md),
		cmocka_unit_test(test_text_that_is_not_utf8_fails_to_build),
		cmocka_unit_test(test_provider_answers_map_to_sent_retry_or_fail),
		cmocka_unit_test(test_inbound_needs_its_token_and_sending_needs_a_url),
		cmocka_unit_test(test_the_shipped_token_works_only_on_loopback),
		cmocka_unit_test(test_every_webhook_needs_the_token_as_the_table_says),
		cmocka_unit_test(test_backoff_doubles_up_to_the_cap_with_a_little_jitter),
	};

	return cmocka_run_group_tests_name("provider_http", tests, setup, teardown);
}
