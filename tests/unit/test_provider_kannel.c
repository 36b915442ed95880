/*
 * The Kannel adapter, table-driven: what smsbox sends to an sms-service (get-url with %b in the
 * query, post-url with the message as the body) → the parse or the HTTP status; what it sends
 * to a dlr-url → the report; the sendsms request farmline builds (UCS-2 for Chinese); and what
 * smsbox's answers to it mean.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/config.h"
#include "gateway/provider.h"
#include "tests/lib/provider_cases.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"

/* A request as smsbox sends it: the query as in the URL, more headers as "Name: value\n…". */
#define R(m, ct, b, n, q, h) { .method = m, .content_type = ct, .body = b, .len = n, \
	.query = q, .headers = h }

#define KTOKEN "kannel-secret-0123456789"	/* [kannel] token */
#define REF "0123456789abcdef0123456789abcdef"	/* a report reference the sender made */
#define REF2 "fedcba9876543210fedcba9876543210"

static void
configure_with(struct config *cfg, const char *sendsms, const char *dlr, const char *smsc)
{
	config_set_string(&cfg->provider_type, "kannel");
	config_set_string(&cfg->kannel_sendsms_url, sendsms);
	config_set_string(&cfg->kannel_username, "farmline");
	config_set_string(&cfg->kannel_password, "p&ss w");
	config_set_string(&cfg->kannel_dlr_url, dlr);
	config_set_string(&cfg->kannel_smsc, smsc);
	config_set_string(&cfg->kannel_token, KTOKEN);
}

static struct gw_provider *
open_with(struct config *cfg, const char *sendsms, const char *dlr, const char *smsc)
{
	char err[256];
	int unconfigured = 0;

	configure_with(cfg, sendsms, dlr, smsc);
	return gw_provider_find("kannel")->open(cfg, &unconfigured, err, sizeof(err));
}

static void
configure(struct config *cfg)
{
	configure_with(cfg, "http://127.0.0.1:13013/cgi-bin/sendsms",
	    "http://127.0.0.1:8080/dlr/kannel/" KTOKEN, "");
}

static int
setup(void **state)
{
	if (provider_setup(state, "kannel", configure))
		return -1;
	((struct provider_fixture *)*state)->secret = "p&ss";
	return 0;
}

#define SMS_Q "from=%2B8613800000001&to=10690000&id=0b1c6f2e-8a9d-4c1e-9f00-1234567890ab"
#define ID "0b1c6f2e-8a9d-4c1e-9f00-1234567890ab"

