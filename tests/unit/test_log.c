/*
 * Logs never show a whole phone number, even one inside a provider's error text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/clock.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static int64_t fake_ms = 1700000000000LL;

static int64_t
fake_now(void)
{
	return fake_ms;
}

/* Run fn with stderr going to a file; what it wrote (caller frees). */
static char *
captured(void (*fn)(void))
{
	char path[] = "/tmp/farmline-log-XXXXXX", *text;
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	long n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	return text;
}

static int
count_of(const char *haystack, const char *needle)
{
	int n = 0;

	for (; (haystack = strstr(haystack, needle)) != NULL; haystack += strlen(needle))
		n++;
	return n;
}

static void
hundred_refusals_then_a_minute_later_one(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		log_warnx("http: POST sms/http refused with 400: missing \"%s\"", "text");
		if (i % 10 == 0)
			log_warnx("ingest: commit failed: %s", "database is locked");
	}
	fake_ms += 61000;
	log_warnx("http: POST sms/http refused with 400: missing \"%s\"", "from");
}

static void
test_a_repeated_warning_is_written_ten_times_a_minute_then_counted(void **state)
{
	char *out;

	(void)state;
	clock_set_source(fake_now);
	out = captured(hundred_refusals_then_a_minute_later_one);
	clock_set_source(NULL);
	/* Ten in the first minute, then the count of the 90 left out, then the new minute's. */
	assert_int_equal(count_of(out, "refused with 400"), LOG_BURST + 1 + 1);
	assert_int_equal(count_of(out, "suppressed 90 more line(s) like \"http: POST sms/http "
	    "refused"), 1);
	assert_int_equal(count_of(out, "missing \"from\""), 1);
	/* Another kind of warning has its own count: all ten written. */
	assert_int_equal(count_of(out, "commit failed"), 10);
	free(out);
}

static void
burst_under_one_key(void)
{
	int i;

	for (i = 0; i < 50; i++)
		log_warnk("a key of its own", "http: %s", i % 2 ? "Socket has been disconnected" :
		    "Server reached connection limit");
	fake_ms += 60000;
	log_flush_suppressed();
}

static void
test_warnings_under_one_key_share_a_count_and_the_flush_says_it(void **state)
{
	char *out;

	(void)state;
	clock_set_source(fake_now);
	out = captured(burst_under_one_key);
	clock_set_source(NULL);
	assert_int_equal(count_of(out, "http: "), LOG_BURST + 1);
	assert_int_equal(count_of(out, "suppressed 40 more line(s)"), 1);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_numbers_in_a_line_are_masked),
		cmocka_unit_test(test_a_repeated_warning_is_written_ten_times_a_minute_then_counted),
		cmocka_unit_test(test_warnings_under_one_key_share_a_count_and_the_flush_says_it),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
