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
#include "tests/lib/provider_cases.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

#define R(m, ct, b, n) { .method = m, .content_type = ct, .body = b, .len = n }

static void
configure(struct config *cfg)
{
	config_set_string(&cfg->provider_type, "http");
	config_set_string(&cfg->provider_url, "http://127.0.0.1:9/sms");
}

static int
setup(void **state)
{
	return provider_setup(state, "http", configure);
}

static const struct webhook_case inbound_cases[] = {
	{ "form, raw UTF-8 as curl -d sends it",
	    R(NULL, FORM, "from=+8613800000001&text=鹅苗死亡很多怎么办", 0),  0, 0,
	    "+8613800000001", NULL, "鹅苗死亡很多怎么办", NULL, NULL },
	{ "form, percent-encoded with + for space", R(NULL, FORM,
	    "from=%2B8613800000001&to=10690000&text=%E9%B9%85%E8%8B%97+dead&id=abc-1", 0), 0, 0,
	    "+8613800000001", "10690000", "鹅苗 dead", "abc-1", NULL },
	{ "form with a charset parameter",
	    R(NULL, FORM "; charset=UTF-8", "from=13800000001&text=hi", 0),  0, 0,
	    "+8613800000001", NULL, "hi", NULL, NULL },
	{ "form, national number", R(NULL, FORM, "from=13800000001&text=hi", 0),  0, 0,
	    "+8613800000001", NULL, "hi", NULL, NULL },
	{ "form, extra provider fields are ignored", R(NULL, FORM,
	    "from=13800000001&text=hi&foo=bar&date=2026", 0), 0, 0, "+8613800000001", NULL, "hi",
	    NULL, NULL },
	{ "json", R(NULL, JSON "; charset=utf-8",
	    "{\"from\":\"+8613800000001\",\"text\":\"天麻怎么种\",\"id\":42}", 0), 0, 0,
	    "+8613800000001", NULL, "天麻怎么种", "42", NULL },
	{ "json with to and a string id", R(NULL, JSON,
	    "{\"from\":\"13800000001\",\"to\":\"10690000\",\"text\":\"hi\",\"id\":\"m-1\"}", 0), 0,
	    0, "+8613800000001", "10690000", "hi", "m-1", NULL },
	{ "json null is absent", R(NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"hi\",\"id\":null}", 0), 0, 0, "+8613800000001",
	    NULL, "hi", NULL, NULL },
	{ "missing from", R(NULL, FORM, "text=hello", 0),  0, 400, NULL, NULL, NULL, NULL,
	    "missing field: from" },
	{ "missing text", R(NULL, FORM, "from=13800000001", 0),  0, 400, NULL, NULL, NULL, NULL,
	    "missing field: text" },
	{ "empty text", R(NULL, FORM, "from=13800000001&text=", 0),  0, 400, NULL, NULL, NULL, NULL,
	    "text is empty" },
	{ "blank text", R(NULL, FORM, "from=13800000001&text=+%E3%80%80+", 0), 0, 400, NULL, NULL,
	    NULL, NULL, "text is empty" },
	{ "not a phone number", R(NULL, FORM, "from=hello&text=hi", 0), 0, 400, NULL, NULL, NULL,
	    NULL, "from: not a phone number" },
	{ "a 70-digit number", R(NULL, FORM,
	    "from=1234567890123456789012345678901234567890123456789012345678901234567890&text=hi",
	    0), 0, 400, NULL, NULL, NULL, NULL, "from: not a phone number" },
	{ "invalid UTF-8", R(NULL, FORM, "from=13800000001&text=%FF%FE", 0), 0, 400, NULL, NULL,
	    NULL, NULL, "not valid UTF-8" },
	{ "a NUL inside the id (it would make two messages one)", R(NULL, FORM,
	    "from=13800000001&text=hi&id=abc%00one", 0), 0, 400, NULL, NULL, NULL, NULL,
	    "a NUL byte in field id" },
	{ "a NUL inside the number", R(NULL, FORM, "from=1380000%000001&text=hi", 0), 0, 400, NULL,
	    NULL, NULL, NULL, "a NUL byte in field from" },
	{ "NUL in the text", R(NULL, FORM, "from=13800000001&text=a%00b", 0), 0, 400, NULL, NULL,
	    NULL, NULL, "not valid UTF-8" },
	{ "NUL in the body", R(NULL, FORM, "from=13800000001&text=a\0b", 25), 0, 400, NULL, NULL,
	    NULL, NULL, "NUL" },
	{ "NUL in a field name", R(NULL, FORM, "from=13800000001&text%00=a&text=b", 0),  0, 400,
	    NULL, NULL, NULL, NULL, "NUL" },
	{ "field given twice", R(NULL, FORM, "from=13800000001&text=a&text=b", 0), 0, 400, NULL,
	    NULL, NULL, NULL, "given twice" },
	{ "bad id", R(NULL, FORM, "from=13800000001&text=a&id=%0A", 0), 0, 400, NULL, NULL, NULL,
	    NULL, "id:" },
	{ "invalid JSON", R(NULL, JSON, "{\"from\":", 0),  0, 400, NULL, NULL, NULL, NULL,
	    "invalid JSON" },
	/* jansson quotes the bytes near the error, here half of 吃: the reason must stay text,
	 * or the JSON answer cannot be made (as fuzz/fuzz_provider_tencent.c found there). */
	{ "half a character near a JSON error", R(NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"鸭\\吃\"}", 0), 0, 400, NULL, NULL, NULL, NULL,
	    "invalid escape near '\"鸭\\?'" },
	{ "empty JSON body", R(NULL, JSON, "", 0), 0, 400, NULL, NULL, NULL, NULL, "invalid JSON" },
	{ "JSON not an object", R(NULL, JSON, "[1,2]", 0),  0, 400, NULL, NULL, NULL, NULL,
	    "must be an object" },
	{ "JSON text not a string", R(NULL, JSON, "{\"from\":\"13800000001\",\"text\":5}", 0),
	     0, 400, NULL, NULL, NULL, NULL, "text must be a string" },
	{ "JSON from a number", R(NULL, JSON, "{\"from\":13800000001,\"text\":\"hi\"}", 0),  0, 400,
	    NULL, NULL, NULL, NULL, "from must be a string" },
	{ "JSON with \\u0000", R(NULL, JSON, "{\"from\":\"13800000001\",\"text\":\"a\\u0000b\"}",
	    0), 0, 400, NULL, NULL, NULL, NULL, "invalid JSON" },
	{ "JSON with a lone surrogate", R(NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"a\\ud800b\"}", 0), 0, 400, NULL, NULL, NULL, NULL,
	    "invalid JSON" },
	{ "JSON duplicate key", R(NULL, JSON,
	    "{\"from\":\"13800000001\",\"text\":\"a\",\"text\":\"b\"}", 0), 0, 400, NULL, NULL,
	    NULL, NULL, "invalid JSON" },
	{ "JSON nested deep", R(NULL, JSON,
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1", 0), 0, 400, NULL, NULL,
	    NULL, NULL, "invalid JSON" },
	{ "SQL and format strings in the text are just text", R(NULL, FORM,
	    "from=13800000001&text=%27%3B+DROP+TABLE+messages%3B--+%25s%25n", 0), 0, 0,
	    "+8613800000001", NULL, "'; DROP TABLE messages;-- %s%n", NULL, NULL },
	{ "wrong content type", R(NULL, "text/plain", "from=1&text=2", 0), 0, 415, NULL, NULL, NULL,
	    NULL, "Content-Type" },
	{ "multipart", R(NULL, "multipart/form-data; boundary=x", "--x--", 0), 0, 415, NULL, NULL,
	    NULL, NULL, "Content-Type" },
	{ "no content type", R(NULL, NULL, "from=1&text=2", 0),  0, 415, NULL, NULL, NULL, NULL,
	    "Content-Type" },
};

static void
test_inbound_requests_parse_or_fail_as_the_table_says(void **state)
{
	run_webhook_cases(state, "/sms/inbound", inbound_cases, NROWS(inbound_cases));
}

static void
test_text_over_the_limit_is_refused_and_at_the_limit_accepted(void **state)
{
	struct provider_fixture *f = *state;
	struct gw_webhook wh;
	struct provider_req b;
	struct req_in in = R(NULL, FORM, NULL, 0);
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
	provider_build_req(f, &in, "/sms/inbound", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason)), 0);
	gw_webhook_free(&wh);
	memcpy(body + n + 2000 * 3, "鸡", 4);
	provider_build_req(f, &in, "/sms/inbound", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason)), 400);
	assert_non_null(strstr(reason, "longer than 2000 characters"));
	gw_webhook_free(&wh);
	free(body);
}

