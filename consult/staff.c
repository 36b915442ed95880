/*
 * What experts, triage staff and information commissioners mean by their SMS: answers,
 * passes, lists, duty changes, re-routes, questions asked for a farmer.
 */
#include "consult/consult_int.h"

#include "common/metrics.h"
#include "experts/command.h"
#include "gateway/phone.h"
#include "routing/classify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_LIST_MAX 10	/* tickets named in a list reply */

/* Staff replies: "rejected" results and their SMS. */
static enum store_rc FL_PRINTF(4, 5)
reject(struct consult *c, const struct store_expert *e, struct consult_result *res,
    const char *fmt, ...)
{
	char *text = NULL;
	enum store_rc rc;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	snprintf(res->action, sizeof(res->action), "rejected");
	rc = consult_queue(c, e->phone, "reply", res->ticket, SEND_NOW, "%s", text);
	free(text);
	return rc;
}

/* "#1024、#1025、#1030" for a list reply. */
static void
ticket_list(const int64_t *ids, int n, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && i < OPEN_LIST_MAX; i++) {
		int w = snprintf(buf + used, len - used, "%s#%lld", i ? "、" : "", (long long)ids[i]);

		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	if (n > OPEN_LIST_MAX && used + 8 < len)
		snprintf(buf + used, len - used, "等");
}

static enum store_rc
reply_open_list(struct consult *c, const struct store_expert *e, struct consult_result *res,
    const int64_t *ids, int n)
{
	char list[256];

	if (n == 0)
		return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "您目前没有待答的问题。");
	ticket_list(ids, n, list, sizeof(list));
	(void)res;
	return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "您有%d个待答问题：%s。请回复“编号 答复内容”，"
	    "如“%lld 建议……”。", n, list, (long long)ids[0]);
}

/* Relay e's answer (text[0..len)) to consultation con's farmer. */
static enum store_rc
relay_answer(struct consult *c, const struct store_expert *e, const struct store_consult *con,
    const char *text, size_t len, struct consult_result *res)
{
	struct store_expert comm;
	char masked[32];
	enum store_rc rc;

	rc = consult_queue(c, con->farmer_phone, "answer", con->id, SEND_NOW, "#%lld %s答复：%.*s",
	    (long long)con->id, e->name, (int)len, text);
	if (rc == STORE_OK && con->commissioner_id) {
		memset(&comm, 0, sizeof(comm));
		rc = store_expert_get(c->s, con->commissioner_id, &comm);
		if (rc == STORE_OK)
			rc = consult_queue(c, comm.phone, "copy", con->id, SEND_NOW,
			    "#%lld %s答复（抄送）：%.*s", (long long)con->id, e->name, (int)len, text);
		store_expert_free(&comm);
	}
	if (rc == STORE_OK) {
		metrics_count(M_ANSWERS, 1);
		if (con->first_answered_at == 0)
			metrics_observe(H_RESPONSE, (double)(c->now - con->created_at) / 1000.0);
		rc = store_consult_answered(c->s, con->id, e->id, c->now);
	}
	if (rc == STORE_OK) {
		char *answer = strndup(text, len);

		if (answer == NULL)
			abort();
		rc = store_event_add(c->s, con->id, c->now, "answered", e->id, answer);
		free(answer);
	}
	if (rc == STORE_OK) {
		consult_farmer_label(c, con->farmer_phone, masked, sizeof(masked));
		rc = consult_queue(c, e->phone, "confirm", con->id, SEND_NOW, "#%lld的答复已发给农户%s。",
		    (long long)con->id, masked);
	}
	snprintf(res->action, sizeof(res->action), "answer");
	res->ticket = con->id;
	log_info("consult: #%lld answered by expert %lld", (long long)con->id, (long long)e->id);
	return rc;
}

/*
 * May e answer con? Triage staff may answer anything; an expert may answer what is or was
 * given to them — a late answer after the question moved on is still an answer.
 */
static int
may_answer(struct consult *c, const struct store_expert *e, const struct store_consult *con)
{
	int had = 0;

	if (con->expert_id == e->id || e->role == ROLE_TRIAGE)
		return 1;
	return store_consult_had(c->s, con->id, e->id, &had) == STORE_OK && had;
}