static const struct webhook_case sms_cases[] = {
	/* get-url = "http://…/sms/kannel?from=%p&to=%P&text=%b&id=%I&coding=%c&charset=%C" */
	{ "get-url, GSM text as UTF-8", R("GET", NULL, NULL, 0, SMS_Q
	    "&text=hello+world%21&coding=0&charset=UTF-8", NULL), 0, 0, "+8613800000001",
	    "10690000", "hello world!", ID, NULL },
	{ "get-url, UCS-2 Chinese as UTF-16BE bytes",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%9E%45%82%D7%6B%7B%4E%86&coding=2"
	    "&charset=UTF-16BE", NULL), 0, 0, "+8613800000001", "10690000", "鹅苗死了", ID, NULL },
	{ "get-url, UCS-2 with a space Kannel wrote as +", R("GET", NULL, NULL, 0, SMS_Q
	    "&text=%00H%00i%00+%9E!&coding=2&charset=UTF-16BE", NULL), 0, 0, "+8613800000001",
	    "10690000", "Hi 鸡", ID, NULL },
	{ "get-url, UCS-2 surrogate pair",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%D8%3D%DE%00%00%21&coding=2", NULL), 0, 0,
	    "+8613800000001", "10690000", "😀!", ID, NULL },
	{ "get-url, UTF-16BE named by charset alone",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%59%29%9E%BB&charset=UTF-16BE", NULL), 0, 0,
	    "+8613800000001", "10690000", "天麻", ID, NULL },
	{ "get-url, Latin-1 named by charset",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=caf%E9&coding=0&charset=ISO-8859-1", NULL), 0, 0,
	    "+8613800000001", "10690000", "café", ID, NULL },
	{ "get-url, Windows-1252 that grows threefold",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%80%80%80%80%80%80%80%80%80%80%80%80%80%80%80%80"
	    "%80%80%80%80%80%80%80%80&charset=WINDOWS-1252", NULL), 0, 0, "+8613800000001",
	    "10690000", "€€€€€€€€€€€€€€€€€€€€€€€€", ID, NULL },
	{ "get-url, UTF-8 after smsbox's mo-recode",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%E5%A4%A9%E9%BA%BB&coding=0&charset=UTF-8", NULL),
	    0, 0, "+8613800000001", "10690000", "天麻", ID, NULL },
	{ "get-url, an unknown charset never reaches iconv: the bytes must be UTF-8",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%2BZeVnLA-&charset=UTF-7", NULL), 0, 0,
	    "+8613800000001", "10690000", "+ZeVnLA-", ID, NULL },
	{ "get-url, a charset that is a path",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%E9&charset=..%2F..%2Ftmp%2Fx", NULL), 0, 400,
	    NULL, NULL, NULL, NULL, "not valid UTF-8" },
	{ "get-url, 8-bit binary",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%FF%00%01&coding=1&charset=8-BIT", NULL), 0, 400,
	    NULL, NULL, NULL, NULL, "not valid UTF-8" },
	{ "get-url, an empty %I is no id",
	    R("GET", NULL, NULL, 0, "from=13800000001&to=10690000&id=&text=hi", NULL), 0, 0,
	    "+8613800000001", "10690000", "hi", NULL, NULL },
	{ "get-url, no to", R("GET", NULL, NULL, 0, "from=13800000001&text=hi", NULL), 0, 0,
	    "+8613800000001", NULL, "hi", NULL, NULL },
	{ "UCS-2 with an odd number of bytes", R("GET", NULL, NULL, 0, SMS_Q
	    "&text=%9E%45%82&coding=2", NULL), 0, 400, NULL, NULL, NULL, NULL, "UTF-16BE" },
	{ "UCS-2 with a lone surrogate",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%D8%3D%00%41&coding=2", NULL), 0, 400, NULL, NULL,
	    NULL, NULL, "UTF-16BE" },
	{ "UCS-2 holding U+0000", R("GET", NULL, NULL, 0, SMS_Q "&text=%00A%00%00%00B&coding=2",
	    NULL), 0, 400, NULL, NULL, NULL, NULL, "not valid UTF-8" },
	{ "UCS-2 of spaces only",
	    R("GET", NULL, NULL, 0, SMS_Q "&text=%00+%30%00&coding=2", NULL), 0, 400, NULL, NULL,
	    NULL, NULL, "text is empty" },
	{ "UTF-8 text with a NUL", R("GET", NULL, NULL, 0, SMS_Q "&text=a%00b&coding=0", NULL),
	    0, 400, NULL, NULL, NULL, NULL, "not valid UTF-8" },
	{ "missing from", R("GET", NULL, NULL, 0, "to=10690000&text=hi", NULL), 0, 400, NULL, NULL,
	    NULL, NULL, "missing field: from" },
	{ "missing text", R("GET", NULL, NULL, 0, SMS_Q, NULL), 0, 400, NULL, NULL, NULL, NULL,
	    "missing field: text" },
	{ "from not a number", R("GET", NULL, NULL, 0, "from=%3Cscript%3E&text=hi", NULL), 0, 400,
	    NULL, NULL, NULL, NULL, "from: not a phone number" },
	{ "from given twice", R("GET", NULL, NULL, 0, "from=13800000001&from=13900000002&text=hi",
	    NULL), 0, 400, NULL, NULL, NULL, NULL, "field from given twice" },
	{ "an id with a space", R("GET", NULL, NULL, 0, "from=13800000001&text=hi&id=a+b", NULL),
	    0, 400, NULL, NULL, NULL, NULL, "id:" },
	/* post-url = "http://…/sms/kannel?from=%p&to=%P&id=%I&coding=%c": the body is %b */
	{ "post-url, UCS-2 body", R("POST", "text/plain; charset=\"UTF-16BE\"",
	    "\x9e\x45\x00\x20\x82\xd7", 6, SMS_Q "&coding=2", NULL), 0, 0, "+8613800000001",
	    "10690000", "鹅 苗", ID, NULL },
	{ "post-url, UCS-2 named by the Content-Type alone",
	    R("POST", "text/plain; charset=\"UTF-16BE\"", "\x00\x48\x00\x69", 4, SMS_Q, NULL), 0, 0,
	    "+8613800000001", "10690000", "Hi", ID, NULL },
	{ "post-url, UTF-8 body, numbers in X-Kannel headers", R("POST",
	    "text/plain; charset=\"UTF-8\"", "天麻怎么种", 0, "id=" ID,
	    "X-Kannel-From: +8613800000001\nX-Kannel-To: 10690000\nX-Kannel-Coding: 0"), 0, 0,
	    "+8613800000001", "10690000", "天麻怎么种", ID, NULL },
	{ "post-url, X-Kannel-Coding 2 without a charset", R("POST", "text/plain",
	    "\x59\x29\x9e\xbb", 4, "id=" ID, "X-Kannel-From: 13800000001\nX-Kannel-Coding: 2"), 0,
	    0, "+8613800000001", NULL, "天麻", ID, NULL },
	{ "post-url, 8-bit body that is UTF-8",
	    R("POST", "application/octet-stream", "hi", 0, SMS_Q "&coding=1", NULL), 0, 0,
	    "+8613800000001", "10690000", "hi", ID, NULL },
	{ "post-url, the text twice", R("POST", "text/plain", "hi", 0, SMS_Q "&text=hi", NULL), 0,
	    400, NULL, NULL, NULL, NULL, "text given twice" },
	{ "post-url, empty body",
	    R("POST", "text/plain", "", 0, SMS_Q, NULL), 0, 400, NULL, NULL, NULL, NULL,
	    "text is empty" },
	{ "a form POST",
	    R("POST", FORM, "from=13800000001&text=%E4%BD%A0%E5%A5%BD&id=k1", 0, NULL, NULL), 0, 0,
	    "+8613800000001", NULL, "你好", "k1", NULL },
	{ "a form POST with from in the URL too",
	    R("POST", FORM, "from=13800000001&text=hi", 0, "from=13900000002", NULL), 0, 400, NULL,
	    NULL, NULL, NULL, "field from given twice" },
	{ "a JSON POST", R("POST", "application/json", "{\"text\":\"hi\"}", 0, SMS_Q, NULL), 0, 415,
	    NULL, NULL, NULL, NULL, "Content-Type" },
	{ "a POST without a Content-Type", R("POST", NULL, "hi", 0, SMS_Q, NULL), 0, 415, NULL,
	    NULL, NULL, NULL, "Content-Type" },
};

