/*
 * The string helpers in common/: the capped buffer, lists of names, cutting UTF-8 between
 * characters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/text.h"
#include "common/utf8.h"

#include <stdlib.h>
#include <string.h>

static void
test_a_buffer_refuses_what_passes_its_cap_and_keeps_what_it_had(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_str(&b, "鸡鸭"), 0);		/* 6 bytes */
	assert_int_equal(buf_str(&b, "鹅"), -1);		/* 9 > 8 */
	assert_true(b.toobig);
	assert_string_equal(buf_text(&b), "鸡鸭");
	assert_int_equal(buf_printf(&b, "%d", 42), 0);
	s = buf_take(&b);
	assert_string_equal(s, "鸡鸭42");
	free(s);
	assert_string_equal(buf_text(&b), "");
	s = buf_take(&b);
	assert_string_equal(s, "");
	free(s);
	buf_free(&b);
}

static void
test_a_long_text_is_ellipsized_between_characters(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_ellipsized(&b, "鹅苗死亡很多怎么办", 5);
	assert_string_equal(buf_text(&b), "鹅苗死亡…");
	buf_free(&b);
	buf_ellipsized(&b, "鹅苗", 5);
	assert_string_equal(buf_text(&b), "鹅苗");
	buf_free(&b);
}

static void
test_names_join_as_far_as_they_fit_and_say_there_are_more(void **state)
{
	static const char *const names[] = { "家禽", "畜牧", "果树茶叶", "蔬菜" };
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(text_join(&b, names, 4, 0, "等"), 4);
	assert_string_equal(buf_text(&b), "家禽、畜牧、果树茶叶、蔬菜");
	buf_free(&b);
	/* 家禽、畜牧 is 5 characters; 、果树茶叶 would make 10 */
	assert_int_equal(text_join(&b, names, 4, 9, "等"), 2);
	assert_string_equal(buf_text(&b), "家禽、畜牧等");
	buf_free(&b);
}

static void
test_utf8_is_cut_and_skipped_by_whole_characters(void **state)
{
	const char *s = "鸡a鸭";

	(void)state;
	assert_int_equal(utf8_chars(s), 3);
	assert_int_equal(utf8_floor(s, 2), 0);		/* inside 鸡 */
	assert_int_equal(utf8_floor(s, 4), 4);		/* after a */
	assert_int_equal(utf8_floor(s, 5), 4);		/* inside 鸭 */
	assert_string_equal(utf8_skip(s, 2), "鸭");
	assert_true(utf8_valid(s, strlen(s)));
	assert_false(utf8_valid("\xe9\xb8", 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_buffer_refuses_what_passes_its_cap_and_keeps_what_it_had),
		cmocka_unit_test(test_a_long_text_is_ellipsized_between_characters),
		cmocka_unit_test(test_names_join_as_far_as_they_fit_and_say_there_are_more),
		cmocka_unit_test(test_utf8_is_cut_and_skipped_by_whole_characters),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