static enum store_rc
cmd_answer(struct consult *c, const struct store_expert *e, const struct expert_cmd *cmd,
    const char *text, struct consult_result *res)
{
	struct store_consult con;
	enum store_rc rc;

	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, cmd->ticket, &con);
	if (rc == STORE_NOTFOUND) {
		res->ticket = 0;
		rc = reject(c, e, res, "没有编号为%lld的问题，请核对编号。%s", (long long)cmd->ticket,
		    USAGE_ANSWER);
		goto out;
	}
	if (rc)
		goto out;
	if (!may_answer(c, e, &con)) {
		res->ticket = con.id;
		rc = reject(c, e, res, "#%lld不是分配给您的问题，答复未发送。回复“列表”查看您的待答问题。",
		    (long long)con.id);
		goto out;
	}
	rc = relay_answer(c, e, &con, text + cmd->arg_off, cmd->arg_len, res);
out:
	store_consult_free(&con);
	return rc;
}

static enum store_rc
cmd_plain(struct consult *c, const struct store_expert *e, const struct expert_cmd *cmd,
    const char *text, struct consult_result *res)
{
	int64_t ids[OPEN_LIST_MAX + 1];
	struct store_consult con;
	enum store_rc rc;
	int n;

	rc = store_consult_open_for(c->s, e->id, ids, OPEN_LIST_MAX + 1, &n);
	if (rc)
		return rc;
	if (n != 1) {
		snprintf(res->action, sizeof(res->action), "rejected");
		return reply_open_list(c, e, res, ids, n);
	}
	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, ids[0], &con);
	if (rc == STORE_OK)
		rc = relay_answer(c, e, &con, text + cmd->arg_off, cmd->arg_len, res);
	store_consult_free(&con);
	return rc;
}

static enum store_rc
cmd_pass(struct consult *c, const struct store_expert *e, const struct expert_cmd *cmd,
    struct consult_result *res)
{
	int64_t ids[OPEN_LIST_MAX + 1], ticket = cmd->ticket, other = 0;
	struct store_consult con;
	enum assign_outcome outcome;
	enum store_rc rc;
	int n;

	if (ticket == 0) {
		rc = store_consult_open_for(c->s, e->id, ids, OPEN_LIST_MAX + 1, &n);
		if (rc)
			return rc;
		if (n != 1)
			return reject(c, e, res, "请写明要转交的编号。%s", USAGE_PASS);
		ticket = ids[0];
	}
	res->ticket = ticket;
	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, ticket, &con);
	if (rc == STORE_NOTFOUND) {
		res->ticket = 0;
		return reject(c, e, res, "没有编号为%lld的问题。%s", (long long)ticket, USAGE_PASS);
	}
	if (rc)
		return rc;
	if (con.expert_id != e->id || con.status != CS_ASSIGNED) {
		rc = reject(c, e, res, "#%lld不是您的待答问题，无法转交。", (long long)ticket);
		goto out;
	}
	/* Triage staff with no one else on duty keep what they pass: say so, and how to route. */
	if (e->role == ROLE_TRIAGE) {
		rc = store_expert_pick(c->s, ROLE_TRIAGE, con.category, NULL, ticket, &other);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			goto out;
		if (rc == STORE_NOTFOUND || other == e->id) {
			rc = reject(c, e, res, "没有其他分诊员在岗，#%lld仍由您处理。可直接答复，或回复“分%lld "
			    "类别”分给专家。", (long long)ticket, (long long)ticket);
			goto out;
		}
	}

	rc = store_consult_unassign(c->s, ticket, "passed", c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, ticket, c->now, "passed", e->id, NULL);
	if (rc == STORE_OK)
		rc = consult_dispatch(c, ticket, "转来的问题", 1, &outcome);
	if (rc == STORE_OK)
		rc = consult_queue(c, e->phone, "confirm", ticket, SEND_NOW, "#%lld已转交%s。",
		    (long long)ticket,
		    outcome == ASSIGN_EXPERT ? "其他专家" : outcome == ASSIGN_TRIAGE ? "分诊员" :
		    "，暂无其他专家，问题排队等待");
	snprintf(res->action, sizeof(res->action), "pass");
out:
	store_consult_free(&con);
	return rc;
}

