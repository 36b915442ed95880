/*
 * The Aliyun uplink batch push, table-driven: the secret token in the path, then the JSON
 * array of {phone_number, content, send_time, sign_name, dest_code, sequence_id} → the
 * messages taken (each with its sequence_id as the id it is deduplicated on) or the HTTP
 * status; and the answer Aliyun expects.
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
#define TOKEN "aly_8c1e5f0a7b3d9e24"

#define R(t, ct, b) { .tail = t, .content_type = ct, .body = b }

static void
configure(struct config *cfg)
{
	config_set_string(&cfg->aliyun_token, TOKEN);
}

static int
setup(void **state)
{
	if (provider_setup(state, "aliyun", configure))
		return -1;
	((struct provider_fixture *)*state)->secret = TOKEN;
	return 0;
}

#define ITEM(phone, content, seq) "{\"phone_number\":\"" phone "\",\"send_time\":" \
	"\"2017-09-01 00:00:00\",\"content\":\"" content "\",\"sign_name\":\"签名\"," \
	"\"dest_code\":\"1234\",\"sequence_id\":" seq "}"

static const struct webhook_case cases[] = {
	{ "Aliyun's documented form, sequence_id a number", R("/" TOKEN, JSON, "[" ITEM(
	    "13800000001", "鸡瘟怎么防", "1234567890") "]"), 0, 0, "+8613800000001", "1234", "鸡瘟怎么防",
	    "1234567890", NULL },
	{ "sequence_id a string, as newer documents have it", R("/" TOKEN, JSON, "[" ITEM(
	    "13800000001", "内容", "\"1234567890\"") "]"), 0, 0, "+8613800000001", "1234", "内容",
	    "1234567890", NULL },
	{ "only what is needed",
	    R("/" TOKEN, NULL, "[{\"phone_number\":\"13800000001\",\"content\":\"hi\","
	    "\"sequence_id\":7}]" ), 0, 0, "+8613800000001", NULL, "hi", "7" , NULL },
	{ "a message that cannot be taken is left out of the others",
	    R("/" TOKEN, JSON, "[" ITEM("13800000001", " ", "1") "," ITEM("13900000002", "二", "2")
	    "," ITEM("hello", "三", "3") "]" ), 0, 0, "+8613900000002", "1234", "二", "2" ,
	    NULL },
	{ "a push with none that can be taken",
	    R("/" TOKEN, JSON, "[" ITEM("13800000001", " ", "1") "," ITEM("hello", "三", "3") "]" ),
	    0, 400, NULL, NULL, NULL, NULL, "message 1: text is empty" },
	{ "no token", R("", JSON, "[" ITEM("13800000001", "hi", "1") "]"), 0, 403, NULL, NULL, NULL,
	    NULL, "token" },
	{ "a wrong token", R("/aly_8c1e5f0a7b3d9e25", JSON, "[" ITEM("13800000001", "hi", "1")
	    "]" ), 0, 403, NULL, NULL, NULL, NULL, "token" },
	{ "the token and more", R("/" TOKEN "/x", JSON, "[" ITEM("13800000001", "hi", "1") "]" ),
	    0, 403, NULL, NULL, NULL, NULL, "token" },
	{ "a form", R("/" TOKEN, "application/x-www-form-urlencoded", "phone_number=1"), 0, 415,
	    NULL, NULL, NULL, NULL, "application/json" },
	{ "invalid JSON", R("/" TOKEN, JSON, "[{"), 0, 400, NULL, NULL, NULL, NULL, "invalid JSON"
	    },
	/* Half of 吃 near the error stays out of the reason (found by
	 * fuzz/fuzz_provider_aliyun.c). */
	{ "half a character near a JSON error", R("/" TOKEN, JSON,
	    "[{\"phone_number\":\"1390\\u吃\"}]"), 0, 400, NULL, NULL, NULL, NULL,
	    "near '\"1390\\u?'" },
	{ "an object, not an array", R("/" TOKEN, JSON, ITEM("13800000001", "hi", "1")), 0, 400,
	    NULL, NULL, NULL, NULL, "JSON array" },
	{ "an empty array", R("/" TOKEN, JSON, "[]"), 0, 400, NULL, NULL, NULL, NULL, "JSON array"
	    },
	{ "an item that is not an object", R("/" TOKEN, JSON, "[" ITEM("13800000001", "hi", "1")
	    ",\"x\"]"), 0, 400, NULL, NULL, NULL, NULL, "message 2: not a JSON object" },
	{ "no sequence_id", R("/" TOKEN, JSON,
	    "[{\"phone_number\":\"13800000001\",\"content\":\"hi\"}]"), 0, 400, NULL, NULL, NULL,
	    NULL, "sequence_id" },
	{ "sequence_id a fraction", R("/" TOKEN, JSON, "[" ITEM("13800000001", "hi", "1.5") "]" ),
	    0, 400, NULL, NULL, NULL, NULL, "sequence_id" },
	{ "sequence_id empty", R("/" TOKEN, JSON, "[" ITEM("13800000001", "hi", "\"\"") "]" ),
	    0, 400, NULL, NULL, NULL, NULL, "sequence_id" },
	{ "sequence_id longer than an id", R("/" TOKEN, JSON, "[" ITEM("13800000001", "hi",
	    "\"01234567890123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890\"") "]"), 0, 400, NULL,
	    NULL, NULL, NULL, "sequence_id" },
	{ "sequence_id with a space", R("/" TOKEN, JSON, "[" ITEM("13800000001", "hi", "\"1 2\"")
	    "]" ), 0, 400, NULL, NULL, NULL, NULL, "id:" },
	{ "phone_number a number", R("/" TOKEN, JSON,
	    "[{\"phone_number\":13800000001,\"content\":\"hi\",\"sequence_id\":1}]"), 0, 400, NULL,
	    NULL, NULL, NULL, "phone_number" },
	{ "dest_code a number", R("/" TOKEN, JSON, "[{\"phone_number\":\"13800000001\","
	    "\"content\":\"hi\",\"sequence_id\":1,\"dest_code\":1234}]"), 0, 400, NULL, NULL, NULL,
	    NULL, "dest_code" },
	{ "a key twice", R("/" TOKEN, JSON, "[{\"phone_number\":\"13800000001\","
	    "\"content\":\"hi\",\"content\":\"ho\",\"sequence_id\":1}]"), 0, 400, NULL, NULL, NULL,
	    NULL, "invalid JSON" },
	{ "a malformed item after a good one refuses the whole push", R("/" TOKEN, JSON, "[" ITEM(
	    "13800000001", "hi", "1") ",{\"content\":\"x\"}]"), 0, 400, NULL, NULL, NULL, NULL,
	    "message 2" },
};