static void
test_sms_service_requests_parse_or_fail_as_the_table_says(void **state)
{
	run_webhook_cases(state, "/sms/kannel", sms_cases, NROWS(sms_cases));
}

static void
test_the_answer_to_smsbox_is_empty_so_it_sends_nothing_back(void **state)
{
	provider_assert_sms_reply(state, 200, NULL, "");
}

static const struct dlr_case dlr_cases[] = {
	/* dlr-url = "http://…/dlr/kannel/<token>?ref=<reference>&status=%d&answer=%A" */
	{ "1 delivered", R("GET", NULL, NULL, 0, "ref=" REF
	    "&status=1&answer=id%3A1+stat%3ADELIVRD", NULL), 0, REF, NULL, DLR_DELIVERED, NULL, 0 },
	{ "2 failed, with the SMSC's words", R("GET", NULL, NULL, 0, "ref=" REF2
	    "&status=2&answer=NACK%2F0x0000000b%2FInvalid+Destination+Address", NULL), 0, REF2,
	    NULL, DLR_FAILED, "Kannel 2: NACK/0x0000000b/Invalid Destination Address", 0 },
	{ "16 rejected by the SMSC, no answer", R("GET", NULL, NULL, 0, "ref=" REF "&status=16",
	    NULL), 0, REF, NULL, DLR_FAILED, "Kannel 16", 0 },
	{ "4 buffered", R("GET", NULL, NULL, 0, "ref=" REF "&status=4&answer=", NULL), 0, REF, NULL,
	    DLR_PENDING, NULL, 0 },
	{ "8 accepted by the SMSC", R("GET", NULL, NULL, 0, "ref=" REF "&status=8&answer=ACK%2F",
	    NULL), 0, REF, NULL, DLR_PENDING, NULL, 0 },
	{ "an answer with control characters is cleaned", R("GET", NULL, NULL, 0, "ref=" REF
	    "&status=2&answer=err%0D%0A%FFx", NULL), 0, REF, NULL, DLR_FAILED, "Kannel 2: err???x",
	    0 },
	{ "a form POST", R("POST", FORM, "ref=" REF "&status=1", 0, NULL, NULL), 0, REF, NULL,
	    DLR_DELIVERED, NULL, 0 },
	{ "a POST with its fields in the URL", R("POST", NULL, NULL, 0, "ref=" REF "&status=1",
	    NULL), 0, REF, NULL, DLR_DELIVERED, NULL, 0 },
	{ "status 0", R("GET", NULL, NULL, 0, "ref=" REF "&status=0", NULL), 400, NULL, NULL, 0,
	    "status:", 0 },
	{ "status not a number", R("GET", NULL, NULL, 0, "ref=" REF "&status=%25d", NULL), 400,
	    NULL, NULL, 0, "status:", 0 },
	{ "status with a sign", R("GET", NULL, NULL, 0, "ref=" REF "&status=%2B1", NULL), 400, NULL,
	    NULL, 0, "status:", 0 },
	{ "no ref", R("GET", NULL, NULL, 0, "status=1", NULL), 400, NULL, NULL, 0, "ref:", 0 },
	/* Our sequential id, as farmline once sent: guessable, so no longer taken. */
	{ "the old msgid", R("GET", NULL, NULL, 0, "msgid=7&status=1", NULL), 400, NULL, NULL, 0,
	    "ref:", 0 },
	{ "a short ref", R("GET", NULL, NULL, 0, "ref=7&status=1", NULL), 400, NULL, NULL, 0,
	    "ref:", 0 },
	{ "a ref with other characters", R("GET", NULL, NULL, 0,
	    "ref=0123456789abcdef0123456789abcde%27&status=1", NULL), 400, NULL, NULL, 0, "ref:", 0
	    },
	{ "ref twice", R("GET", NULL, NULL, 0, "ref=" REF "&ref=" REF2 "&status=1", NULL), 400,
	    NULL, NULL, 0, "given twice", 0 },
	{ "a JSON POST", R("POST", "application/json", "{}", 0, "ref=" REF "&status=1", NULL),
	    415, NULL, NULL, 0, "POST form", 0 },
};