static void
test_too_many_fields_are_refused(void **state)
{
	struct provider_fixture *f = *state;
	struct gw_webhook wh;
	struct provider_req b;
	struct req_in in = R(NULL, FORM, NULL, 0);
	char reason[256], body[2000] = "from=13800000001&text=a";
	int i;

	for (i = 0; i < 100; i++)
		strcat(body, "&x=1");
	in.body = body;
	memset(&wh, 0, sizeof(wh));
	provider_build_req(f, &in, "/sms/inbound", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason)), 400);
	assert_non_null(strstr(reason, "more than 64 fields"));
	gw_webhook_free(&wh);
}

static const struct dlr_case dlr_cases[] = {
	{ "form delivered, by our reference", R(NULL, FORM,
	    "ref=0123456789abcdef0123456789abcdef&status=delivered", 0), 0,
	    "0123456789abcdef0123456789abcdef", NULL, DLR_DELIVERED, NULL, 0 },
	{ "json failed with a reason, by the provider's id", R(NULL, JSON,
	    "{\"id\":\"prov-8\",\"status\":\"failed\",\"reason\":\"absent subscriber\"}", 0), 0,
	    NULL, "prov-8", DLR_FAILED, "absent subscriber", 0 },
	{ "both", R(NULL, FORM, "ref=r0123456789abcdef&id=9&status=failed&reason=a%0Ab%1B", 0),
	    0, "r0123456789abcdef", "9", DLR_FAILED, "a?b?", 0 },
	{ "json id as a number", R(NULL, JSON, "{\"id\":10,\"status\":\"delivered\"}", 0), 0,
	    NULL, "10", DLR_DELIVERED, NULL, 0 },
	{ "neither", R(NULL, FORM, "status=delivered", 0), 400, NULL, NULL, 0, "ref", 0 },
	{ "an empty id", R(NULL, FORM, "id=&status=delivered", 0), 400, NULL, NULL, 0, "ref", 0 },
	{ "a ref with a space", R(NULL, FORM, "ref=a+b&status=delivered", 0), 400, NULL, NULL, 0,
	    "ref", 0 },
	{ "an id with a NUL", R(NULL, FORM, "id=a%00b&status=delivered", 0), 400, NULL, NULL, 0,
	    "ref", 0 },
	{ "unknown status", R(NULL, FORM, "id=7&status=lost", 0), 400, NULL, NULL, 0, "status:", 0
	    },
	{ "status twice", R(NULL, FORM, "id=7&status=failed&status=delivered", 0), 400, NULL,
	    NULL, 0, "given twice", 0 },
	{ "wrong content type", R(NULL, "text/plain", "id=7&status=delivered", 0), 415, NULL,
	    NULL, 0, "Content-Type", 0 },
};

