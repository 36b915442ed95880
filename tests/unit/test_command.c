/*
 * The expert and staff command parser, table-driven: text in, command out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "experts/command.h"

#include <stdio.h>
#include <string.h>

struct command_case {
	const char *text;
	enum expert_cmd_kind kind;
	int64_t ticket;
	int marked;
	const char *arg;	/* the argument as the person wrote it, or NULL */
	const char *phone;
};

static const struct command_case cases[] = {
	{ "1024 建议先隔离病鹅……", ECMD_ANSWER, 1024, 1, "建议先隔离病鹅……", NULL },
	{ "1024建议先隔离病鹅", ECMD_PLAIN, 0, 0, "1024建议先隔离病鹅", NULL },
	{ "#1024 建议", ECMD_ANSWER, 1024, 1, "建议", NULL },
	{ "＃１０２４　建议", ECMD_ANSWER, 1024, 1, "建议", NULL },
	{ "Q1024：建议", ECMD_ANSWER, 1024, 1, "建议", NULL },
	{ "q1024,建议", ECMD_ANSWER, 1024, 1, "建议", NULL },
	{ "  1024  建议多通风  ", ECMD_ANSWER, 1024, 1, "建议多通风", NULL },
	{ "3天后再打一次药", ECMD_PLAIN, 0, 0, "3天后再打一次药", NULL },
	{ "15天后再补一次药", ECMD_PLAIN, 0, 0, "15天后再补一次药", NULL },
	{ "67.鳃病用硫酸铜", ECMD_PLAIN, 0, 0, "67.鳃病用硫酸铜", NULL },
	{ "1.5克拌料", ECMD_PLAIN, 0, 0, "1.5克拌料", NULL },
	{ "15 天后再补一次药", ECMD_ANSWER, 15, 1, "天后再补一次药", NULL },
	{ "15：天后再补", ECMD_ANSWER, 15, 1, "天后再补", NULL },
	{ "15、建议", ECMD_ANSWER, 15, 1, "建议", NULL },
	{ "1024。", ECMD_BAD, 1024, 1, NULL, NULL },
	{ "1024", ECMD_BAD, 1024, 0, NULL, NULL },
	{ "#", ECMD_BAD, 0, 0, NULL, NULL },
	{ "#abc", ECMD_BAD, 0, 0, NULL, NULL },
	{ "建议先隔离病鹅", ECMD_PLAIN, 0, 0, "建议先隔离病鹅", NULL },
	{ "quick answer", ECMD_PLAIN, 0, 0, "quick answer", NULL },
	{ "转1024", ECMD_PASS, 1024, 1, NULL, NULL },
	{ "转 #1024", ECMD_PASS, 1024, 1, NULL, NULL },
	{ "轉1024", ECMD_PASS, 1024, 1, NULL, NULL },
	{ "PASS 1024", ECMD_PASS, 1024, 1, NULL, NULL },
	{ "pass", ECMD_PASS, 0, 0, NULL, NULL },
	{ "转", ECMD_PASS, 0, 0, NULL, NULL },
	{ "转 abc", ECMD_BAD, 0, 0, NULL, NULL },
	{ "转基因玉米可以种", ECMD_PLAIN, 0, 0, "转基因玉米可以种", NULL },
	{ "先转移到干燥的地方", ECMD_PLAIN, 0, 0, "先转移到干燥的地方", NULL },
	{ "转交", ECMD_PASS, 0, 0, NULL, NULL },
	{ "转交69", ECMD_PASS, 69, 1, NULL, NULL },
	{ "转交 #69，我不熟悉", ECMD_PASS, 69, 1, NULL, NULL },
	{ "转给别的专家吧", ECMD_PASS, 0, 0, NULL, NULL },
	{ "请转给其他专家", ECMD_PASS, 0, 0, NULL, NULL },
	{ "转给69", ECMD_PLAIN, 0, 0, "转给69", NULL },
	{ "转给农技站检测", ECMD_PLAIN, 0, 0, "转给农技站检测", NULL },
	{ "转6。", ECMD_PASS, 6, 1, NULL, NULL },
	{ "转 6 吧", ECMD_PASS, 6, 1, NULL, NULL },
	{ "Pass 6!", ECMD_PASS, 6, 1, NULL, NULL },
	{ "列表", ECMD_LIST, 0, 0, NULL, NULL },
	{ "LIST", ECMD_LIST, 0, 0, NULL, NULL },
	{ "ｌｉｓｔ ", ECMD_LIST, 0, 0, NULL, NULL },
	{ "列表？", ECMD_LIST, 0, 0, NULL, NULL },
	{ "列表一下", ECMD_LIST, 0, 0, NULL, NULL },
	{ "list please", ECMD_LIST, 0, 0, NULL, NULL },
	{ "查询", ECMD_LIST, 0, 0, NULL, NULL },
	{ "暂停", ECMD_OFF, 0, 0, NULL, NULL },
	{ "暫停", ECMD_OFF, 0, 0, NULL, NULL },
	{ "OFF", ECMD_OFF, 0, 0, NULL, NULL },
	{ "暂停。", ECMD_OFF, 0, 0, NULL, NULL },
	{ "Off.", ECMD_OFF, 0, 0, NULL, NULL },
	{ "我要暂停几天", ECMD_OFF, 0, 0, NULL, NULL },
	{ "暂停吧", ECMD_OFF, 0, 0, NULL, NULL },
	{ "OFF now", ECMD_OFF, 0, 0, NULL, NULL },
	{ "恢复", ECMD_ON, 0, 0, NULL, NULL },
	{ "on", ECMD_ON, 0, 0, NULL, NULL },
	{ "恢复接收！", ECMD_ON, 0, 0, NULL, NULL },
	{ "on again", ECMD_ON, 0, 0, NULL, NULL },
	{ "帮助", ECMD_HELP, 0, 0, NULL, NULL },
	{ "HELP!", ECMD_HELP, 0, 0, NULL, NULL },
	{ "？", ECMD_HELP, 0, 0, NULL, NULL },
	{ "幫助", ECMD_HELP, 0, 0, NULL, NULL },
	{ "关5 无具体问题", ECMD_CLOSE, 5, 1, "无具体问题", NULL },
	{ "CLOSE #5", ECMD_CLOSE, 5, 1, "", NULL },
	{ "关闭 5，重复提问。", ECMD_CLOSE, 5, 1, "重复提问", NULL },
	{ "关", ECMD_BAD, 0, 0, NULL, NULL },
	{ "关好门窗注意保暖", ECMD_PLAIN, 0, 0, "关好门窗注意保暖", NULL },
	{ "关闭通风口", ECMD_PLAIN, 0, 0, "关闭通风口", NULL },
	{ "不会", ECMD_BAD, 0, 0, NULL, NULL },
	{ "这个我不懂。", ECMD_BAD, 0, 0, NULL, NULL },
	{ "不清楚病因，建议送检", ECMD_PLAIN, 0, 0, "不清楚病因，建议送检", NULL },
	{ "分1024 家禽", ECMD_ROUTE, 1024, 1, "家禽", NULL },
	{ "ROUTE #1024 poultry", ECMD_ROUTE, 1024, 1, "poultry", NULL },
	{ "分 1024", ECMD_BAD, 1024, 0, NULL, NULL },
	{ "分两次施肥效果好", ECMD_PLAIN, 0, 0, "分两次施肥效果好", NULL },
	{ "代13800000001 鹅苗死亡怎么办", ECMD_FOR, 0, 0, "鹅苗死亡怎么办", "13800000001" },
	{ "FOR +86 138-0000-0001 玉米倒伏", ECMD_FOR, 0, 0, "玉米倒伏", "+86138-0000-0001" },
	{ "代 138 0000 0001 3天前开始拉稀", ECMD_FOR, 0, 0, "3天前开始拉稀", "13800000001" },
	{ "代13800000001", ECMD_BAD, 0, 0, NULL, NULL },
	{ "代谢病怎么治", ECMD_PLAIN, 0, 0, "代谢病怎么治", NULL },
	{ "99999999999999999999 答复", ECMD_PLAIN, 0, 0, "99999999999999999999 答复", NULL },
	/* A bare keyword, or an English keyword with more words, is a command in the wrong form. */
	{ "分", ECMD_BAD, 0, 0, NULL, NULL },
	{ "代", ECMD_BAD, 0, 0, NULL, NULL },
	{ "OFF the feed", ECMD_BAD, 0, 0, NULL, NULL },
	{ "list the symptoms", ECMD_BAD, 0, 0, NULL, NULL },
	/* ...but words that only begin like one are text, and Chinese text after 暂停 an answer. */
	{ "offer more water", ECMD_PLAIN, 0, 0, "offer more water", NULL },
	{ "only vaccinate once", ECMD_PLAIN, 0, 0, "only vaccinate once", NULL },
	{ "暂停喂料两天", ECMD_PLAIN, 0, 0, "暂停喂料两天", NULL },
	{ "分3次喂药，隔离病猪", ECMD_ROUTE, 3, 1, "次喂药，隔离病猪", NULL },
	{ "分 5 蔬菜。", ECMD_ROUTE, 5, 1, "蔬菜", NULL },
	{ "收到，建议先隔离", ECMD_PLAIN, 0, 0, "收到，建议先隔离", NULL },
	{ "好好保温就行", ECMD_PLAIN, 0, 0, "好好保温就行", NULL },
};

