/*
 * What experts, triage staff and information commissioners mean by their SMS: answers,
 * passes, lists, duty changes, re-routes, questions asked for a farmer.
 */
#include "consult/consult_int.h"

#include "common/metrics.h"
#include "experts/command.h"
#include "common/phone.h"
#include "common/sms.h"
#include "routing/classify.h"
#include "routing/courtesy.h"
#include "routing/normalize.h"
#include "common/xmalloc.h"

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
	text = xvasprintf(fmt, ap);
	va_end(ap);
	snprintf(res->action, sizeof(res->action), "rejected");
	rc = consult_queue(c, e->phone, "reply", res->ticket, SEND_NOW, "%s", text);
	free(text);
	return rc;
}

#define LIST_SHOWN 5		/* tickets in a list reply shown with their question */
#define SNIPPET_CHARS 8		/* of each question shown */

/*
 * "#1024 鹅苗拉稀怎么…、#1025 玉米叶子发黄" for a list reply: the first characters of each
 * question, so that an expert can tell the tickets apart.
 */
static enum store_rc
ticket_list(struct consult *c, const int64_t *ids, int n, char *buf, size_t len)
{
	struct store_consult con;
	size_t used = 0;
	enum store_rc rc = STORE_OK;
	int i, w;

	buf[0] = '\0';
	for (i = 0; i < n && i < LIST_SHOWN; i++) {
		size_t fit;

		memset(&con, 0, sizeof(con));
		rc = store_consult_get(c->s, ids[i], &con);
		if (rc) {
			store_consult_free(&con);
			break;
		}
		fit = sms_fit(con.question, SMS_UCS2, SNIPPET_CHARS);
		w = snprintf(buf + used, len - used, "%s#%lld %.*s%s", i ? "、" : "",
		    (long long)ids[i], (int)fit, con.question, con.question[fit] ? "…" : "");
		store_consult_free(&con);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	if (n > LIST_SHOWN && used + 16 < len)
		snprintf(buf + used, len - used, "等%d个", n);
	return rc;
}

static enum store_rc
reply_open_list(struct consult *c, const struct store_expert *e, struct consult_result *res,
    const int64_t *ids, int n)
{
	char list[512];
	enum store_rc rc;

	(void)res;
	if (n == 0)
		return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "您目前没有待答的问题。");
	rc = ticket_list(c, ids, n, list, sizeof(list));
	if (rc)
		return rc;
	return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "您有%d个待答问题：%s。请回复“编号 "
	    "答复内容”，如“%lld 建议……”。", n, list, (long long)ids[0]);
}

/* The commands of e's role, for 帮助/HELP. */
static enum store_rc
cmd_help(struct consult *c, const struct store_expert *e, struct consult_result *res)
{
	snprintf(res->action, sizeof(res->action), "help");
	switch (e->role) {
	case ROLE_COMMISSIONER:
		return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "信息员代农户提问：回复“代 "
		    "农户手机号 问题”，如“代13800000001 鹅苗死亡怎么办”。答复会发给农户并抄送您。");
	case ROLE_TRIAGE:
		return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "分诊员指令：分 编号 类别"
		    "（分给专家）；编号 答复内容（直接答复）；关 编号 原因（关闭无效问题）；列表；转 "
		    "编号；暂停/恢复。");
	default:
		return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "专家指令：编号 答复内容"
		    "（如“1024 建议……”）；转 编号（转交他人）；列表（待答问题）；暂停/恢复（停收/"
		    "恢复新问题）。");
	}
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
		char *answer = xstrndup(text, len);

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
		if (n == 0)
			return reject(c, e, res, "您目前没有待答的问题，无需转交。");
		if (n != 1) {
			char list[512];

			rc = ticket_list(c, ids, n, list, sizeof(list));
			return rc ? rc : reject(c, e, res, "请写明要转交哪个问题，如“转%lld”。您的待答"
			    "问题：%s。", (long long)ids[0], list);
		}
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

/*
 * The category a person named: its code or name as written, or with the words around it that
 * people add ("分5 到蔬菜", "分5 蔬菜类", "分5 给畜牧专家").
 */