static void
test_pushes_parse_or_fail_as_the_table_says(void **state)
{
	run_webhook_cases(state, "/sms/aliyun", cases, NROWS(cases));
}

/* The one row a table of one message each cannot hold. */
static void
test_two_messages_in_one_push_are_both_taken(void **state)
{
	struct provider_fixture *f = *state;
	struct req_in in = R("/" TOKEN, JSON "; charset=UTF-8", "[" ITEM("13800000001", "一", "1")
	    "," ITEM("13900000002", "二", "2") "]");
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct provider_req b;
	char reason[256];

	assert_non_null(wh);
	provider_build_req(f, &in, "/sms/aliyun", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, wh, reason, sizeof(reason)), 0);
	assert_int_equal(wh->nmsgs, 2);
	assert_string_equal(wh->msgs[0].from, "+8613800000001");
	assert_string_equal(wh->msgs[0].to, "1234");
	assert_string_equal(wh->msgs[0].text, "一");
	assert_string_equal(wh->msgs[0].id, "1");
	assert_string_equal(wh->msgs[1].from, "+8613900000002");
	assert_string_equal(wh->msgs[1].to, "1234");
	assert_string_equal(wh->msgs[1].text, "二");
	assert_string_equal(wh->msgs[1].id, "2");
	gw_webhook_free(wh);
	free(wh);
}

