/*
 * Logs never show a whole phone number, even one inside a provider's error text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"

#include <stdio.h>
#include <string.h>

static void
test_phone_numbers_in_a_line_are_masked(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "The 'To' number +8613800000001 is not valid", "The 'To' number +861****0001 is not valid" },
		{ "to 13800000001, 13900000002.", "to 138****0001, 139****0002." },
		{ "+15005550006", "+150****0006" },
		{ "message 1024 of 20181231", "message 1024 of 20181231" },	/* 8 digits: kept */
		{ "加我vx13800000001", "加我vx138****0001" },	/* inside a word too */
		{ "sid SM12345678901234567890", "sid SM123****7890" },	/* better masked than not */
		{ "13800000001123456", "138****3456" },		/* a number run into others */
		{ "", "" },
	};
	char line[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "%s", cases[i].in);
		log_mask_numbers(line);
		if (strcmp(line, cases[i].out) != 0)
			fail_msg("\"%s\" → \"%s\", want \"%s\"", cases[i].in, line, cases[i].out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_numbers_in_a_line_are_masked),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
