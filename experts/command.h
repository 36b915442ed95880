/*
 * What an expert, a triage staff member or an information commissioner means by an SMS.
 * Keywords come in Chinese (simplified or traditional) and English; full-width characters,
 * "#"/"Q" ticket prefixes and a missing space after the ticket are all accepted.
 */
#ifndef FL_COMMAND_H
#define FL_COMMAND_H

#include <stddef.h>
#include <stdint.h>

enum expert_cmd_kind {
	ECMD_ANSWER,	/* "1024 建议……": an answer to a ticket */
	ECMD_PLAIN,	/* text with no ticket: an answer if exactly one is open */
	ECMD_PASS,	/* "转 1024" / "PASS 1024" (ticket may be absent) */
	ECMD_LIST,	/* "列表" / "LIST" */
	ECMD_OFF,	/* "暂停" / "OFF" */
	ECMD_ON,	/* "恢复" / "ON" */
	ECMD_ROUTE,	/* "分 1024 poultry" / "ROUTE 1024 家禽" */
	ECMD_FOR,	/* "代 13800000001 问题" / "FOR …": a commissioner asks for a farmer */
	ECMD_NOTED,	/* "收到" / "好的" / "OK": the notice was read; not an answer */
	ECMD_BAD,	/* a command in the wrong form: usage says the right one */
};

struct expert_cmd {
	enum expert_cmd_kind kind;
	int64_t ticket;		/* 0 when none was given */
	int ticket_marked;	/* the ticket had a "#"/"Q" prefix or a space after it */
	int arg_separated;	/* ECMD_ROUTE: a space (or comma…) came between ticket and category */
	/* The rest of the message (answer, question, category), an offset into the original
	 * text so that what is relayed is exactly what the person wrote. */
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

#endif
