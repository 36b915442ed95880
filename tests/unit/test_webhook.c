/*
 * What every provider's webhook goes through: form decoding, field lookups, the Content-Type,
 * the checks on each inbound message, and cleaning what a provider says before it is kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gateway/webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct form_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	int n;			/* fields, or -1 */
	const char *k0, *v0;	/* the first field */
	size_t v0len;		/* 0: strlen(v0) */
	const char *reason;	/* part of the reason when n is -1 */
};

static const struct form_case form_cases[] = {
	{ "two fields", "a=1&b=2", 0, 2, "a", "1", 0, NULL },
	{ "plus is a space, %XX a byte", "text=%E9%B9%85+dead%21", 0, 1, "text", "鹅 dead!", 0,
	    NULL },
	{ "raw UTF-8 as curl -d sends it", "text=鹅苗", 0, 1, "text", "鹅苗", 0, NULL },
	{ "a field without =", "flag&a=1", 0, 2, "flag", "", 0, NULL },
	{ "empty pairs are skipped", "&&a=1&&", 0, 1, "a", "1", 0, NULL },
	{ "empty body", "", 0, 0, NULL, NULL, 0, NULL },
	{ "a NUL in a value is kept, with its length", "text=a%00b", 0, 1, "text", "a\0b", 3,
	    NULL },
	{ "a bad escape stays as it is", "a=%zz%4", 0, 1, "a", "%zz%4", 0, NULL },
	{ "a NUL byte in the body", "a=1\0b=2", 7, -1, NULL, NULL, 0, "NUL" },
	{ "a NUL in a field name", "text%00x=evil&text=good", 0, -1, NULL, NULL, 0,
	    "field name" },
};

static void
test_form_bodies_decode_as_the_table_says(void **state)
{
	struct gw_kv kv[8];
	char reason[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(form_cases) / sizeof(form_cases[0]); i++) {
		const struct form_case *c = &form_cases[i];
		int n;

		reason[0] = '\0';
		n = gw_form_parse(c->in, c->len ? c->len : strlen(c->in), kv, 8, reason,
		    sizeof(reason));
		if (n != c->n)
			fail_msg("%s: %d fields (%s), want %d", c->name, n, reason, c->n);
		if (n < 0) {
			if (strstr(reason, c->reason) == NULL)
				fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
			continue;
		}
		if (n > 0) {
			size_t want = c->v0len ? c->v0len : strlen(c->v0);

			assert_string_equal(kv[0].key, c->k0);
			assert_int_equal(kv[0].vlen, want);
			assert_memory_equal(kv[0].value, c->v0, want);
			assert_int_equal(kv[0].value[want], '\0');
		}
		gw_kv_free(kv, n);
	}
}

static void
test_more_fields_than_room_is_refused(void **state)
{
	struct gw_kv kv[4];
	char reason[128];

	(void)state;
	assert_int_equal(gw_form_parse("a=1&b=2&c=3&d=4", 15, kv, 4, reason, sizeof(reason)), 4);
	gw_kv_free(kv, 4);
	assert_int_equal(gw_form_parse("a=1&b=2&c=3&d=4&e=5", 19, kv, 4, reason, sizeof(reason)),
	    -1);
	assert_non_null(strstr(reason, "more than 4 fields"));
}

static void
test_pick_finds_each_field_once_and_refuses_a_repeat(void **state)
{
	static const char *const keys[] = { "from", "text", "id", NULL };
	const struct gw_kv *f[3];
	struct gw_kv kv[8];
	char reason[128];
	int n;

	(void)state;
	n = gw_form_parse("text=hi&x=1&from=1", 18, kv, 8, reason, sizeof(reason));
	assert_int_equal(gw_kv_pick(kv, n, keys, f, reason, sizeof(reason)), 0);
	assert_string_equal(f[0]->value, "1");
	assert_string_equal(f[1]->value, "hi");
	assert_null(f[2]);
	gw_kv_free(kv, n);

	n = gw_form_parse("text=a&from=1&text=b", 20, kv, 8, reason, sizeof(reason));
	assert_int_equal(gw_kv_pick(kv, n, keys, f, reason, sizeof(reason)), 400);
	assert_string_equal(reason, "field text given twice");
	gw_kv_free(kv, n);
}

