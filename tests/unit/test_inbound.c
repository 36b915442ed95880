/*
 * The generic provider's inbound webhook, table-driven: body in, parse or HTTP status out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gateway/inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

struct inbound_case {
	const char *name;
	const char *content_type;
	const char *body;
	size_t len;		/* 0: strlen(body) */
	int status;		/* 0: parsed */
	const char *from, *text, *id, *to;
	const char *reason;	/* part of the error */
};

static const struct inbound_case cases[] = {
	{ "form, raw UTF-8 as curl -d sends it", FORM,
	    "from=+8613800000001&text=鹅苗死亡很多怎么办", 0, 0,
	    "+8613800000001", "鹅苗死亡很多怎么办", NULL, NULL, NULL },
	{ "form, percent-encoded with + for space", FORM,
	    "from=%2B8613800000001&to=10690000&text=%E9%B9%85%E8%8B%97+dead&id=abc-1", 0, 0,
	    "+8613800000001", "鹅苗 dead", "abc-1", "10690000", NULL },
	{ "form, national number", FORM, "from=13800000001&text=hi", 0, 0,
	    "+8613800000001", "hi", NULL, NULL, NULL },
	{ "form, extra provider fields are ignored", FORM,
	    "from=13800000001&text=hi&foo=bar&date=2026", 0, 0, "+8613800000001", "hi", NULL, NULL,
	    NULL },
	{ "json", JSON "; charset=utf-8",
	    "{\"from\":\"+8613800000001\",\"text\":\"天麻怎么种\",\"id\":42}", 0, 0,
	    "+8613800000001", "天麻怎么种", "42", NULL, NULL },
	{ "missing from", FORM, "text=hello", 0, 400, NULL, NULL, NULL, NULL, "missing field: from" },
	{ "missing text", FORM, "from=13800000001", 0, 400, NULL, NULL, NULL, NULL,
	    "missing field: text" },
	{ "empty text", FORM, "from=13800000001&text=", 0, 400, NULL, NULL, NULL, NULL,
	    "text is empty" },
	{ "blank text", FORM, "from=13800000001&text=+%E3%80%80+", 0, 400, NULL, NULL, NULL, NULL,
	    "text is empty" },
	{ "not a phone number", FORM, "from=hello&text=hi", 0, 400, NULL, NULL, NULL, NULL,
	    "from: not a phone number" },
	{ "a 1,000-digit number", FORM,
	    "from=1234567890123456789012345678901234567890123456789012345678901234567890&text=hi",
	    0, 400, NULL, NULL, NULL, NULL, "from: not a phone number" },
	{ "invalid UTF-8", FORM, "from=13800000001&text=%FF%FE", 0, 400, NULL, NULL, NULL, NULL,
	    "not valid UTF-8" },
	{ "NUL in the text", FORM, "from=13800000001&text=a%00b", 0, 400, NULL, NULL, NULL, NULL,
	    "not valid UTF-8" },
	{ "NUL in the body", FORM, "from=13800000001&text=a\0b", 25, 400, NULL, NULL, NULL, NULL,
	    "NUL" },
	{ "field given twice", FORM, "from=13800000001&text=a&text=b", 0, 400, NULL, NULL, NULL,
	    NULL, "given twice" },
	{ "bad id", FORM, "from=13800000001&text=a&id=%0A", 0, 400, NULL, NULL, NULL, NULL, "id:" },
	{ "invalid JSON", JSON, "{\"from\":", 0, 400, NULL, NULL, NULL, NULL, "invalid JSON" },
	{ "JSON not an object", JSON, "[1,2]", 0, 400, NULL, NULL, NULL, NULL, "must be an object" },
	{ "JSON text not a string", JSON, "{\"from\":\"13800000001\",\"text\":5}", 0, 400, NULL, NULL,
	    NULL, NULL, "text must be a string" },
	{ "JSON with \\u0000", JSON, "{\"from\":\"13800000001\",\"text\":\"a\\u0000b\"}", 0, 400,
	    NULL, NULL, NULL, NULL, "invalid JSON" },
	{ "JSON duplicate key", JSON, "{\"from\":\"13800000001\",\"text\":\"a\",\"text\":\"b\"}", 0,
	    400, NULL, NULL, NULL, NULL, "invalid JSON" },
	{ "JSON nested deep", JSON, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1", 0,
	    400, NULL, NULL, NULL, NULL, "invalid JSON" },
	{ "SQL in the text is just text", FORM,
	    "from=13800000001&text=%27%3B+DROP+TABLE+messages%3B--+%25s%25n", 0, 0,
	    "+8613800000001", "'; DROP TABLE messages;-- %s%n", NULL, NULL, NULL },
	{ "wrong content type", "text/plain", "from=1&text=2", 0, 415, NULL, NULL, NULL, NULL,
	    "Content-Type" },
	{ "no content type", NULL, "from=1&text=2", 0, 415, NULL, NULL, NULL, NULL, "Content-Type" },
};

static void
test_inbound_requests_parse_or_fail_as_the_table_says(void **state)
{
	struct gw_inbound in;
	char reason[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct inbound_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->body);
		int status;

		reason[0] = '\0';
		status = gw_inbound_parse(c->content_type, c->body, len, 2000, &in, reason,
		    sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			assert_string_equal(in.msg.from, c->from);
			assert_string_equal(in.msg.text, c->text);
			assert_string_equal(in.msg.provider, "http");
			if (c->id)
				assert_string_equal(in.msg.provider_id, c->id);
			else
				assert_null(in.msg.provider_id);
			if (c->to)
				assert_string_equal(in.msg.to, c->to);
		} else if (strstr(reason, c->reason) == NULL) {
			fail_msg("%s: reason \"%s\", want \"%s\"", c->name, reason, c->reason);
		}
		gw_inbound_free(&in);
	}
}

static void
test_text_over_the_limit_is_refused_and_at_the_limit_accepted(void **state)
{
	struct gw_inbound in;
	char reason[256], *body;
	size_t n = strlen("from=13800000001&text="), i;

	(void)state;
	body = malloc(n + 2001 * 3 + 1);
	memcpy(body, "from=13800000001&text=", n);
	for (i = 0; i < 2000; i++)
		memcpy(body + n + i * 3, "鸡", 3);
	body[n + 2000 * 3] = '\0';
	assert_int_equal(gw_inbound_parse(FORM, body, strlen(body), 2000, &in, reason,
	    sizeof(reason)), 0);
	gw_inbound_free(&in);
	memcpy(body + n + 2000 * 3, "鸡", 4);
	assert_int_equal(gw_inbound_parse(FORM, body, strlen(body), 2000, &in, reason,
	    sizeof(reason)), 400);
	assert_non_null(strstr(reason, "longer than 2000 characters"));
	gw_inbound_free(&in);
	free(body);
}

static void
test_too_many_fields_are_refused(void **state)
{
	struct gw_inbound in;
	char reason[256], body[2000] = "from=13800000001&text=a";
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		strcat(body, "&x=1");
	assert_int_equal(gw_inbound_parse(FORM, body, strlen(body), 2000, &in, reason,
	    sizeof(reason)), 400);
	assert_non_null(strstr(reason, "form fields"));
	gw_inbound_free(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_requests_parse_or_fail_as_the_table_says),
		cmocka_unit_test(test_text_over_the_limit_is_refused_and_at_the_limit_accepted),
		cmocka_unit_test(test_too_many_fields_are_refused),
	};

	return cmocka_run_group_tests_name("inbound", tests, NULL, NULL);
}