static void
test_a_push_larger_than_a_batch_is_refused(void **state)
{
	struct provider_fixture *f = *state;
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct req_in in = R("/" TOKEN, JSON, NULL);
	struct provider_req b;
	char reason[256], *body, item[200];
	size_t len = 0;
	int i;

	assert_non_null(wh);
	body = malloc((WEBHOOK_MAX_BATCH + 1) * sizeof(item) + 3);
	assert_non_null(body);
	for (i = 0; i <= WEBHOOK_MAX_BATCH; i++) {
		snprintf(item, sizeof(item), "%s{\"phone_number\":\"13800000001\",\"content\":\"%d\","
		    "\"sequence_id\":%d}", i ? "," : "[", i, i + 1);
		memcpy(body + len, item, strlen(item));
		len += strlen(item);
		if (i == WEBHOOK_MAX_BATCH - 1) {
			/* exactly a batch: taken */
			memcpy(body + len, "]", 2);
			in.body = body;
			provider_build_req(f, &in, "/sms/aliyun", &b);
			assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, wh, reason,
			    sizeof(reason)), 0);
			assert_int_equal(wh->nmsgs, WEBHOOK_MAX_BATCH);
			gw_webhook_free(wh);
		}
	}
	memcpy(body + len, "]", 2);
	in.body = body;
	provider_build_req(f, &in, "/sms/aliyun", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, wh, reason, sizeof(reason)), 413);
	assert_non_null(strstr(reason, "more than"));
	assert_int_equal(wh->nmsgs, 0);
	/*
	 * F16: refused before it is parsed: one item past the cap followed by what no parser would
	 * take (a flat array of 16 MB would be hundreds of MB of JSON nodes) is 413, not 400.
	 */
	{
		static const char junk[] = ",{\"x\":\"],[,\\\"\"}, !!! not JSON at all";

		memcpy(body + len, junk, sizeof(junk));
	}
	in.body = body;
	provider_build_req(f, &in, "/sms/aliyun", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, wh, reason, sizeof(reason)), 413);
	assert_non_null(strstr(reason, "more than"));
	assert_int_equal(wh->nmsgs, 0);
	free(body);
	free(wh);
}

/* Commas inside strings and nested values are not items: a full batch of them is taken. */
static void
test_commas_inside_items_do_not_count_as_items(void **state)
{
	struct provider_fixture *f = *state;
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct req_in in = R("/" TOKEN, JSON, NULL);
	struct provider_req b;
	char reason[256], *body, item[200];
	size_t len = 0;
	int i;

	assert_non_null(wh);
	body = malloc(WEBHOOK_MAX_BATCH * sizeof(item) + 3);
	assert_non_null(body);
	for (i = 0; i < WEBHOOK_MAX_BATCH; i++) {
		snprintf(item, sizeof(item), "%s {\"phone_number\":\"13800000001\",\"content\":"
		    "\"a,b,\\\",c\",\"x\":[1,2,{\"y\":\",\"}],\"sequence_id\":%d}", i ? "," : "[",
		    i + 1);
		memcpy(body + len, item, strlen(item));
		len += strlen(item);
	}
	memcpy(body + len, " ]", 3);
	in.body = body;
	provider_build_req(f, &in, "/sms/aliyun", &b);
	assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, wh, reason, sizeof(reason)), 0);
	assert_int_equal(wh->nmsgs, WEBHOOK_MAX_BATCH);
	assert_string_equal(wh->msgs[0].text, "a,b,\",c");
	gw_webhook_free(wh);
	free(body);
	free(wh);
}

static void
test_the_answer_is_what_aliyun_expects(void **state)
{
	provider_assert_sms_reply(state, 200, "application/json; charset=utf-8",
	    "{\"code\":0,\"msg\":\"接收成功\"}");
}

static void
test_the_token_is_configured_or_the_webhook_is_off(void **state)
{
	struct config cfg;

	(void)state;
	assert_null(gw_provider_find("aliyun")->build);	/* receiving only */
	provider_assert_refused("aliyun", NULL, NULL, NULL);
	config_defaults(&cfg);
	config_set_string(&cfg.aliyun_token, "tooshort");
	provider_assert_refused("aliyun", &cfg, "[aliyun] token", NULL);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pushes_parse_or_fail_as_the_table_says),
		cmocka_unit_test(test_two_messages_in_one_push_are_both_taken),
		cmocka_unit_test(test_a_push_larger_than_a_batch_is_refused),
		cmocka_unit_test(test_commas_inside_items_do_not_count_as_items),
		cmocka_unit_test(test_the_answer_is_what_aliyun_expects),
		cmocka_unit_test(test_the_token_is_configured_or_the_webhook_is_off),
	};

	return cmocka_run_group_tests_name("provider_aliyun", tests, setup,
	    provider_teardown);
}