static void
test_commands_parse_as_the_table_says(void **state)
{
	struct expert_cmd cmd;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct command_case *c = &cases[i];

		expert_cmd_parse(c->text, &cmd);
		if (cmd.kind != c->kind || cmd.ticket != c->ticket)
			fail_msg("\"%s\": kind %d ticket %lld, want kind %d ticket %lld", c->text,
			    cmd.kind, (long long)cmd.ticket, c->kind, (long long)c->ticket);
		if (c->kind == ECMD_ANSWER && cmd.ticket_marked != c->marked)
			fail_msg("\"%s\": marked %d, want %d", c->text, cmd.ticket_marked, c->marked);
		if (c->arg) {
			char arg[256];

			snprintf(arg, sizeof(arg), "%.*s", (int)cmd.arg_len, c->text + cmd.arg_off);
			if (strcmp(arg, c->arg) != 0)
				fail_msg("\"%s\": argument \"%s\", want \"%s\"", c->text, arg, c->arg);
		}
		if (c->phone && strcmp(cmd.phone, c->phone) != 0)
			fail_msg("\"%s\": phone \"%s\", want \"%s\"", c->text, cmd.phone, c->phone);
		if (c->kind == ECMD_BAD && cmd.usage == NULL)
			fail_msg("\"%s\": a malformed command must carry its usage", c->text);
	}
}

static void
test_malformed_commands_show_the_right_form(void **state)
{
	struct expert_cmd cmd;

	(void)state;
	expert_cmd_parse("分 1024", &cmd);
	assert_string_equal(cmd.usage, USAGE_ROUTE);
	expert_cmd_parse("1024", &cmd);
	assert_string_equal(cmd.usage, USAGE_ANSWER);
	expert_cmd_parse("代 13800000001", &cmd);
	assert_string_equal(cmd.usage, USAGE_FOR);
	expert_cmd_parse("转 abc", &cmd);
	assert_string_equal(cmd.usage, USAGE_PASS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_parse_as_the_table_says),
		cmocka_unit_test(test_malformed_commands_show_the_right_form),
	};

	return cmocka_run_group_tests_name("command", tests, NULL, NULL);
}
