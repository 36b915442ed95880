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
#include "tests/lib/provider_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON "application/json"
#define TOKEN "Tq7-farmline_5d2c9e1b"

#define R(m, t, ct, b) { .method = m, .tail = t, .content_type = ct, .body = b }

static void
configure(struct config *cfg)
{
	config_set_string(&cfg->tencent_token, TOKEN);
}

static int
setup(void **state)
{
	if (provider_setup(state, "tencent", configure))
		return -1;
	((struct provider_fixture *)*state)->secret = TOKEN;
	return 0;
}

#define REPLY "{\"extend\":\"\",\"mobile\":\"13800000001\",\"nationcode\":\"86\"," \
	"\"sign\":\"科技扶贫在线\",\"text\":\"鸭子不吃食怎么办\",\"time\":1457336869}"

static const struct webhook_case cases[] = {
	{ "Tencent's documented form", R(NULL, "/" TOKEN, JSON, REPLY), 0, 0, "+8613800000001",
	    NULL, "鸭子不吃食怎么办", NULL, NULL },
	{ "with a charset", R(NULL, "/" TOKEN, JSON "; charset=utf-8", REPLY ),  0, 0,
	    "+8613800000001", NULL, "鸭子不吃食怎么办", NULL, NULL },
	{ "without a Content-Type", R(NULL, "/" TOKEN, NULL, REPLY), 0, 0, "+8613800000001", NULL,
	    "鸭子不吃食怎么办", NULL, NULL },
	{ "an extension code is the number texted", R(NULL, "/" TOKEN, JSON,
	    "{\"extend\":\"12\",\"mobile\":\"13800000001\",\"nationcode\":\"86\",\"sign\":\"s\","
	    "\"text\":\"1\",\"time\":1}"), 0, 0, "+8613800000001", "12", "1", NULL, NULL },
	{ "an extension code that is not digits is left aside", R(NULL, "/" TOKEN, JSON,
	    "{\"extend\":\"扩展码\",\"mobile\":\"13800000001\",\"nationcode\":\"86\","
	    "\"text\":\"hi\"}"), 0, 0, "+8613800000001", NULL, "hi", NULL, NULL },
	{ "a nationcode with +", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"nationcode\":\"+86\",\"text\":\"hi\"}"), 0, 0,
	    "+8613800000001", NULL, "hi", NULL, NULL },
	{ "Hong Kong", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"91234567\",\"nationcode\":\"852\",\"text\":\"hi\"}"), 0, 0,
	    "+85291234567", NULL, "hi", NULL, NULL },
	{ "no nationcode: the national number", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"hi\"}"), 0, 0, "+8613800000001", NULL, "hi",
	    NULL, NULL },
	{ "a mobile already international", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"+8613800000001\",\"nationcode\":\"86\",\"text\":\"hi\"}"), 0, 0,
	    "+8613800000001", NULL, "hi", NULL, NULL },
	{ "no token", R(NULL, "", JSON, REPLY ),  0, 403, NULL, NULL, NULL, NULL, "token" },
	{ "a bare slash", R(NULL, "/", JSON, REPLY ),  0, 403, NULL, NULL, NULL, NULL, "token" },
	{ "a wrong token", R(NULL, "/Tq7-farmline_5d2c9e1c", JSON, REPLY), 0, 403, NULL, NULL, NULL,
	    NULL, "token" },
	{ "the start of the token", R(NULL, "/Tq7-farmline_5d2c9e1", JSON, REPLY), 0, 403, NULL,
	    NULL, NULL, NULL, "token" },
	{ "the token and more", R(NULL, "/" TOKEN "0", JSON, REPLY), 0, 403, NULL, NULL, NULL, NULL,
	    "token" },
	{ "the token and a slash", R(NULL, "/" TOKEN "/", JSON, REPLY), 0, 403, NULL, NULL, NULL,
	    NULL, "token" },
	{ "the token in capitals", R(NULL, "/TQ7-FARMLINE_5D2C9E1B", JSON, REPLY), 0, 403, NULL,
	    NULL, NULL, NULL, "token" },
	{ "a wrong token and a bad body", R(NULL, "/x", JSON, "{"), 0, 403, NULL, NULL, NULL, NULL,
	    "token" },
	{ "GET", R("GET", "/" TOKEN, NULL, "" ),  0, 405, NULL, NULL, NULL, NULL, "POST" },
	{ "a form", R(NULL, "/" TOKEN, "application/x-www-form-urlencoded", "mobile=1&text=2" ),
	     0, 415, NULL, NULL, NULL, NULL, "application/json" },
	{ "invalid JSON", R(NULL, "/" TOKEN, JSON, "{\"mobile\":"), 0, 400, NULL, NULL, NULL, NULL,
	    "invalid JSON" },
	/* jansson quotes the bytes near the error, here half of 吃: the reason must stay text,
	 * or the JSON answer cannot be made (found by fuzz/fuzz_provider_tencent.c). */
	{ "half a character near a JSON error", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"鸭\\吃\"}"), 0, 400, NULL, NULL, NULL, NULL,
	    "invalid escape near '\"鸭\\?'" },
	{ "invalid UTF-8 in the JSON", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"\xff\"}"), 0, 400, NULL, NULL, NULL, NULL,
	    "invalid JSON" },
	{ "\\u0000 in the text", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"a\\u0000b\"}"), 0, 400, NULL, NULL, NULL, NULL,
	    "invalid JSON" },
	{ "a key twice", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"a\",\"mobile\":\"13900000002\"}"), 0, 400, NULL,
	    NULL, NULL, NULL, "invalid JSON" },
	{ "an array", R(NULL, "/" TOKEN, JSON, "[" REPLY "]" ),  0, 400, NULL, NULL, NULL, NULL,
	    "must be an object" },
	{ "the mobile a number", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":13800000001,\"nationcode\":\"86\",\"text\":\"hi\"}"), 0, 400, NULL, NULL,
	    NULL, NULL, "mobile and text" },
	{ "no text", R(NULL, "/" TOKEN, JSON, "{\"mobile\":\"13800000001\"}"), 0, 400, NULL, NULL,
	    NULL, NULL, "mobile and text" },
	{ "the time a string", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"text\":\"hi\",\"time\":\"now\"}"), 0, 400, NULL, NULL,
	    NULL, NULL, "time a number" },
	{ "a nationcode with letters", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"nationcode\":\"8a\",\"text\":\"hi\"}"), 0, 400, NULL,
	    NULL, NULL, NULL, "nationcode" },
	{ "a 30-digit mobile", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"123456789012345678901234567890\",\"nationcode\":\"86\","
	    "\"text\":\"hi\"}"), 0, 400, NULL, NULL, NULL, NULL, "from: not a phone number" },
	{ "a mobile with letters", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"138abc\",\"nationcode\":\"86\",\"text\":\"hi\"}"), 0, 400, NULL, NULL,
	    NULL, NULL, "from: not a phone number" },
	{ "an empty text", R(NULL, "/" TOKEN, JSON,
	    "{\"mobile\":\"13800000001\",\"nationcode\":\"86\",\"text\":\"  \"}"), 0, 400, NULL,
	    NULL, NULL, NULL, "text is empty" },
};

static void
test_reply_callbacks_parse_or_fail_as_the_table_says(void **state)
{
	run_webhook_cases(state, "/sms/tencent", cases, NROWS(cases));
}

static void
test_the_answer_is_what_tencent_expects(void **state)
{
	provider_assert_sms_reply(state, 200, "application/json",
	    "{\"result\":0,\"errmsg\":\"OK\"}");
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

	return cmocka_run_group_tests_name("provider_tencent", tests, setup,
	    provider_teardown);
}
