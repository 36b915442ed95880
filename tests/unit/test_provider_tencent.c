/*
 * The Tencent Cloud reply callback, table-driven: the secret token in the path (403 without
 * it, whatever the body), then the JSON object {extend, mobile, nationcode, sign, text, time}
 * → the parse or the HTTP status; and the answer Tencent expects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/config.h"
#include "gateway/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON "application/json"
#define TOKEN "Tq7-farmline_5d2c9e1b"

/* A webhook request written as strings. */
struct req_in {
	const char *method;	/* NULL: POST */
	const char *tail;	/* what follows /sms/tencent */
	const char *content_type;
	const char *body;
};

struct built {
	struct gw_req r;
	struct gw_kv headers[1];
};

static void
build_req(const struct req_in *in, struct built *b)
{
	memset(b, 0, sizeof(*b));
	b->r.method = in->method ? in->method : "POST";
	b->r.path = "/sms/tencent";
	b->r.tail = in->tail;
	b->r.content_type = in->content_type;
	b->r.body = in->body;
	b->r.len = strlen(in->body);
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
	config_set_string(&f->cfg.tencent_token, TOKEN);
	f->ops = gw_provider_find("tencent");
	f->p = f->ops ? f->ops->open(&f->cfg, &unconfigured, err, sizeof(err)) : NULL;
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

#define REPLY "{\"extend\":\"\",\"mobile\":\"13800000001\",\"nationcode\":\"86\"," \
	"\"sign\":\"科技扶贫在线\",\"text\":\"鸭子不吃食怎么办\",\"time\":1457336869}"

struct sms_case {
	const char *name;
	struct req_in in;
	int status;
	const char *from, *to, *text;
	const char *reason;
};

static const struct sms_case cases[] = {
	{ "Tencent's documented form", { NULL, "/" TOKEN, JSON, REPLY }, 0, "+8613800000001",
	    NULL, "鸭子不吃食怎么办", NULL },
	{ "with a charset", { NULL, "/" TOKEN, JSON "; charset=utf-8", REPLY }, 0,
	    "+8613800000001", NULL, "鸭子不吃食怎么办", NULL },
	{ "without a Content-Type", { NULL, "/" TOKEN, NULL, REPLY }, 0, "+8613800000001", NULL,
	    "鸭子不吃食怎么办", NULL },
	{ "an extension code is the number texted", { NULL, "/" TOKEN, JSON,
	    "{\"extend\":\"12\",\"mobile\":\"13800000001\",\"nationcode\":\"86\",\"sign\":\"s\","
	    "\"text\":\"1\",\"time\":1}" }, 0, "+8613800000001", "12", "1", NULL },
	{ "an extension code that is not digits is left aside", { NULL, "/" TOKEN, JSON,
	    "{\"extend\":\"扩展码\",\"mobile\":\"13800000001\",\"nationcode\":\"86\","
	    "\"text\":\"hi\"}" }, 0, "+8613800000001", NULL, "hi", NULL },
	{ "a nationcode with +", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"nationcode\":\"+86\",\"text\":\"hi\"}" }, 0,
	    "+8613800000001", NULL, "hi", NULL },
	{ "Hong Kong", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"91234567\",\"nationcode\":\"852\",\"text\":\"hi\"}" }, 0,
	    "+85291234567", NULL, "hi", NULL },
	{ "no nationcode: the national number", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"hi\"}" }, 0, "+8613800000001", NULL, "hi",
	    NULL },
	{ "a mobile already international", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"+8613800000001\",\"nationcode\":\"86\",\"text\":\"hi\"}" }, 0,
	    "+8613800000001", NULL, "hi", NULL },
	{ "no token", { NULL, "", JSON, REPLY }, 403, NULL, NULL, NULL, "token" },
	{ "a bare slash", { NULL, "/", JSON, REPLY }, 403, NULL, NULL, NULL, "token" },
	{ "a wrong token", { NULL, "/Tq7-farmline_5d2c9e1c", JSON, REPLY }, 403, NULL, NULL,
	    NULL, "token" },
	{ "the start of the token", { NULL, "/Tq7-farmline_5d2c9e1", JSON, REPLY }, 403, NULL,
	    NULL, NULL, "token" },
	{ "the token and more", { NULL, "/" TOKEN "0", JSON, REPLY }, 403, NULL, NULL, NULL,
	    "token" },
	{ "the token and a slash", { NULL, "/" TOKEN "/", JSON, REPLY }, 403, NULL, NULL, NULL,
	    "token" },
	{ "the token in capitals", { NULL, "/TQ7-FARMLINE_5D2C9E1B", JSON, REPLY }, 403, NULL,
	    NULL, NULL, "token" },
	{ "a wrong token and a bad body", { NULL, "/x", JSON, "{" }, 403, NULL, NULL, NULL,
	    "token" },
	{ "GET", { "GET", "/" TOKEN, NULL, "" }, 405, NULL, NULL, NULL, "POST" },
	{ "a form", { NULL, "/" TOKEN, "application/x-www-form-urlencoded", "mobile=1&text=2" },
	    415, NULL, NULL, NULL, "application/json" },
	{ "invalid JSON", { NULL, "/" TOKEN, JSON, "{\"mobile\":" }, 400, NULL, NULL, NULL,
	    "invalid JSON" },
	/* jansson quotes the bytes near the error, here half of 吃: the reason must stay text,
	 * or the JSON answer cannot be made (found by fuzz/fuzz_provider_tencent.c). */
	{ "half a character near a JSON error", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"鸭\\吃\"}" }, 400, NULL, NULL, NULL,
	    "invalid escape near '\"鸭\\?'" },
	{ "invalid UTF-8 in the JSON", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"\xff\"}" }, 400, NULL, NULL, NULL,
	    "invalid JSON" },
	{ "\\u0000 in the text", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"a\\u0000b\"}" }, 400, NULL, NULL, NULL,
	    "invalid JSON" },
	{ "a key twice", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"a\",\"mobile\":\"13900000002\"}" }, 400, NULL,
	    NULL, NULL, "invalid JSON" },
	{ "an array", { NULL, "/" TOKEN, JSON, "[" REPLY "]" }, 400, NULL, NULL, NULL,
	    "must be an object" },
	{ "the mobile a number", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":13800000001,\"nationcode\":\"86\",\"text\":\"hi\"}" }, 400, NULL, NULL,
	    NULL, "mobile and text" },
	{ "no text", { NULL, "/" TOKEN, JSON, "{\"mobile\":\"13800000001\"}" }, 400, NULL, NULL,
	    NULL, "mobile and text" },
	{ "the time a string", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"hi\",\"time\":\"now\"}" }, 400, NULL, NULL,
	    NULL, "time a number" },
	{ "a nationcode with letters", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"nationcode\":\"8a\",\"text\":\"hi\"}" }, 400, NULL, NULL,
	    NULL, "nationcode" },
	{ "a 30-digit mobile", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"123456789012345678901234567890\",\"nationcode\":\"86\","
	    "\"text\":\"hi\"}" }, 400, NULL, NULL, NULL, "from: not a phone number" },
	{ "a mobile with letters", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"138abc\",\"nationcode\":\"86\",\"text\":\"hi\"}" }, 400, NULL, NULL,
	    NULL, "from: not a phone number" },
	{ "an empty text", { NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"nationcode\":\"86\",\"text\":\"  \"}" }, 400, NULL,
	    NULL, NULL, "text is empty" },
};