static void
test_content_type_and_its_parameters(void **state)
{
	static const struct {
		const char *ct, *type;
		int is;
		const char *charset;	/* NULL: none */
	} cases[] = {
		{ "application/x-www-form-urlencoded", "application/x-www-form-urlencoded", 1, NULL },
		{ "application/x-www-form-urlencoded; charset=UTF-8",
		    "application/x-www-form-urlencoded", 1, "UTF-8" },
		{ "Application/JSON;charset=utf-8", "application/json", 1, "utf-8" },
		{ "text/plain; charset=\"UTF-16BE\"", "text/plain", 1, "UTF-16BE" },
		{ "text/plain;format=flowed; charset=GBK", "text/plain", 1, "GBK" },
		{ "text/plain; charset=\"UTF-16BE", "text/plain", 1, NULL },	/* unclosed */
		{ "application/jsonx", "application/json", 0, NULL },
		{ "text/plainer", "text/plain", 0, NULL },
		{ NULL, "application/json", 0, NULL },
	};
	char cs[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gw_req r;
		int got;

		memset(&r, 0, sizeof(r));
		r.content_type = cases[i].ct;
		if (gw_req_is(&r, cases[i].type) != cases[i].is)
			fail_msg("%s is %s: want %d", cases[i].ct, cases[i].type, cases[i].is);
		got = gw_req_type_param(&r, "charset", cs, sizeof(cs));
		if (cases[i].charset == NULL)
			assert_int_equal(got, -1);
		else if (got != 0 || strcmp(cs, cases[i].charset) != 0)
			fail_msg("%s: charset %d \"%s\", want %s", cases[i].ct, got, got ? "" : cs,
			    cases[i].charset);
	}
}

static void
test_headers_are_found_whatever_their_case(void **state)
{
	struct gw_kv h[] = { { "Content-Type", "text/plain", 10 },
	    { "x-twilio-signature", "abc=", 4 } };
	struct gw_req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.headers = h;
	r.nheaders = 2;
	assert_string_equal(gw_req_header(&r, "X-Twilio-Signature"), "abc=");
	assert_string_equal(gw_req_header(&r, "content-type"), "text/plain");
	assert_null(gw_req_header(&r, "X-Kannel-From"));
}

struct add_case {
	const char *name;
	const char *from, *to, *text;
	size_t text_len;	/* 0: strlen(text) */
	const char *id;
	int status;
	const char *want_from;	/* normalized, or part of the reason */
};

static const struct add_case add_cases[] = {
	{ "E.164", "+8613800000001", "10690000", "鹅苗死亡", 0, "a1", 0, "+8613800000001" },
	{ "national number", "13800000001", NULL, "hi", 0, NULL, 0, "+8613800000001" },
	{ "86 without the plus", "8613800000001", NULL, "hi", 0, NULL, 0, "+8613800000001" },
	{ "00 international", "0085291234567", NULL, "hi", 0, NULL, 0, "+85291234567" },
	{ "with spaces and dashes", "+86 138-0000-0001", NULL, "hi", 0, NULL, 0,
	    "+8613800000001" },
	{ "empty to is none", "13800000001", "", "hi", 0, NULL, 0, "+8613800000001" },
	{ "missing from", NULL, NULL, "hi", 0, NULL, 400, "missing field: from" },
	{ "empty from", "", NULL, "hi", 0, NULL, 400, "missing field: from" },
	{ "missing text", "13800000001", NULL, NULL, 0, NULL, 400, "missing field: text" },
	{ "letters for a number", "hello", NULL, "hi", 0, NULL, 400, "from: not a phone number" },
	{ "a Chinese mobile one digit short", "1380000000", NULL, "hi", 0, NULL, 400,
	    "from: not a phone number" },
	{ "a whatsapp address", "whatsapp:+8613800000001", NULL, "hi", 0, NULL, 400,
	    "from: not a phone number" },
	{ "invalid UTF-8 in from", "138\xff" "00000001", NULL, "hi", 0, NULL, 400,
	    "from: not a phone number" },
	{ "empty text", "13800000001", NULL, "", 0, NULL, 400, "text is empty" },
	{ "ideographic spaces only", "13800000001", NULL, "\xe3\x80\x80 \t\r\n", 0, NULL, 400,
	    "text is empty" },
	{ "a NUL in the text", "13800000001", NULL, "a\0b", 3, NULL, 400, "not valid UTF-8" },
	{ "overlong UTF-8", "13800000001", NULL, "\xc0\xaf", 0, NULL, 400, "not valid UTF-8" },
	{ "a surrogate in UTF-8", "13800000001", NULL, "\xed\xa0\x80", 0, NULL, 400,
	    "not valid UTF-8" },
	{ "cut in the middle of a character", "13800000001", NULL, "\xe9\xb9", 0, NULL, 400,
	    "not valid UTF-8" },
	{ "to with a newline", "13800000001", "106\n9", "hi", 0, NULL, 400, "to:" },
	{ "to too long", "13800000001", "123456789012345678901234567890123", "hi", 0, NULL, 400,
	    "to:" },
	{ "empty id", "13800000001", NULL, "hi", 0, "", 400, "id:" },
	{ "id with a space", "13800000001", NULL, "hi", 0, "a b", 400, "id:" },
	{ "id too long", "13800000001", NULL, "hi", 0,
	    "0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567890", 400, "id:" },
};