static const struct route_category *
find_category(const struct consult *c, const char *text, size_t len)
{
	static const char *const before[] = { "到", "给", "去", "至", "为" };
	static const char *const after[] = { "专家", "类别", "类", "组" };
	const struct route_category *cat;
	char key[64];
	size_t i, k;
	int cut = 1;

	if (len >= sizeof(key))
		len = utf8_floor(text, sizeof(key) - 1);	/* quoted back: whole characters */
	snprintf(key, sizeof(key), "%.*s", (int)len, text);
	if ((cat = route_rules_find(c->rules, key)) != NULL)
		return cat;
	while (cut) {
		cut = 0;
		for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
			k = strlen(before[i]);
			if (strncmp(key, before[i], k) == 0 && key[k]) {
				memmove(key, key + k, strlen(key + k) + 1);
				cut = 1;
			}
		}
		for (i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
			size_t l = strlen(key);

			k = strlen(after[i]);
			if (l > k && strcmp(key + l - k, after[i]) == 0) {
				key[l - k] = '\0';
				cut = 1;
			}
		}
		if (cut && (cat = route_rules_find(c->rules, key)) != NULL)
			return cat;
	}
	return NULL;
}

/*
 * The consultation a command names, into con (the caller frees it), if it is still open.
 * *ok is 0 when there is none or it is answered or closed: the sender was told why, with the
 * command's form (usage) or what cannot be done (what).
 */
static enum store_rc
open_ticket(struct consult *c, const struct store_expert *e, struct consult_result *res,
    int64_t ticket, const char *usage, const char *what, struct store_consult *con, int *ok)
{
	enum store_rc rc;

	*ok = 0;
	rc = store_consult_get(c->s, ticket, con);
	if (rc == STORE_NOTFOUND)
		return reject(c, e, res, "没有编号为%lld的问题。%s", (long long)ticket, usage);
	if (rc)
		return rc;
	res->ticket = con->id;
	if (con->status != CS_QUEUED && con->status != CS_ASSIGNED)
		return reject(c, e, res, "#%lld%s，%s。", (long long)con->id,
		    con->status == CS_CLOSED ? "已关闭" : "已答复", what);
	*ok = 1;
	return STORE_OK;
}

/* Tell the person who held question cid that it moved on without them. */
static enum store_rc FL_PRINTF(4, 5)
tell_holder(struct consult *c, int64_t holder, int64_t cid, const char *fmt, ...)
{
	struct store_expert h;
	char *text = NULL;
	enum store_rc rc;
	va_list ap;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	memset(&h, 0, sizeof(h));
	rc = store_expert_get(c->s, holder, &h);
	if (rc == STORE_OK)
		rc = consult_queue(c, h.phone, "notice", cid, SEND_DAYTIME, "%s", text);
	store_expert_free(&h);
	free(text);
	return rc;
}

/*
 * 分 N 类别: a person's explicit route. It goes to an expert of the category on duty — one who
 * had it before may get it back, the sender never. With no such expert, triage staff keep it
 * (they may answer it themselves) and an expert routing their own question hands it to the
 * policy; the reply says so, never "分到" for what went nowhere.
 */
