/*
 * SMS text rules: UTF-8 checks, GSM-7 or UCS-2, segment counts; phone numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/phone.h"
#include "common/sms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
repeat(const char *unit, int n)
{
	size_t len = strlen(unit);
	char *s = malloc(len * (size_t)n + 1);
	int i;

	for (i = 0; i < n; i++)
		memcpy(s + len * (size_t)i, unit, len);
	s[len * (size_t)n] = '\0';
	return s;
}

struct seg_case {
	const char *unit;
	int times;
	enum sms_coding coding;
	int units;
	int segments;
};

static const struct seg_case seg_cases[] = {
	{ "a", 160, SMS_GSM7, 160, 1 },
	{ "a", 161, SMS_GSM7, 161, 2 },
	{ "a", 306, SMS_GSM7, 306, 2 },
	{ "a", 307, SMS_GSM7, 307, 3 },
	{ "€", 80, SMS_GSM7, 160, 1 },		/* extension table: two septets each */
	{ "{", 81, SMS_GSM7, 162, 2 },
	{ "鸡", 70, SMS_UCS2, 70, 1 },
	{ "鸡", 71, SMS_UCS2, 71, 2 },
	{ "鸡", 134, SMS_UCS2, 134, 2 },
	{ "鸡", 135, SMS_UCS2, 135, 3 },
	{ "😀", 35, SMS_UCS2, 70, 1 },		/* a surrogate pair is two units */
	{ "😀", 36, SMS_UCS2, 72, 2 },
	{ "é", 10, SMS_GSM7, 10, 1 },		/* é is in the GSM basic table */
	{ "ê", 10, SMS_UCS2, 10, 1 },		/* ê is not */
};

static void
test_segments_follow_gsm7_and_ucs2_limits(void **state)
{
	struct sms_count c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(seg_cases) / sizeof(seg_cases[0]); i++) {
		char *text = repeat(seg_cases[i].unit, seg_cases[i].times);

		sms_count(text, &c);
		if (c.coding != seg_cases[i].coding || c.units != seg_cases[i].units ||
		    c.segments != seg_cases[i].segments)
			fail_msg("%d x %s: coding %d units %d segments %d", seg_cases[i].times,
			    seg_cases[i].unit, c.coding, c.units, c.segments);
		free(text);
	}
	assert_int_equal(sms_segments("【科技扶贫在线】已收到您的问题"), 1);
}

static void
test_utf8_validation_rejects_malformed_text(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		int valid;
	} cases[] = {
		{ "鹅苗死亡", 12, 1 },
		{ "abc", 3, 1 },
		{ "\xe9\xb9", 2, 0 },		/* cut in the middle of a character */
		{ "\xc0\xaf", 2, 0 },		/* overlong */
		{ "\xed\xa0\x80", 3, 0 },	/* a surrogate */
		{ "\xf4\x90\x80\x80", 4, 0 },	/* past U+10FFFF */
		{ "a\0b", 3, 0 },		/* NUL */
		{ "\xff", 1, 0 },
		{ "\xf0\x9f\x98\x80", 4, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (utf8_valid(cases[i].s, cases[i].len) != cases[i].valid)
			fail_msg("case %zu: want %d", i, cases[i].valid);
	}
	assert_int_equal(utf8_chars("鹅苗a"), 3);
}

static void
test_phone_numbers_normalize_to_e164(void **state)
{
	static const struct {
		const char *in;
		const char *out;	/* NULL: not a phone number */
	} cases[] = {
		{ "+8613800000001", "+8613800000001" },
		{ "13800000001", "+8613800000001" },
		{ "8613800000001", "+8613800000001" },
		{ "008613800000001", "+8613800000001" },
		{ "138-0000-0001", "+8613800000001" },
		{ " +86 138 0000 0001", "+8613800000001" },
		{ "+254712345678", "+254712345678" },
		{ "0871-6543210", "+868716543210" },
		{ "1380000000", NULL },		/* a mobile number one digit short */
		{ "138000000012", NULL },
		{ "12345", NULL },
		{ "", NULL },
		{ "+", NULL },
		{ "abc", NULL },
		{ "138OOOOOOO1", NULL },
		{ "1234567890123456789012345678901234567890", NULL },
	};
	char out[PHONE_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = phone_normalize(cases[i].in, out, sizeof(out));

		if (cases[i].out == NULL && rc == 0)
			fail_msg("\"%s\" accepted as %s", cases[i].in, out);
		if (cases[i].out && (rc != 0 || strcmp(out, cases[i].out) != 0))
			fail_msg("\"%s\": want %s", cases[i].in, cases[i].out);
	}
}

static void
test_phone_numbers_are_masked(void **state)
{
	char out[32];

	(void)state;
	phone_mask("+8613800000001", out, sizeof(out));
	assert_string_equal(out, "138****0001");
	phone_mask("+254712345678", out, sizeof(out));
	assert_string_equal(out, "254****5678");
	phone_mask("+8610086", out, sizeof(out));
	assert_string_equal(out, "****86");
}

static void
test_fitting_text_never_cuts_a_character(void **state)
{
	(void)state;
	/* 70 units of Chinese: 70 characters of 3 bytes. */
	assert_int_equal(sms_fit("鸡鸡鸡", SMS_UCS2, 2), 6);
	assert_int_equal(sms_fit("鸡鸡鸡", SMS_UCS2, 10), 9);
	/* A surrogate pair takes 2 units: it does not fit in 1. */
	assert_int_equal(sms_fit("a😀b", SMS_UCS2, 2), 1);
	assert_int_equal(sms_fit("a😀b", SMS_UCS2, 3), 5);
	/* A GSM escape (€) takes 2 septets. */
	assert_int_equal(sms_fit("ab€c", SMS_GSM7, 3), 2);
	assert_int_equal(sms_fit("ab€c", SMS_GSM7, 4), 5);
	assert_int_equal(sms_segment_units(SMS_UCS2, 1), 70);
	assert_int_equal(sms_segment_units(SMS_UCS2, 0), 67);
	assert_int_equal(sms_segment_units(SMS_GSM7, 0), 153);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments_follow_gsm7_and_ucs2_limits),
		cmocka_unit_test(test_utf8_validation_rejects_malformed_text),
		cmocka_unit_test(test_phone_numbers_normalize_to_e164),
		cmocka_unit_test(test_phone_numbers_are_masked),
		cmocka_unit_test(test_fitting_text_never_cuts_a_character),
	};

	return cmocka_run_group_tests_name("sms", tests, NULL, NULL);
}
