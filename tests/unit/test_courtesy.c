/*
 * route_is_courtesy(): greetings, thanks, acknowledgements, punctuation and emoji alone are
 * courtesy; anything with a question or an answer in it is not. Each text goes through
 * route_normalize() first, as it does in farmline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "routing/courtesy.h"
#include "routing/normalize.h"

#include <stdio.h>
#include <stdlib.h>

struct courtesy_case {
	const char *text;
	int courtesy;
};

static const struct courtesy_case cases[] = {
	/* greetings */
	{ "在吗", 1 },
	{ "在吗？", 1 },
	{ "在吗在吗？？", 1 },
	{ "在不在", 1 },
	{ "专家在吗", 1 },
	{ "有人吗?", 1 },
	{ "你好", 1 },
	{ "您好！", 1 },
	{ "你好，专家", 1 },
	{ "喂", 1 },
	{ "喂喂喂", 1 },
	{ "hello", 1 },
	{ "Hello!", 1 },
	{ "HI", 1 },
	{ "hi there", 0 },
	{ "早上好", 1 },
	{ "晚上好～", 1 },
	{ "老师好", 1 },
	/* thanks */
	{ "谢谢", 1 },
	{ "谢谢！", 1 },
	{ "谢谢谢谢", 1 },
	{ "謝謝", 1 },
	{ "多谢", 1 },
	{ "感谢", 1 },
	{ "谢谢专家", 1 },
	{ "谢谢专家！👍", 1 },
	{ "非常感谢您", 1 },
	{ "谢谢啦", 1 },
	{ "Thanks", 1 },
	{ "thank you", 1 },
	/* acknowledgements */
	{ "好的", 1 },
	{ "好的好的", 1 },
	{ "好", 1 },
	{ "收到", 1 },
	{ "收到，谢谢", 1 },
	{ "ok", 1 },
	{ "ＯＫ", 1 },
	{ "OK!", 1 },
	{ "嗯", 1 },
	{ "嗯嗯", 1 },
	{ "哦", 1 },
	{ "知道了", 1 },
	{ "明白了，谢谢老师", 1 },
	{ "好的呀", 1 },
	/* punctuation, emoji, nothing */
	{ "？？？", 1 },
	{ "???", 1 },
	{ "。。。!!", 1 },
	{ "……", 1 },
	{ "🐔🐔🐔", 1 },
	{ "👍", 1 },
	{ "👍🏻", 1 },
	{ "❤️", 1 },
	{ "", 1 },
	{ "   ", 1 },
	/* content */
	{ "谢谢，鸡还是拉稀", 0 },
	{ "你好，玉米叶子发黄怎么办", 0 },
	{ "在吗？我家的猪不吃食", 0 },
	{ "好多鸡死了", 0 },
	{ "好不好", 0 },
	{ "在家", 0 },
	{ "早疫病怎么治", 0 },
	{ "可以用什么药", 0 },
	{ "老师", 0 },
	{ "专家", 0 },
	{ "啊", 0 },
	{ "5", 0 },
	{ "谢谢 5", 0 },
	{ "满意", 0 },
	{ "1024 用多菌灵", 0 },
	{ "转35。", 0 },
	{ "暂停。", 0 },
	{ "帮助", 0 },
	{ "help", 0 },
	{ "鸡🐔拉稀", 0 },
	{ "ok，明天打药吗", 0 },
	{ "hive", 0 },
};

static int
setup(void **state)
{
	struct route_norm *n = NULL;
	char err[256];

	if (route_norm_open(&n, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = n;
	return 0;
}

static int
teardown(void **state)
{
	route_norm_close(*state);
	return 0;
}

static void
test_courtesy_table_after_normalization(void **state)
{
	struct route_norm *n = *state;
	size_t i, wrong = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *norm = route_normalize(n, cases[i].text);
		int got;

		assert_non_null(norm);
		got = route_is_courtesy(norm);
		if (got != cases[i].courtesy) {
			fprintf(stderr, "\"%s\" (normalized \"%s\"): courtesy %d, expected %d\n",
			    cases[i].text, norm, got, cases[i].courtesy);
			wrong++;
		}
		free(norm);
	}
	assert_int_equal(wrong, 0);
}

/* The table is long enough to mean something, and has both answers in it. */
static void
test_courtesy_table_covers_both_answers(void **state)
{
	size_t i, yes = 0, no = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].courtesy)
			yes++;
		else
			no++;
	}
	assert_true(yes >= 40);
	assert_true(no >= 20);
}

/* Text cut inside a character is read up to its end and no further (it is not courtesy). */
static void
test_courtesy_of_text_cut_inside_a_character(void **state)
{
	(void)state;
	assert_int_equal(route_is_courtesy("\xe8\xb0"), 0);		/* 谢, two of three bytes */
	assert_int_equal(route_is_courtesy("谢谢\xf0\x9f\x91"), 0);	/* 👍 cut short */
	assert_int_equal(route_is_courtesy("谢谢👍"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_courtesy_table_after_normalization),
		cmocka_unit_test(test_courtesy_table_covers_both_answers),
		cmocka_unit_test(test_courtesy_of_text_cut_inside_a_character),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