static enum store_rc
cmd_route(struct consult *c, const struct store_expert *e, const struct expert_cmd *cmd,
    const char *text, struct consult_result *res)
{
	const struct route_category *cat;
	struct store_consult con;
	struct store_expert to;
	enum assign_outcome outcome;
	char detail[128];
	int64_t holder, who = 0;
	enum store_rc rc;
	int changed, ok;

	cat = find_category(c, text + cmd->arg_off, cmd->arg_len);
	if (cat == NULL) {
		char key[64];
		size_t klen = cmd->arg_len;

		if (klen >= sizeof(key))
			klen = utf8_floor(text + cmd->arg_off, sizeof(key) - 1);
		snprintf(key, sizeof(key), "%.*s", (int)klen, text + cmd->arg_off);
		return reject(c, e, res, "没有“%s”这个类别。%s", key, USAGE_ROUTE);
	}
	memset(&con, 0, sizeof(con));
	memset(&to, 0, sizeof(to));
	rc = open_ticket(c, e, res, cmd->ticket, USAGE_ROUTE, "无需分诊", &con, &ok);
	if (rc || !ok)
		goto out;
	/* Triage staff route any open question; an expert only one given to them. */
	if (e->role != ROLE_TRIAGE && con.expert_id != e->id) {
		rc = reject(c, e, res, "#%lld不是您的待答问题，只有分诊员可以改分。", (long long)con.id);
		goto out;
	}
	holder = con.expert_id;
	changed = strcmp(con.category, cat->code) != 0;
	snprintf(detail, sizeof(detail), "%s -> %s", con.category, cat->code);
	snprintf(res->action, sizeof(res->action), "route");

	rc = store_expert_pick_route(c->s, cat->code, con.township, con.id, e->id, &who);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		goto out;
	if (changed) {
		rc = store_consult_set_category(c->s, con.id, cat->code, "staff");
		if (rc == STORE_OK)
			rc = store_event_add(c->s, con.id, c->now, "rerouted", e->id, detail);
		if (rc)
			goto out;
	}

	if (who) {
		if (holder && holder != e->id && holder != who) {
			rc = tell_holder(c, holder, con.id, "问题#%lld已由分诊员分到%s，无需您再答复。",
			    (long long)con.id, cat->name);
			if (rc)
				goto out;
		}
		rc = store_consult_assign(c->s, con.id, who, "rerouted", c->now);
		if (rc == STORE_OK)
			rc = store_event_add(c->s, con.id, c->now, "assigned", who, NULL);
		if (rc == STORE_OK)
			rc = consult_notify_assignee(c, con.id, who, "新问题");
		if (rc == STORE_OK)
			rc = store_expert_get(c->s, who, &to);
		if (rc == STORE_OK)
			rc = consult_queue(c, e->phone, "confirm", con.id, SEND_NOW, "#%lld已分到%s，"
			    "由%s答复。", (long long)con.id, cat->name, to.name);
		goto out;
	}

	if (e->role == ROLE_TRIAGE) {
		/* Nobody of the category is on duty: the question stays with this person. */
		if (holder != e->id) {
			if (holder)
				rc = tell_holder(c, holder, con.id, "问题#%lld已由分诊员改分到%s，无需您再"
				    "答复。", (long long)con.id, cat->name);
			if (rc == STORE_OK)
				rc = store_consult_assign(c->s, con.id, e->id, "rerouted", c->now);
			if (rc == STORE_OK)
				rc = store_event_add(c->s, con.id, c->now, "to_triage", e->id, NULL);
			if (rc)
				goto out;
		}
		rc = consult_queue(c, e->phone, "confirm", con.id, SEND_NOW, "#%lld已改为%s类，但暂无"
		    "该类专家在岗，问题仍由您处理：可直接答复“%lld 答复内容”，或稍后再分。",
		    (long long)con.id, cat->name, (long long)con.id);
		goto out;
	}
	/* An expert re-routing their own question to a category with nobody on duty. */
	rc = store_consult_unassign(c->s, con.id, "rerouted", c->now);
	if (rc == STORE_OK)
		rc = consult_dispatch(c, con.id, "新问题", 1, &outcome);
	if (rc == STORE_OK)
		rc = consult_queue(c, e->phone, "confirm", con.id, SEND_NOW, "#%lld已改为%s类。暂无"
		    "该类专家在岗，%s。", (long long)con.id, cat->name,
		    outcome == ASSIGN_TRIAGE ? "已转分诊员" : "问题排队等待");
out:
	store_expert_free(&to);
	store_consult_free(&con);
	return rc;
}

/*
 * 关 N 原因: triage staff close a ticket that holds no question to answer (a greeting, an
 * advert, the same question twice). It leaves the backlog and is not counted as answered; the
 * farmer is told, and so is an expert who held it.
 */