static void
test_delivery_reports_parse_as_the_table_says(void **state)
{
	run_dlr_cases(state, "/dlr/kannel", dlr_cases, NROWS(dlr_cases));
}

/* The decoded value of key in the query of url (libcurl's own unescaping), or NULL. */
static char *
query_arg(const char *url, const char *key)
{
	const char *q = strchr(url, '?');
	size_t n = strlen(key);

	while (q) {
		q++;
		if (strncmp(q, key, n) == 0 && q[n] == '=') {
			int len = 0;
			size_t vlen = strcspn(q + n + 1, "&");
			char *v = curl_easy_unescape(NULL, q + n + 1, (int)vlen, &len);
			char *copy = malloc((size_t)len + 1);

			memcpy(copy, v, (size_t)len);
			copy[len] = '\0';
			curl_free(v);
			return copy;
		}
		q = strchr(q, '&');
	}
	return NULL;
}

static void
test_sendsms_request_for_gsm_text(void **state)
{
	struct provider_fixture *f = *state;
	struct gw_outbound m = { 7, "10690000", "+8613800000001", "Reply 1024 [ok] €5", 1, REF };
	struct gw_out_request req;
	char err[256];

	memset(&req, 0, sizeof(req));
	assert_int_equal(f->ops->build(f->p, &m, &req, err, sizeof(err)), 0);
	/* GET: no body, no headers, no basic authentication (the login is in the URL). */
	assert_null(req.body);
	assert_null(req.headers);
	assert_null(req.userpwd);
	assert_string_equal(req.url, "http://127.0.0.1:13013/cgi-bin/sendsms?username=farmline"
	    "&password=p%26ss%20w&from=10690000&to=%2B8613800000001"
	    "&text=Reply%201024%20%5Bok%5D%20%E2%82%AC5&coding=0&dlr-mask=31"
	    "&dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fdlr%2Fkannel%2F" KTOKEN "%3Fref%3D" REF
	    "%26status%3D%25d%26answer%3D%25A");
	gw_out_request_free(&req);
}