static void
test_reply_callbacks_parse_or_fail_as_the_table_says(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct built b;
	char reason[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sms_case *c = &cases[i];
		int status;

		memset(&wh, 0, sizeof(wh));
		reason[0] = '\0';
		build_req(&c->in, &b);
		status = f->ops->parse_sms(f->p, &b.r, 2000, &wh, reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_int_equal(wh.nmsgs, 1);
			assert_string_equal(wh.msgs[0].from, c->from);
			assert_string_equal(wh.msgs[0].text, c->text);
			if (c->to)
				assert_string_equal(wh.msgs[0].to, c->to);
			else
				assert_null(wh.msgs[0].to);
			assert_null(wh.msgs[0].id);	/* repeats: the short-window dedup */
		} else {
			assert_int_equal(wh.nmsgs, 0);
			if (strstr(reason, c->reason) == NULL)
				fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
			assert_null(strstr(reason, TOKEN));
		}
		gw_webhook_free(&wh);
	}
}

static void
test_the_answer_is_what_tencent_expects(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct gw_reply out;

	memset(&wh, 0, sizeof(wh));
	memset(&out, 0, sizeof(out));
	f->ops->sms_reply(f->p, &wh, &out);
	assert_int_equal(out.status, 200);
	assert_string_equal(out.content_type, "application/json");
	assert_string_equal(out.body, "{\"result\":0,\"errmsg\":\"OK\"}");
	free(out.body);
}

static void
test_the_token_is_configured_or_the_webhook_is_off(void **state)
{
	static const struct {
		const char *token;
		int opens, unconfigured;
	} tokens[] = {
		{ "", 0, 1 },				/* off */
		{ "short-token", 0, 0 },		/* under 16 characters */
		{ "abcdefghijklmnop/q", 0, 0 },		/* not fit for a path */
		{ "abcdefghijklmnop?q", 0, 0 },
		{ "abcdefghijklmnop", 1, 0 },
	};
	const struct gw_provider_ops *ops = gw_provider_find("tencent");
	struct config cfg;
	size_t i;

	(void)state;
	assert_null(ops->build);	/* receiving only */
	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		struct gw_provider *p;
		char err[256] = "";
		int unconfigured = 0;

		config_defaults(&cfg);
		config_set_string(&cfg.tencent_token, tokens[i].token);
		p = ops->open(&cfg, &unconfigured, err, sizeof(err));
		assert_int_equal(p != NULL, tokens[i].opens);
		assert_int_equal(unconfigured, tokens[i].unconfigured);
		if (p == NULL && !unconfigured) {
			assert_non_null(strstr(err, "[tencent] token"));
			assert_null(strstr(err, tokens[i].token));	/* not written back */
		}
		ops->close(p);
		config_free(&cfg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_callbacks_parse_or_fail_as_the_table_says),
		cmocka_unit_test(test_the_answer_is_what_tencent_expects),
		cmocka_unit_test(test_the_token_is_configured_or_the_webhook_is_off),
	};

	return cmocka_run_group_tests_name("provider_tencent", tests, setup, teardown);
}
