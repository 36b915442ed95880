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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON "application/json"
#define TOKEN "aly_8c1e5f0a7b3d9e24"

/* A webhook request written as strings. */
struct req_in {
	const char *tail;	/* what follows /sms/aliyun */
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
	b->r.method = "POST";
	b->r.path = "/sms/aliyun";
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
	config_set_string(&f->cfg.aliyun_token, TOKEN);
	f->ops = gw_provider_find("aliyun");
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

#define ITEM(phone, content, seq) "{\"phone_number\":\"" phone "\",\"send_time\":" \
	"\"2017-09-01 00:00:00\",\"content\":\"" content "\",\"sign_name\":\"签名\"," \
	"\"dest_code\":\"1234\",\"sequence_id\":" seq "}"

struct msg_out {
	const char *from, *to, *text, *id;
};

struct push_case {
	const char *name;
	struct req_in in;
	int status;
	int nmsgs;
	struct msg_out m[2];	/* the first two taken */
	const char *reason;
};

static const struct push_case cases[] = {
	{ "Aliyun's documented form, sequence_id a number",
	    { "/" TOKEN, JSON, "[" ITEM("13800000001", "鸡瘟怎么防", "1234567890") "]" }, 0, 1,
	    { { "+8613800000001", "1234", "鸡瘟怎么防", "1234567890" } }, NULL },
	{ "sequence_id a string, as newer documents have it",
	    { "/" TOKEN, JSON, "[" ITEM("13800000001", "内容", "\"1234567890\"") "]" }, 0, 1,
	    { { "+8613800000001", "1234", "内容", "1234567890" } }, NULL },
	{ "two messages in one push",
	    { "/" TOKEN, JSON "; charset=UTF-8", "[" ITEM("13800000001", "一", "1") ","
	    ITEM("13900000002", "二", "2") "]" }, 0, 2,
	    { { "+8613800000001", "1234", "一", "1" }, { "+8613900000002", "1234", "二", "2" } },
	    NULL },
	{ "only what is needed",
	    { "/" TOKEN, NULL, "[{\"phone_number\":\"13800000001\",\"content\":\"hi\","
	    "\"sequence_id\":7}]" }, 0, 1, { { "+8613800000001", NULL, "hi", "7" } }, NULL },
	{ "a message that cannot be taken is left out of the others",
	    { "/" TOKEN, JSON, "[" ITEM("13800000001", " ", "1") "," ITEM("13900000002", "二", "2")
	    "," ITEM("hello", "三", "3") "]" }, 0, 1, { { "+8613900000002", "1234", "二", "2" } },
	    NULL },
	{ "a push with none that can be taken",
	    { "/" TOKEN, JSON, "[" ITEM("13800000001", " ", "1") "," ITEM("hello", "三", "3") "]" },
	    400, 0, { { NULL } }, "message 1: text is empty" },
	{ "no token", { "", JSON, "[" ITEM("13800000001", "hi", "1") "]" }, 403, 0, { { NULL } },
	    "token" },
	{ "a wrong token", { "/aly_8c1e5f0a7b3d9e25", JSON, "[" ITEM("13800000001", "hi", "1")
	    "]" }, 403, 0, { { NULL } }, "token" },
	{ "the token and more", { "/" TOKEN "/x", JSON, "[" ITEM("13800000001", "hi", "1") "]" },
	    403, 0, { { NULL } }, "token" },
	{ "a form", { "/" TOKEN, "application/x-www-form-urlencoded", "phone_number=1" }, 415, 0,
	    { { NULL } }, "application/json" },
	{ "invalid JSON", { "/" TOKEN, JSON, "[{" }, 400, 0, { { NULL } }, "invalid JSON" },
	/* Half of 吃 near the error stays out of the reason (found by
	 * fuzz/fuzz_provider_aliyun.c). */
	{ "half a character near a JSON error", { "/" TOKEN, JSON,
	    "[{\"phone_number\":\"1390\\u吃\"}]" }, 400, 0, { { NULL } },
	    "near '\"1390\\u?'" },
	{ "an object, not an array", { "/" TOKEN, JSON, ITEM("13800000001", "hi", "1") }, 400, 0,
	    { { NULL } }, "JSON array" },
	{ "an empty array", { "/" TOKEN, JSON, "[]" }, 400, 0, { { NULL } }, "JSON array" },
	{ "an item that is not an object", { "/" TOKEN, JSON,
	    "[" ITEM("13800000001", "hi", "1") ",\"x\"]" }, 400, 0, { { NULL } },
	    "message 2: not a JSON object" },
	{ "no sequence_id", { "/" TOKEN, JSON,
	    "[{\"phone_number\":\"13800000001\",\"content\":\"hi\"}]" }, 400, 0, { { NULL } },
	    "sequence_id" },
	{ "sequence_id a fraction", { "/" TOKEN, JSON, "[" ITEM("13800000001", "hi", "1.5") "]" },
	    400, 0, { { NULL } }, "sequence_id" },
	{ "sequence_id empty", { "/" TOKEN, JSON, "[" ITEM("13800000001", "hi", "\"\"") "]" },
	    400, 0, { { NULL } }, "sequence_id" },
	{ "sequence_id longer than an id", { "/" TOKEN, JSON, "[" ITEM("13800000001", "hi",
	    "\"01234567890123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890\"") "]" }, 400, 0,
	    { { NULL } }, "sequence_id" },
	{ "sequence_id with a space", { "/" TOKEN, JSON, "[" ITEM("13800000001", "hi", "\"1 2\"")
	    "]" }, 400, 0, { { NULL } }, "id:" },
	{ "phone_number a number", { "/" TOKEN, JSON,
	    "[{\"phone_number\":13800000001,\"content\":\"hi\",\"sequence_id\":1}]" }, 400, 0,
	    { { NULL } }, "phone_number" },
	{ "dest_code a number", { "/" TOKEN, JSON, "[{\"phone_number\":\"13800000001\","
	    "\"content\":\"hi\",\"sequence_id\":1,\"dest_code\":1234}]" }, 400, 0, { { NULL } },
	    "dest_code" },
	{ "a key twice", { "/" TOKEN, JSON, "[{\"phone_number\":\"13800000001\","
	    "\"content\":\"hi\",\"content\":\"ho\",\"sequence_id\":1}]" }, 400, 0, { { NULL } },
	    "invalid JSON" },
	{ "a malformed item after a good one refuses the whole push", { "/" TOKEN, JSON,
	    "[" ITEM("13800000001", "hi", "1") ",{\"content\":\"x\"}]" }, 400, 0, { { NULL } },
	    "message 2" },
};

static void
test_pushes_parse_or_fail_as_the_table_says(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct built b;
	char reason[256];
	size_t i;
	int k;

	assert_non_null(wh);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct push_case *c = &cases[i];
		int status;

		reason[0] = '\0';
		build_req(&c->in, &b);
		status = f->ops->parse_sms(f->p, &b.r, 2000, wh, reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		assert_int_equal(wh->nmsgs, c->nmsgs);
		for (k = 0; status == 0 && k < c->nmsgs && k < 2; k++) {
			assert_string_equal(wh->msgs[k].from, c->m[k].from);
			assert_string_equal(wh->msgs[k].text, c->m[k].text);
			assert_string_equal(wh->msgs[k].id, c->m[k].id);
			if (c->m[k].to)
				assert_string_equal(wh->msgs[k].to, c->m[k].to);
			else
				assert_null(wh->msgs[k].to);
		}
		if (status && strstr(reason, c->reason) == NULL)
			fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
		gw_webhook_free(wh);
	}
	free(wh);
}

static void
test_a_push_larger_than_a_batch_is_refused(void **state)
{
	struct fixture *f = *state;
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct req_in in = { "/" TOKEN, JSON, NULL };
	struct built b;
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
			build_req(&in, &b);
			assert_int_equal(f->ops->parse_sms(f->p, &b.r, 2000, wh, reason,
			    sizeof(reason)), 0);
			assert_int_equal(wh->nmsgs, WEBHOOK_MAX_BATCH);
			gw_webhook_free(wh);
		}
	}
	memcpy(body + len, "]", 2);
	in.body = body;
	build_req(&in, &b);
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
	build_req(&in, &b);
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
	struct fixture *f = *state;
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct req_in in = { "/" TOKEN, JSON, NULL };
	struct built b;
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
	build_req(&in, &b);
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
	struct fixture *f = *state;
	struct gw_webhook wh;
	struct gw_reply out;

	memset(&wh, 0, sizeof(wh));
	memset(&out, 0, sizeof(out));
	f->ops->sms_reply(f->p, &wh, &out);
	assert_int_equal(out.status, 200);
	assert_non_null(strstr(out.content_type, "application/json"));
	assert_string_equal(out.body, "{\"code\":0,\"msg\":\"接收成功\"}");
	free(out.body);
}

static void
test_the_token_is_configured_or_the_webhook_is_off(void **state)
{
	const struct gw_provider_ops *ops = gw_provider_find("aliyun");
	struct config cfg;
	char err[256];
	int unconfigured = 0;

	(void)state;
	assert_null(ops->build);	/* receiving only */
	config_defaults(&cfg);
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_true(unconfigured);
	config_set_string(&cfg.aliyun_token, "tooshort");
	unconfigured = 0;
	assert_null(ops->open(&cfg, &unconfigured, err, sizeof(err)));
	assert_false(unconfigured);
	assert_non_null(strstr(err, "[aliyun] token"));
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pushes_parse_or_fail_as_the_table_says),
		cmocka_unit_test(test_a_push_larger_than_a_batch_is_refused),
		cmocka_unit_test(test_commas_inside_items_do_not_count_as_items),
		cmocka_unit_test(test_the_answer_is_what_aliyun_expects),
		cmocka_unit_test(test_the_token_is_configured_or_the_webhook_is_off),
	};

	return cmocka_run_group_tests_name("provider_aliyun", tests, setup, teardown);
}