static enum store_rc
cmd_close(struct consult *c, const struct store_expert *e, const struct expert_cmd *cmd,
    const char *text, struct consult_result *res)
{
	struct store_consult con;
	char reason[128] = "";
	enum store_rc rc;
	size_t rlen = cmd->arg_len;
	int ok;

	if (e->role != ROLE_TRIAGE)
		return reject(c, e, res, "只有分诊员可以关闭问题。不便答复请回复“转%lld”转交。",
		    (long long)cmd->ticket);
	if (rlen > 0) {
		rlen = sms_fit(text + cmd->arg_off, SMS_UCS2, 20);
		if (rlen > cmd->arg_len)
			rlen = cmd->arg_len;
		snprintf(reason, sizeof(reason), "%.*s", (int)rlen, text + cmd->arg_off);
	}
	memset(&con, 0, sizeof(con));
	rc = open_ticket(c, e, res, cmd->ticket, USAGE_CLOSE, "不能关闭", &con, &ok);
	if (rc || !ok)
		goto out;
	if (con.expert_id && con.expert_id != e->id) {
		rc = tell_holder(c, con.expert_id, con.id, "问题#%lld已由分诊员关闭，无需您再答复。",
		    (long long)con.id);
		if (rc)
			goto out;
	}
	rc = store_consult_close(c->s, con.id, c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, con.id, c->now, "closed", e->id,
		    reason[0] ? reason : NULL);
	if (rc == STORE_OK)
		rc = consult_queue(c, con.farmer_phone, "notice", con.id, SEND_NOW, "您的#%lld已由工作"
		    "人员关闭%s%s%s。如有种植养殖技术问题，请直接发送具体情况，专家会短信答复。",
		    (long long)con.id, reason[0] ? "（" : "", reason, reason[0] ? "）" : "");
	if (rc == STORE_OK)
		rc = consult_queue(c, e->phone, "confirm", con.id, SEND_NOW, "#%lld已关闭。",
		    (long long)con.id);
	snprintf(res->action, sizeof(res->action), "close");
	log_info("consult: #%lld closed by staff %lld", (long long)con.id, (long long)e->id);
out:
	store_consult_free(&con);
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
	question = xstrndup(text + cmd->arg_off, cmd->arg_len);
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
	char *norm;
	int n, noted;

	expert_cmd_parse(in->text, &cmd);
	if (cmd.kind == ECMD_HELP)
		return cmd_help(c, e, res);
	/* 收到, 你好, 谢谢, 👍, "。。。": never an answer, whatever the sender's role. */
	norm = route_normalize(c->norm, in->text);
	if (norm == NULL)
		return STORE_ERR;
	noted = route_is_courtesy(norm);
	free(norm);
	if (noted) {
		snprintf(res->action, sizeof(res->action), "noted");
		rc = store_consult_open_for(c->s, e->id, ids, OPEN_LIST_MAX + 1, &n);
		if (rc || n == 0)
			return rc;
		return consult_queue(c, e->phone, "reply", 0, SEND_NOW, "好的。作答请回复“编号 答复内容”，"
		    "如“%lld 建议……”。", (long long)ids[0]);
	}

	if (e->role == ROLE_COMMISSIONER) {
		if (cmd.kind == ECMD_FOR)
			return cmd_for(c, e, &cmd, in->text, res);
		return reject(c, e, res, "%s", USAGE_FOR);
	}
	switch (cmd.kind) {
	case ECMD_ANSWER:
		return cmd_answer(c, e, &cmd, in->text, res);
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
			if (find_category(c, in->text + cmd.arg_off, cmd.arg_len) == NULL)
				return as_plain(c, e, &cmd, in->text, res);
		}
		return cmd_route(c, e, &cmd, in->text, res);
	case ECMD_CLOSE:
		return cmd_close(c, e, &cmd, in->text, res);
	case ECMD_FOR:
		return reject(c, e, res, "“代”是信息员代农户提问用的，您的号码登记为%s。作答请回复"
		    "“编号 答复内容”。", e->role == ROLE_TRIAGE ? "分诊员" : "专家");
	case ECMD_BAD:
	default:
		return reject(c, e, res, "%s", cmd.usage ? cmd.usage : USAGE_ANSWER);
	}
}