static enum store_rc
cmd_duty(struct consult *c, const struct store_expert *e, int on, struct consult_result *res)
{
	enum store_rc rc;

	rc = store_expert_set_duty(c->s, e->id, on, c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, 0, c->now, on ? "back_on_duty" : "went_off_duty", e->id, NULL);
	if (rc == STORE_OK)
		rc = consult_queue(c, e->phone, "confirm", 0, SEND_NOW, on ? "您已恢复接收新问题。" :
		    "您已暂停接收新问题，回复“恢复”重新接收。未答的问题请尽快答复，逾时将转给其他专家。");
	snprintf(res->action, sizeof(res->action), "duty");
	return rc;
}

static enum store_rc
cmd_route(struct consult *c, const struct store_expert *e, const struct expert_cmd *cmd,
    const char *text, struct consult_result *res)
{
	const struct route_category *cat;
	struct store_consult con;
	enum assign_outcome outcome;
	char key[64], detail[128];
	int64_t holder;
	enum store_rc rc;
	size_t klen = cmd->arg_len;

	if (klen >= sizeof(key)) {
		/* Quoted back below: cut between characters, not inside one. */
		klen = sizeof(key) - 1;
		while (klen > 0 && ((unsigned char)text[cmd->arg_off + klen] & 0xc0) == 0x80)
			klen--;
	}
	snprintf(key, sizeof(key), "%.*s", (int)klen, text + cmd->arg_off);
	cat = route_rules_find(c->rules, key);
	if (cat == NULL)
		return reject(c, e, res, "没有“%s”这个类别。%s", key, USAGE_ROUTE);
	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, cmd->ticket, &con);
	if (rc == STORE_NOTFOUND)
		return reject(c, e, res, "没有编号为%lld的问题。%s", (long long)cmd->ticket,
		    USAGE_ROUTE);
	if (rc)
		return rc;
	res->ticket = con.id;
	if (con.status != CS_QUEUED && con.status != CS_ASSIGNED) {
		store_consult_free(&con);
		return reject(c, e, res, "#%lld已答复，无需分诊。", (long long)con.id);
	}
	/* Triage staff route any open question; an expert only one given to them. */
	if (e->role != ROLE_TRIAGE && con.expert_id != e->id) {
		store_consult_free(&con);
		return reject(c, e, res, "#%lld不是您的待答问题，只有分诊员可以改分。", (long long)con.id);
	}
	snprintf(detail, sizeof(detail), "%s -> %s", con.category, cat->code);
	holder = con.expert_id;
	store_consult_free(&con);
	if (holder && holder != e->id) {
		struct store_expert h;

		memset(&h, 0, sizeof(h));
		rc = store_expert_get(c->s, holder, &h);
		if (rc == STORE_OK)
			rc = consult_queue(c, h.phone, "notice", cmd->ticket, SEND_DAYTIME,
			    "问题#%lld已由分诊员改分到%s，无需您再答复。", (long long)cmd->ticket,
			    cat->name);
		store_expert_free(&h);
		if (rc)
			return rc;
	}

	rc = store_consult_set_category(c->s, cmd->ticket, cat->code, "staff");
	if (rc == STORE_OK)
		rc = store_event_add(c->s, cmd->ticket, c->now, "rerouted", e->id, detail);
	if (rc == STORE_OK)
		rc = store_consult_unassign(c->s, cmd->ticket, "rerouted", c->now);
	if (rc == STORE_OK)
		rc = consult_dispatch(c, cmd->ticket, "新问题", 1, &outcome);
	if (rc == STORE_OK)
		rc = consult_queue(c, e->phone, "confirm", cmd->ticket, SEND_NOW, "#%lld已分到%s%s。",
		    (long long)cmd->ticket, cat->name,
		    outcome == ASSIGN_QUEUED ? "，暂无该类专家，问题排队等待" : "");
	snprintf(res->action, sizeof(res->action), "route");
	return rc;
}