static void
test_delivery_reports_parse_as_the_table_says(void **state)
{
	run_dlr_cases(state, "/dlr/http", dlr_cases, NROWS(dlr_cases));
}

static void
test_request_is_the_json_of_design_md(void **state)
{
	struct provider_fixture *f = *state;
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
	struct provider_fixture *f = *state;
	struct gw_outbound m = { 7, "10690000", "+8613800000001", "bad \xff", 1, NULL };
	struct gw_out_request req;
	char err[256];

	memset(&req, 0, sizeof(req));
	assert_int_equal(f->ops->build(f->p, &m, &req, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "JSON"));
	gw_out_request_free(&req);
}

static const struct reply_case reply_cases[] = {
	{ "HTTP 200 {id:abc-1}", 200, "{\"id\":\"abc-1\"}", GW_SEND_OK, "abc-1", NULL, 0 },
	{ "HTTP 201 {id:42}", 201, "{\"id\":42}", GW_SEND_OK, "42", NULL, 0 },
	{ "HTTP 202 empty", 202, "", GW_SEND_OK, "", NULL, 0 },
	{ "HTTP 200 not json", 200, "not json", GW_SEND_OK, "", NULL, 0 },
	{ "HTTP 200 {id:[1]}", 200, "{\"id\":[1]}", GW_SEND_OK, "", NULL, 0 },
	{ "HTTP 204 no body", 204, NULL, GW_SEND_OK, "", NULL, 0 },
	{ "HTTP 408 empty", 408, "", GW_SEND_RETRY, NULL, "HTTP 408", 0 },
	{ "HTTP 429 slow down", 429, "slow down", GW_SEND_RETRY, NULL, "HTTP 429: slow down", 0 },
	{ "HTTP 500 empty", 500, "", GW_SEND_RETRY, NULL, "HTTP 500", 0 },
	{ "HTTP 503 busy", 503, "busy\r\n", GW_SEND_RETRY, NULL, "HTTP 503: busy??", 0 },
	{ "no answer", 0, NULL, GW_SEND_RETRY, NULL, "HTTP 0", 0 },
	{ "HTTP 400 {error:bad number}", 400, "{\"error\":\"bad number\"}", GW_SEND_FAIL, NULL,
	    "bad number", 0 },
	{ "HTTP 404 empty", 404, "", GW_SEND_FAIL, NULL, "HTTP 404", 0 },
	{ "HTTP 301 empty", 301, "", GW_SEND_FAIL, NULL, "HTTP 301", 0 },
};

static void
test_provider_answers_map_to_sent_retry_or_fail(void **state)
{
	run_reply_cases(state, reply_cases, NROWS(reply_cases));
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

	return cmocka_run_group_tests_name("provider_http", tests, setup,
	    provider_teardown);
}
