/*
 * The farmer command parser, table-driven, on normalized text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "consult/farmer_command.h"

#include <string.h>

#define JI8 "鸡鸡鸡鸡鸡鸡鸡鸡"

static void
test_farmer_commands_parse_as_the_table_says(void **state)
{
	static const struct {
		const char *text;	/* as route_normalize leaves it */
		enum farmer_cmd_kind kind;
		int rating;
		const char *arg;
	} cases[] = {
		{ "帮助", FCMD_HELP, 0, "" },
		{ "help", FCMD_HELP, 0, "" },
		{ "帮助。", FCMD_HELP, 0, "" },
		{ "?", FCMD_HELP, 0, "" },
		{ "帮助我看看玉米", FCMD_TEXT, 0, "" },
		{ "查询", FCMD_QUERY, 0, "" },
		{ "cx", FCMD_QUERY, 0, "" },
		{ "查询一下", FCMD_QUERY, 0, "" },
		{ "帮 助", FCMD_HELP, 0, "" },
		{ "退订", FCMD_STOP, 0, "" },
		{ "td", FCMD_STOP, 0, "" },
		{ "stop!", FCMD_STOP, 0, "" },
		{ "退订 畜牧", FCMD_UNSUBSCRIBE, 0, "畜牧" },
		{ "取消订阅 家禽。", FCMD_UNSUBSCRIBE, 0, "家禽" },
		{ "订阅", FCMD_SUBSCRIBE, 0, "" },
		{ "订阅 畜牧", FCMD_SUBSCRIBE, 0, "畜牧" },
		{ "订阅livestock", FCMD_SUBSCRIBE, 0, "livestock" },
		{ "登记 舜山镇 六郎村", FCMD_REGISTER, 0, "舜山镇 六郎村" },
		{ "登记舜山镇六郎村", FCMD_REGISTER, 0, "舜山镇六郎村" },
		{ "5", FCMD_RATING, 5, "" },
		{ "1", FCMD_RATING, 1, "" },
		{ "4分", FCMD_RATING, 4, "" },
		{ "5星!", FCMD_RATING, 5, "" },
		{ "满意", FCMD_RATING, 4, "" },
		{ "很满意", FCMD_RATING, 5, "" },
		{ "一般般", FCMD_RATING, 3, "" },
		{ "很一般。", FCMD_RATING, 3, "" },
		{ "非常满意!!", FCMD_RATING, 5, "" },
		{ "一般", FCMD_RATING, 3, "" },
		{ "不满意", FCMD_RATING, 2, "" },
		{ "很不满意。", FCMD_RATING, 1, "" },
		{ "6", FCMD_TEXT, 0, "" },
		{ "0", FCMD_TEXT, 0, "" },
		{ "55", FCMD_TEXT, 0, "" },
		{ "满意吗", FCMD_TEXT, 0, "" },
		{ "鹅苗死亡很多怎么办", FCMD_TEXT, 0, "" },
		{ "", FCMD_TEXT, 0, "" },
		/* An argument longer than arg is cut between characters, not inside one (found
		 * by fuzz/fuzz_farmer_command.c): 64 鸡 are 192 bytes, 63 fit. */
		{ "订阅 " JI8 JI8 JI8 JI8 JI8 JI8 JI8 JI8, FCMD_SUBSCRIBE, 0,
		    JI8 JI8 JI8 JI8 JI8 JI8 JI8 "鸡鸡鸡鸡鸡鸡鸡" },
		{ "登记 " "鸡é" JI8 JI8 JI8 JI8 JI8 JI8 JI8 JI8, FCMD_REGISTER, 0,
		    "鸡é" JI8 JI8 JI8 JI8 JI8 JI8 JI8 "鸡鸡鸡鸡鸡鸡" },
	};
	struct farmer_cmd cmd;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		farmer_cmd_parse(cases[i].text, &cmd);
		if (cmd.kind != cases[i].kind || cmd.rating != cases[i].rating ||
		    strcmp(cmd.arg, cases[i].arg) != 0)
			fail_msg("\"%s\": kind %d rating %d arg \"%s\"", cases[i].text, cmd.kind,
			    cmd.rating, cmd.arg);
	}
}

static void
test_query_with_a_ticket_names_it(void **state)
{
	static const struct {
		const char *text;
		long long ticket;	/* 0: not a query of one ticket */
	} cases[] = {
		{ "查询 12", 12 }, { "查询12", 12 }, { "查询#12", 12 }, { "cx 12。", 12 },
		{ "查12", 12 }, { "查询q7", 7 }, { "查询", 0 }, { "查询 0", 0 }, { "查询 12号", 0 },
		{ "查询一下", 0 },
	};
	struct farmer_cmd cmd;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		farmer_cmd_parse(cases[i].text, &cmd);
		if (cmd.ticket != cases[i].ticket ||
		    (cases[i].ticket && cmd.kind != FCMD_QUERY))
			fail_msg("\"%s\": kind %d ticket %lld", cases[i].text, cmd.kind, cmd.ticket);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_farmer_commands_parse_as_the_table_says),
		cmocka_unit_test(test_query_with_a_ticket_names_it),
	};

	return cmocka_run_group_tests_name("farmer_command", tests, NULL, NULL);
}