static enum store_rc
cmd_for(struct consult *c, const struct store_expert *e, const struct expert_cmd *cmd,
    const char *text, struct consult_result *res)
{
	struct store_farmer f;
	char phone[STORE_PHONE_MAX], *question;
	enum store_rc rc;

	if (phone_normalize(cmd->phone, phone, sizeof(phone)) != 0)
		return reject(c, e, res, "“%s”不是有效的手机号。%s", cmd->phone, USAGE_FOR);
	question = strndup(text + cmd->arg_off, cmd->arg_len);
	if (question == NULL)
		abort();
	memset(&f, 0, sizeof(f));
	rc = store_farmer_ensure(c->s, phone, c->now, &f);
	if (rc == STORE_OK) {
		snprintf(res->action, sizeof(res->action), "proxy");
		rc = consult_new_question(c, &f, question, "commissioner", NULL, e->id, e->phone,
		    res);
	}
	store_farmer_free(&f);
	free(question);
	return rc;
}

/* The whole message as a plain answer (what looked like a command was not one). */
static enum store_rc
as_plain(struct consult *c, const struct store_expert *e, struct expert_cmd *cmd,
    const char *text, struct consult_result *res)
{
	cmd->kind = ECMD_PLAIN;
	cmd->ticket = 0;
	cmd->arg_off = 0;
	cmd->arg_len = strlen(text);
	return cmd_plain(c, e, cmd, text, res);
}

enum store_rc
consult_handle_staff(struct consult *c, const struct store_expert *e, const struct sms_in *in,
    struct consult_result *res)
{
	struct expert_cmd cmd;
	int64_t ids[OPEN_LIST_MAX + 1];
	enum store_rc rc;
	int n;

	expert_cmd_parse(in->text, &cmd);
	if (e->role == ROLE_COMMISSIONER) {
		if (cmd.kind == ECMD_FOR)
			return cmd_for(c, e, &cmd, in->text, res);
		return reject(c, e, res, "%s", USAGE_FOR);
	}
	switch (cmd.kind) {
	case ECMD_ANSWER:
		/*
		 * "3天后打药" is an answer that starts with a number, not ticket 3 — unless 3 is a
		 * question open with this very person now. (A ticket written "#3", "Q3" or "3 …"
		 * may also name one they had before: a late answer.)
		 */
		if (!cmd.ticket_marked) {
			struct store_consult con;
			int open_with_them;

			memset(&con, 0, sizeof(con));
			rc = store_consult_get(c->s, cmd.ticket, &con);
			open_with_them = rc == STORE_OK && con.expert_id == e->id &&
			    con.status == CS_ASSIGNED;
			store_consult_free(&con);
			if (rc != STORE_OK && rc != STORE_NOTFOUND)
				return rc;
			if (!open_with_them)
				return as_plain(c, e, &cmd, in->text, res);
		}
		return cmd_answer(c, e, &cmd, in->text, res);
	case ECMD_NOTED:
		snprintf(res->action, sizeof(res->action), "noted");
		rc = store_consult_open_for(c->s, e->id, ids, OPEN_LIST_MAX + 1, &n);
		if (rc || n == 0)
			return rc;
		return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "好的。作答请回复“编号 答复内容”，"
		    "如“%lld 建议……”。", (long long)ids[0]);
	case ECMD_PLAIN:
		return cmd_plain(c, e, &cmd, in->text, res);
	case ECMD_LIST:
		snprintf(res->action, sizeof(res->action), "list");
		rc = store_consult_open_for(c->s, e->id, ids, OPEN_LIST_MAX + 1, &n);
		return rc ? rc : reply_open_list(c, e, res, ids, n);
	case ECMD_PASS:
		return cmd_pass(c, e, &cmd, res);
	case ECMD_OFF:
	case ECMD_ON:
		return cmd_duty(c, e, cmd.kind == ECMD_ON, res);
	case ECMD_ROUTE:
		/* "分3次喂药" from an expert is an answer; so is 分 with no category after it. */
		if (!cmd.arg_separated || e->role != ROLE_TRIAGE) {
			char key[64];

			snprintf(key, sizeof(key), "%.*s", (int)cmd.arg_len, in->text + cmd.arg_off);
			if (route_rules_find(c->rules, key) == NULL)
				return as_plain(c, e, &cmd, in->text, res);
		}
		return cmd_route(c, e, &cmd, in->text, res);
	case ECMD_FOR:
		return cmd_for(c, e, &cmd, in->text, res);
	case ECMD_BAD:
	default:
		return reject(c, e, res, "%s", cmd.usage ? cmd.usage : USAGE_ANSWER);
	}
}

