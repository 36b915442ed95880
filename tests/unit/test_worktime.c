/*
 * Quiet hours and working time, in Asia/Shanghai, on fixed instants.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/worktime.h"

#include <stdlib.h>
#include <time.h>

#define MIN 60000LL
#define HOUR (60 * MIN)

/* 2026-11-20 HH:MM in Asia/Shanghai (UTC+8), as UTC ms. */
static int64_t
at(int day, int hh, int mm)
{
	/* 2026-11-20 00:00 +08:00 = 2026-11-19 16:00 UTC = 1795104000 s */
	return (1795104000LL + (int64_t)(day - 20) * 86400 + hh * 3600 + mm * 60) * 1000;
}

static const struct quiet_hours night = { 22 * 60, 7 * 60 };

static void
test_quiet_hours_cover_the_night_across_midnight(void **state)
{
	(void)state;
	assert_false(quiet_active(&night, at(20, 12, 0)));
	assert_false(quiet_active(&night, at(20, 21, 59)));
	assert_true(quiet_active(&night, at(20, 22, 0)));
	assert_true(quiet_active(&night, at(20, 23, 30)));
	assert_true(quiet_active(&night, at(21, 0, 30)));
	assert_true(quiet_active(&night, at(21, 6, 59)));
	assert_false(quiet_active(&night, at(21, 7, 0)));
}

static void
test_a_notice_held_at_night_goes_out_at_seven(void **state)
{
	(void)state;
	assert_int_equal(quiet_release(&night, at(20, 23, 30)), at(21, 7, 0));
	assert_int_equal(quiet_release(&night, at(21, 3, 0)), at(21, 7, 0));
	assert_int_equal(quiet_release(&night, at(21, 9, 0)), at(21, 9, 0));
}

static void
test_the_night_does_not_count_against_the_expert(void **state)
{
	(void)state;
	/* Assigned 21:50, looked at 07:10: twenty minutes of working time. */
	assert_int_equal(work_elapsed(&night, at(20, 21, 50), at(21, 7, 10)), 20 * MIN);
	/* A whole day and night: 15 working hours. */
	assert_int_equal(work_elapsed(&night, at(20, 7, 0), at(21, 7, 0)), 15 * HOUR);
	assert_int_equal(work_elapsed(&night, at(20, 23, 0), at(21, 6, 0)), 0);
	assert_int_equal(work_elapsed(&night, at(20, 9, 0), at(20, 11, 0)), 2 * HOUR);
	/* A two-hour reminder for a question assigned at 21:30 falls at 08:30. */
	assert_int_equal(work_deadline(&night, at(20, 21, 30), 2 * HOUR), at(21, 8, 30));
	assert_int_equal(work_deadline(&night, at(20, 23, 0), 2 * HOUR), at(21, 9, 0));
	assert_int_equal(work_deadline(&night, at(20, 9, 0), 2 * HOUR), at(20, 11, 0));
	/* Eight working hours from 18:00 spill over two nights' edge: 4h + 4h. */
	assert_int_equal(work_deadline(&night, at(20, 18, 0), 8 * HOUR), at(21, 11, 0));
}

static void
test_quiet_hours_within_a_day_and_none_at_all(void **state)
{
	const struct quiet_hours lunch = { 12 * 60, 13 * 60 }, none = { 0, 0 };

	(void)state;
	assert_true(quiet_active(&lunch, at(20, 12, 30)));
	assert_false(quiet_active(&lunch, at(20, 13, 0)));
	assert_int_equal(work_elapsed(&lunch, at(20, 11, 0), at(20, 14, 0)), 2 * HOUR);
	assert_int_equal(work_deadline(&lunch, at(20, 11, 30), HOUR), at(20, 13, 30));
	assert_false(quiet_active(&none, at(20, 23, 0)));
	assert_int_equal(work_elapsed(&none, at(20, 21, 0), at(21, 7, 0)), 10 * HOUR);
	assert_int_equal(quiet_release(&none, at(20, 23, 0)), at(20, 23, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_hours_cover_the_night_across_midnight),
		cmocka_unit_test(test_a_notice_held_at_night_goes_out_at_seven),
		cmocka_unit_test(test_the_night_does_not_count_against_the_expert),
		cmocka_unit_test(test_quiet_hours_within_a_day_and_none_at_all),
	};

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	return cmocka_run_group_tests_name("worktime", tests, NULL, NULL);
}
