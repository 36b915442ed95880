/*
 * What an expert, a triage staff member or an information commissioner means by an SMS.
 * Keywords come in Chinese (simplified or traditional) and English, in the loose forms people
 * type: full-width characters, a polite word before ("请转交") or after ("暂停吧", "list
 * please"), trailing punctuation or emoji ("转6。", "Off.", "列表？"). A ticket is "#N", "QN",
 * or a number followed by a space or a colon; "15天后" is text, not ticket 15.
 */
#ifndef FL_COMMAND_H
#define FL_COMMAND_H

#include <stddef.h>
#include <stdint.h>

enum expert_cmd_kind {
	ECMD_ANSWER,	/* "1024 建议……": an answer to a ticket */
	ECMD_PLAIN,	/* text with no ticket: an answer if exactly one is open */
	ECMD_PASS,	/* "转 1024" / "转交" / "PASS 1024" (ticket may be absent) */
	ECMD_LIST,	/* "列表" / "LIST" */
	ECMD_OFF,	/* "暂停" / "OFF" */
	ECMD_ON,	/* "恢复" / "ON" */
	ECMD_ROUTE,	/* "分 1024 poultry" / "ROUTE 1024 家禽" */
	ECMD_FOR,	/* "代 13800000001 问题" / "FOR …": a commissioner asks for a farmer */
	ECMD_HELP,	/* "帮助" / "HELP" / "?": the commands of the sender's role */
	ECMD_CLOSE,	/* "关 1024 无效" / "CLOSE 1024": close a ticket that is no question */
	ECMD_BAD,	/* a command in the wrong form: usage says the right one */
};

struct expert_cmd {
	enum expert_cmd_kind kind;
	int64_t ticket;		/* 0 when none was given */
	int ticket_marked;	/* the ticket had a "#"/"Q" prefix or a space after it */
	int arg_separated;	/* ECMD_ROUTE: a space (or comma…) came between ticket and category */
	/* The rest of the message (answer, question, category, reason), an offset into the
	 * original text so that what is relayed is exactly what the person wrote. For a
	 * category or a reason, trailing punctuation is left out. */
	size_t arg_off, arg_len;
	char phone[32];		/* ECMD_FOR: the farmer's number as written */
	const char *usage;	/* ECMD_BAD: the right form, in Chinese, to send back */
};

/* Parse valid UTF-8 text. Never fails: anything unrecognized is ECMD_PLAIN or ECMD_BAD. */
void expert_cmd_parse(const char *text, struct expert_cmd *out);

#define USAGE_ANSWER "回复格式：编号 答复内容，如“1024 建议先隔离病鹅”"
#define USAGE_PASS "转交格式：转 编号，如“转1024”"
#define USAGE_ROUTE "分诊格式：分 编号 类别，如“分1024 家禽”"
#define USAGE_FOR "代问格式：代 农户手机号 问题，如“代13800000001 鹅苗死亡怎么办”"
#define USAGE_DUTY "暂停接收新问题请只回“暂停”（OFF），恢复请只回“恢复”（ON）"
#define USAGE_LIST "查看待答问题请只回“列表”（LIST）"
#define USAGE_DECLINE "不便答复请回复“转 编号”转交其他专家；作答请回复“编号 答复内容”"
#define USAGE_HOLD "好的。想好后请回复“编号 答复内容”，农户只会收到这样发来的答复"
#define USAGE_CLOSE "关闭格式：关 编号 原因，如“关1024 无具体问题”"

#endif