static void
test_sendsms_request_for_chinese_is_ucs2_without_a_charset(void **state)
{
	static const struct {
		const char *text, *escaped;
	} cases[] = {
		{ "鹅苗", "&text=%9E%45%82%D7&coding=2" },
		{ "答复:1", "&text=%7B%54%59%0D%00%3A%00%31&coding=2" },
		{ "好😀", "&text=%59%7D%D8%3D%DE%00&coding=2" },	/* a surrogate pair */
		{ "ê", "&text=%00%EA&coding=2" },			/* not in GSM 03.38 */
	};
	struct provider_fixture *f = *state;
	struct gw_out_request req;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gw_outbound m = { 8, "10690000", "+8613800000001", cases[i].text, 1, REF2 };
		char *dlr;

		memset(&req, 0, sizeof(req));
		assert_int_equal(f->ops->build(f->p, &m, &req, err, sizeof(err)), 0);
		if (strstr(req.url, cases[i].escaped) == NULL)
			fail_msg("%s: %s, want %s in it", cases[i].text, req.url, cases[i].escaped);
		assert_null(strstr(req.url, "charset"));
		dlr = query_arg(req.url, "dlr-url");
		assert_string_equal(dlr,
		    "http://127.0.0.1:8080/dlr/kannel/" KTOKEN "?ref=" REF2 "&status=%d&answer=%A");
		free(dlr);
		gw_out_request_free(&req);
	}
}

static void
test_sendsms_request_follows_the_configuration(void **state)
{
	struct gw_outbound m = { 9, "10690000", "+8613800000001", "hi", 1, REF };
	struct gw_out_request req;
	struct config cfg;
	struct gw_provider *p;
	char err[256], *v;

	(void)state;
	config_defaults(&cfg);
	/* A URL with a query of its own, an smsc to route to, no reports. */
	p = open_with(&cfg, "https://sms.example.cn/cgi-bin/sendsms?x=1", "", "modem1");
	assert_non_null(p);
	memset(&req, 0, sizeof(req));
	assert_int_equal(gw_provider_find("kannel")->build(p, &m, &req, err, sizeof(err)), 0);
	assert_non_null(strstr(req.url, "/cgi-bin/sendsms?x=1&username=farmline&"));
	v = query_arg(req.url, "smsc");
	assert_string_equal(v, "modem1");
	free(v);
	assert_null(strstr(req.url, "dlr-"));
	gw_out_request_free(&req);
	gw_provider_find("kannel")->close(p);

	/* A dlr_url with a query of its own. */
	p = open_with(&cfg, "http://127.0.0.1:13013/cgi-bin/sendsms",
	    "http://127.0.0.1:8080/dlr/kannel/" KTOKEN "?k=v", "");
	assert_non_null(p);
	memset(&req, 0, sizeof(req));
	assert_int_equal(gw_provider_find("kannel")->build(p, &m, &req, err, sizeof(err)), 0);
	v = query_arg(req.url, "dlr-url");
	assert_string_equal(v, "http://127.0.0.1:8080/dlr/kannel/" KTOKEN "?k=v&ref=" REF
	    "&status=%d&answer=%A");
	free(v);
	gw_out_request_free(&req);
	/* A message with no reference asks for no report: nothing could name it. */
	m.ref = NULL;
	memset(&req, 0, sizeof(req));
	assert_int_equal(gw_provider_find("kannel")->build(p, &m, &req, err, sizeof(err)), 0);
	assert_null(strstr(req.url, "dlr-"));
	gw_out_request_free(&req);
	gw_provider_find("kannel")->close(p);
	config_free(&cfg);
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
	assert_null(req.url);
	assert_non_null(strstr(err, "UTF-8"));
}