static void
test_messages_are_checked_as_the_table_says(void **state)
{
	struct gw_webhook wh;
	char reason[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(add_cases) / sizeof(add_cases[0]); i++) {
		const struct add_case *c = &add_cases[i];
		size_t len = c->text_len ? c->text_len : c->text ? strlen(c->text) : 0;
		int status;

		memset(&wh, 0, sizeof(wh));
		reason[0] = '\0';
		status = gw_webhook_add(&wh, c->from, c->to, c->text, len, c->id, 160, reason,
		    sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_int_equal(wh.nmsgs, 1);
			assert_string_equal(wh.msgs[0].from, c->want_from);
			assert_string_equal(wh.msgs[0].text, c->text);
			if (c->to && *c->to)
				assert_string_equal(wh.msgs[0].to, c->to);
			else
				assert_null(wh.msgs[0].to);
			if (c->id)
				assert_string_equal(wh.msgs[0].id, c->id);
			else
				assert_null(wh.msgs[0].id);
		} else {
			assert_int_equal(wh.nmsgs, 0);
			if (strstr(reason, c->want_from) == NULL)
				fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason,
				    c->want_from);
		}
		gw_webhook_free(&wh);
	}
}

static void
test_text_at_the_limit_is_taken_and_past_it_refused(void **state)
{
	struct gw_webhook wh;
	char reason[128], text[3 * 11 + 1] = "";
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		strcat(text, "鸡");
	memset(&wh, 0, sizeof(wh));
	assert_int_equal(gw_webhook_add(&wh, "13800000001", NULL, text, strlen(text), NULL, 10,
	    reason, sizeof(reason)), 0);
	strcat(text, "鸡");
	assert_int_equal(gw_webhook_add(&wh, "13800000001", NULL, text, strlen(text), NULL, 10,
	    reason, sizeof(reason)), 400);
	assert_string_equal(reason, "text is longer than 10 characters");
	gw_webhook_free(&wh);
}

static void
test_a_batch_stops_at_its_cap(void **state)
{
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	char reason[128];
	int i;

	(void)state;
	for (i = 0; i < WEBHOOK_MAX_BATCH; i++)
		assert_int_equal(gw_webhook_add(wh, "13800000001", NULL, "hi", 2, NULL, 10, reason,
		    sizeof(reason)), 0);
	assert_int_equal(gw_webhook_add(wh, "13800000001", NULL, "hi", 2, NULL, 10, reason,
	    sizeof(reason)), 400);
	assert_non_null(strstr(reason, "more than"));
	gw_webhook_free(wh);
	assert_int_equal(wh->nmsgs, 0);
	free(wh);
}

static void
test_what_a_provider_says_is_cleaned_before_it_is_kept(void **state)
{
	static const struct {
		const char *in;
		size_t len;	/* 0: strlen(in) */
		size_t room;
		const char *out;
	} cases[] = {
		{ "Not routable. Do not try again.", 0, 64, "Not routable. Do not try again." },
		{ "line\r\nbreak\ttab", 0, 64, "line??break?tab" },
		{ "stat:UNDELIV err:\x01\x7f", 0, 64, "stat:UNDELIV err:??" },
		{ "用户关机", 0, 64, "用户关机" },
		{ "bad \xff\xfe bytes", 0, 64, "bad ?? bytes" },
		{ "cut \xe9\xb9", 0, 64, "cut ??" },
		{ "鹅鹅鹅", 0, 8, "鹅鹅" },		/* never half a character */
		{ "abcdef", 3, 64, "abc" },		/* only srclen bytes */
		{ "a\0b", 3, 64, "a" },			/* a NUL ends it */
		{ "", 0, 1, "" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		gw_clean_text(out, cases[i].room, cases[i].in,
		    cases[i].len ? cases[i].len : strlen(cases[i].in));
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out, cases[i].out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_bodies_decode_as_the_table_says),
		cmocka_unit_test(test_more_fields_than_room_is_refused),
		cmocka_unit_test(test_pick_finds_each_field_once_and_refuses_a_repeat),
		cmocka_unit_test(test_content_type_and_its_parameters),
		cmocka_unit_test(test_headers_are_found_whatever_their_case),
		cmocka_unit_test(test_messages_are_checked_as_the_table_says),
		cmocka_unit_test(test_text_at_the_limit_is_taken_and_past_it_refused),
		cmocka_unit_test(test_a_batch_stops_at_its_cap),
		cmocka_unit_test(test_what_a_provider_says_is_cleaned_before_it_is_kept),
	};

	return cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
}