static void
test_configuration_that_cannot_work_is_refused(void **state)
{
	struct config cfg;
	char err[256];
	int unconfigured = 0;
	const struct gw_provider_ops *ops = gw_provider_find("kannel");
	struct gw_provider *p;

	(void)state;
	config_defaults(&cfg);
	/* No [kannel] section: its webhooks stay off. */
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_int_equal(unconfigured, 1);
	/* Receiving only, behind a secret in the path. */
	config_set_string(&cfg.kannel_token, "a-secret-of-24-characters");
	p = ops->open(&cfg, &unconfigured, err, sizeof(err));
	assert_non_null(p);
	ops->close(p);
	/* A token too short to be a secret. */
	config_set_string(&cfg.kannel_token, "short");
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_non_null(strstr(err, "[kannel] token"));
	config_set_string(&cfg.kannel_token, "");
	/* Sending without a URL. */
	config_set_string(&cfg.provider_type, "kannel");
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_non_null(strstr(err, "sendsms_url"));
	/* A dlr-url smsbox would refuse. */
	assert_null(open_with(&cfg, "http://127.0.0.1:13013/cgi-bin/sendsms", "/dlr/kannel", ""));
	/* Reports without the token in their URL, or no token at all: they would be refused. */
	assert_null(open_with(&cfg, "http://127.0.0.1:13013/cgi-bin/sendsms",
	    "http://127.0.0.1:8080/dlr/kannel", ""));
	config_set_string(&cfg.kannel_token, "");
	config_set_string(&cfg.kannel_dlr_url, "http://127.0.0.1:8080/dlr/kannel/" KTOKEN);
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_non_null(strstr(err, "[kannel] dlr_url"));
	assert_non_null(strstr(err, "token"));
	config_free(&cfg);
}

static const struct reply_case reply_cases[] = {
	{ "202 0: Accepted for delivery", 202, "0: Accepted for delivery", GW_SEND_OK, NULL, NULL, 0
	    },
	{ "202 3: Queued for later delivery", 202, "3: Queued for later delivery", GW_SEND_OK, NULL,
	    NULL, 0 },
	{ "202 Sent.", 202, "Sent.", GW_SEND_OK, NULL, NULL, 0 }, /* immediate-sendsms-reply */
	{ "202 Sent. Message splits: 2", 202, "Sent. Message splits: 2", GW_SEND_OK, NULL, NULL, 0
	    },
	{ "200 0: Accepted for delivery", 200, "0: Accepted for delivery\n", GW_SEND_OK, NULL, NULL,
	    0 },
	{ "200 <html>It works!</html>", 200, "<html>It works!</html>", GW_SEND_RETRY, NULL,
	    "<html>It works!</html>", 0 }, /* not smsbox */
	{ "202 empty", 202, "", GW_SEND_RETRY, NULL, "", 0 },
	{ "400 Coding field misformed, rejected", 400, "Coding field misformed, rejected",
	    GW_SEND_FAIL, NULL, "Coding field misformed, rejected", 0 },
	{ "403 Authorization failed for sendsms", 403, "Authorization failed for sendsms",
	    GW_SEND_FAIL, NULL, "Authorization failed for sendsms", 0 },
	{ "403 Not routable. Do not try again.", 403, "Not routable. Do not try again.",
	    GW_SEND_FAIL, NULL, "Not routable. Do not try again.", 0 },
	{ "503 Temporal failure, try again later.", 503, "Temporal failure, try again later.",
	    GW_SEND_RETRY, NULL, "Temporal failure, try again later.", 0 },
	{ "500 Sending failed.", 500, "Sending failed.", GW_SEND_RETRY, NULL, "Sending failed.", 0
	    },
	{ "no answer", 0, NULL, GW_SEND_RETRY, NULL, "", 0 },
};

static void
test_smsbox_answers_map_to_sent_retry_or_fail(void **state)
{
	run_reply_cases(state, reply_cases, NROWS(reply_cases));
}

static void
test_a_token_in_the_path_guards_every_webhook(void **state)
{
	struct config cfg;
	struct gw_req req;
	char err[256];
	int unconfigured = 0;
	const struct gw_provider_ops *ops = gw_provider_find("kannel");
	struct gw_provider *p;

	(void)state;
	config_defaults(&cfg);
	config_set_string(&cfg.kannel_token, "a-secret-of-24-characters");
	p = ops->open(&cfg, &unconfigured, err, sizeof(err));
	assert_non_null(p);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.tail = "";
	assert_int_equal(ops->check(p, &req, err, sizeof(err)), 403);
	assert_null(strstr(err, "a-secret"));		/* never said back */
	req.tail = "/a-secret-of-24-characterz";
	assert_int_equal(ops->check(p, &req, err, sizeof(err)), 403);
	req.tail = "/a-secret-of-24-characters";
	assert_int_equal(ops->check(p, &req, err, sizeof(err)), 0);
	ops->close(p);
	{
		char what[256];

		p = ops->open(&cfg, &unconfigured, err, sizeof(err));
		assert_int_equal(ops->webhooks(p, what, sizeof(what)), 1);
		assert_null(strstr(what, "a-secret"));
		ops->close(p);
		/* Without a token (a Kannel only sent through), its webhooks are off. */
		config_set_string(&cfg.kannel_token, "");
		config_set_string(&cfg.kannel_username, "farmline");
		p = ops->open(&cfg, &unconfigured, err, sizeof(err));
		assert_non_null(p);
		assert_int_equal(ops->webhooks(p, what, sizeof(what)), 0);
		assert_non_null(strstr(what, "[kannel] token"));
		req.tail = "";
		assert_int_equal(ops->check(p, &req, err, sizeof(err)), 404);
		req.tail = "/extra";
		assert_int_equal(ops->check(p, &req, err, sizeof(err)), 404);
		ops->close(p);
	}
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sms_service_requests_parse_or_fail_as_the_table_says),
		cmocka_unit_test(test_the_answer_to_smsbox_is_empty_so_it_sends_nothing_back),
		cmocka_unit_test(test_delivery_reports_parse_as_the_table_says),
		cmocka_unit_test(test_sendsms_request_for_gsm_text),
		cmocka_unit_test(test_sendsms_request_for_chinese_is_ucs2_without_a_charset),
		cmocka_unit_test(test_sendsms_request_follows_the_configuration),
		cmocka_unit_test(test_text_that_is_not_utf8_fails_to_build),
		cmocka_unit_test(test_configuration_that_cannot_work_is_refused),
		cmocka_unit_test(test_a_token_in_the_path_guards_every_webhook),
		cmocka_unit_test(test_smsbox_answers_map_to_sent_retry_or_fail),
	};

	return cmocka_run_group_tests_name("provider_kannel", tests, setup,
	    provider_teardown);
}
