/*
 * The consultation lifecycle: farmers' questions become consultations that are classified,
 * assigned and acknowledged; experts' and staff members' messages become answers, passes,
 * re-routes and duty changes. Every step is stored; every reply is an outbox row.
 */
#include "consult/consult.h"

#include "common/log.h"
#include "experts/assign.h"
#include "experts/command.h"
#include "gateway/phone.h"
#include "gateway/sms.h"
#include "routing/classify.h"
#include "routing/normalize.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_LIST_MAX 10	/* tickets named in a list reply */
#define TICK_BATCH 100

struct consult {
	struct store *s;
	const struct route_rules *rules;
	struct route_norm *norm;
	struct consult_opts o;
	int64_t now;		/* the time of the message being handled */
	int queued;
};

struct consult *
consult_new(struct store *s, const struct route_rules *rules, struct route_norm *norm,
    const struct consult_opts *opts)
{
	struct consult *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	c->s = s;
	c->rules = rules;
	c->norm = norm;
	c->o = *opts;
	return c;
}

void
consult_free(struct consult *c)
{
	free(c);
}

const struct route_rules *
consult_set_rules(struct consult *c, const struct route_rules *rules)
{
	const struct route_rules *old = c->rules;

	c->rules = rules;
	return old;
}

int
consult_take_queued(struct consult *c)
{
	int n = c->queued;

	c->queued = 0;
	return n;
}

/* Queue an SMS to "to": the signature, then the formatted text. */
static enum store_rc FL_PRINTF(5, 6)
queue_sms(struct consult *c, const char *to, const char *kind, int64_t cid, const char *fmt,
    ...)
{
	char *body = NULL, *text = NULL;
	enum store_rc rc;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (asprintf(&text, "%s%s", c->o.signature, body) < 0)
		abort();
	rc = store_outbox_add(c->s, c->o.provider, cid, kind, c->o.service_number, to, text,
	    sms_segments(text), c->now, NULL);
	if (rc == STORE_OK)
		c->queued++;
	free(body);
	free(text);
	return rc;
}

void
consult_ack_text(const struct consult *c, int64_t ticket, const char *category_name,
    int outcome, char *buf, size_t len)
{
	switch (outcome) {
	case ASSIGN_EXPERT:
		snprintf(buf, len, "已收到您的问题，编号%lld，类别：%s，专家答复后短信通知您。",
		    (long long)ticket, category_name);
		break;
	case ASSIGN_TRIAGE:
		snprintf(buf, len, "已收到您的问题，编号%lld，类别：%s，将由工作人员安排专家答复。",
		    (long long)ticket, category_name);
		break;
	default:
		snprintf(buf, len, "已收到您的问题，编号%lld，类别：%s。专家暂时不在，问题已排队，"
		    "有专家后尽快答复。", (long long)ticket, category_name);
		break;
	}
}

/* Tell whoever now has consultation cid about it. */
static enum store_rc
notify_assignee(struct consult *c, int64_t cid, int64_t who)
{
	struct store_consult con;
	struct store_expert e;
	char masked[32];
	enum store_rc rc;

	memset(&con, 0, sizeof(con));
	memset(&e, 0, sizeof(e));
	rc = store_consult_get(c->s, cid, &con);
	if (rc == STORE_OK)
		rc = store_expert_get(c->s, who, &e);
	if (rc == STORE_OK) {
		phone_mask(con.farmer_phone, masked, sizeof(masked));
		rc = queue_sms(c, e.phone, "notify", cid,
		    "新问题#%lld（%s）%s%s农户%s：%s。回复“%lld 答复内容”作答，回复“转%lld”转交。",
		    (long long)cid, route_rules_name(c->rules, con.category),
		    con.township ? con.township : "", con.township ? " " : "", masked,
		    con.question, (long long)cid, (long long)cid);
	}
	store_consult_free(&con);
	store_expert_free(&e);
	return rc;
}

/*
 * Assign consultation cid and tell the person who gets it. When nobody can take it, a "queued"
 * event is recorded if record_queued is set (not on every retry of the periodic tick).
 */
static enum store_rc
dispatch(struct consult *c, int64_t cid, int record_queued, enum assign_outcome *outcome)
{
	struct store_consult con;
	enum store_rc rc;
	int64_t who = 0;

	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, cid, &con);
	if (rc == STORE_OK)
		rc = expert_assign(c->s, &con, c->now, outcome, &who);
	store_consult_free(&con);
	if (rc == STORE_OK && who)
		rc = notify_assignee(c, cid, who);
	else if (rc == STORE_OK && record_queued)
		rc = store_event_add(c->s, cid, c->now, "queued", 0, NULL);
	return rc;
}

/*
 * A new question from farmer f (written by a commissioner when commissioner_id is set). The
 * acknowledgement goes to ack_to.
 */
static enum store_rc
new_question(struct consult *c, const struct store_farmer *f, const char *text,
    const char *channel, int64_t commissioner_id, const char *ack_to,
    struct consult_result *res)
{
	struct store_consult con;
	struct route_result rr;
	enum assign_outcome outcome;
	char rule[64] = "", ack[256], detail[128], masked[32];
	int64_t who = 0;
	char *norm;
	enum store_rc rc;

	norm = route_normalize(c->norm, text);
	if (norm == NULL)
		return STORE_ERR;
	route_classify(c->rules, norm, &rr);
	free(norm);
	if (rr.line)
		snprintf(rule, sizeof(rule), "%s:%d", route_rules_path(c->rules), rr.line);

	memset(&con, 0, sizeof(con));
	con.farmer_id = f->id;
	con.channel = channel;
	con.question = (char *)text;
	con.category = (char *)rr.code;
	con.classified_by = "rules";
	con.score = rr.score;
	con.rule = rule[0] ? rule : NULL;
	con.status = CS_QUEUED;
	con.commissioner_id = commissioner_id;
	con.created_at = c->now;
	con.township = f->township;	/* borrowed: con is not freed */
	rc = store_consult_create(c->s, &con);
	if (rc)
		return rc;
	snprintf(detail, sizeof(detail), "%s score %d%s%s", rr.code, rr.score, rule[0] ? " " : "",
	    rule);
	rc = store_event_add(c->s, con.id, c->now, "created", 0, detail);
	if (rc == STORE_OK)
		rc = expert_assign(c->s, &con, c->now, &outcome, &who);
	if (rc == STORE_OK && outcome == ASSIGN_QUEUED)
		rc = store_event_add(c->s, con.id, c->now, "queued", 0, NULL);
	if (rc)
		return rc;

	/* The farmer's acknowledgement goes out first, then the expert's notice. */
	res->ticket = con.id;
	if (commissioner_id) {
		phone_mask(f->phone, masked, sizeof(masked));
		rc = queue_sms(c, ack_to, "ack", con.id, "已代农户%s提交问题，编号%lld，类别：%s。"
		    "专家答复将发给农户，并抄送您。", masked, (long long)con.id, rr.name);
	} else {
		consult_ack_text(c, con.id, rr.name, outcome, ack, sizeof(ack));
		rc = queue_sms(c, ack_to, "ack", con.id, "%s", ack);
	}
	if (rc == STORE_OK && who)
		rc = notify_assignee(c, con.id, who);
	log_info("consult: #%lld %s (score %d%s%s) %s", (long long)con.id, rr.code, rr.score,
	    rule[0] ? ", " : "", rule, outcome == ASSIGN_EXPERT ? "assigned to an expert" :
	    outcome == ASSIGN_TRIAGE ? "assigned to triage" : "queued");
	return rc;
}

static enum store_rc
handle_farmer(struct consult *c, const struct sms_in *in, struct consult_result *res)
{
	struct store_farmer f;
	enum store_rc rc;

	memset(&f, 0, sizeof(f));
	rc = store_farmer_ensure(c->s, in->from, c->now, &f);
	if (rc == STORE_OK) {
		snprintf(res->action, sizeof(res->action), "question");
		rc = new_question(c, &f, in->text, "sms", 0, in->from, res);
	}
	store_farmer_free(&f);
	return rc;
}

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
	rc = queue_sms(c, e->phone, "reply", res->ticket, "%s", text);
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
		return queue_sms(c, e->phone, "reply", 0, "您目前没有待答的问题。");
	ticket_list(ids, n, list, sizeof(list));
	(void)res;
	return queue_sms(c, e->phone, "reply", 0, "您有%d个待答问题：%s。请回复“编号 答复内容”，"
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

	rc = queue_sms(c, con->farmer_phone, "answer", con->id, "#%lld %s答复：%.*s",
	    (long long)con->id, e->name, (int)len, text);
	if (rc == STORE_OK && con->commissioner_id) {
		memset(&comm, 0, sizeof(comm));
		rc = store_expert_get(c->s, con->commissioner_id, &comm);
		if (rc == STORE_OK)
			rc = queue_sms(c, comm.phone, "copy", con->id, "#%lld %s答复（抄送）：%.*s",
			    (long long)con->id, e->name, (int)len, text);
		store_expert_free(&comm);
	}
	if (rc == STORE_OK)
		rc = store_consult_answered(c->s, con->id, e->id, c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, con->id, c->now, "answered", e->id, NULL);
	if (rc == STORE_OK) {
		phone_mask(con->farmer_phone, masked, sizeof(masked));
		rc = queue_sms(c, e->phone, "confirm", con->id, "#%lld的答复已发给农户%s。",
		    (long long)con->id, masked);
	}
	snprintf(res->action, sizeof(res->action), "answer");
	res->ticket = con->id;
	log_info("consult: #%lld answered by expert %lld", (long long)con->id, (long long)e->id);
	return rc;
}

/* May e answer con? Its assignee may, someone who answered it before may, triage staff may. */
static int
may_answer(const struct store_expert *e, const struct store_consult *con)
{
	return con->expert_id == e->id || con->answered_by == e->id || e->role == ROLE_TRIAGE;
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
	if (!may_answer(e, &con)) {
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
	int64_t ids[OPEN_LIST_MAX + 1], ticket = cmd->ticket;
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
		store_consult_free(&con);
		return reject(c, e, res, "#%lld不是您的待答问题，无法转交。", (long long)ticket);
	}
	store_consult_free(&con);

	rc = store_consult_unassign(c->s, ticket, "passed", c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, ticket, c->now, "passed", e->id, NULL);
	if (rc == STORE_OK)
		rc = dispatch(c, ticket, 1, &outcome);
	if (rc == STORE_OK)
		rc = queue_sms(c, e->phone, "confirm", ticket, "#%lld已转交%s。", (long long)ticket,
		    outcome == ASSIGN_EXPERT ? "其他专家" : outcome == ASSIGN_TRIAGE ? "分诊员" :
		    "，暂无其他专家，问题排队等待");
	snprintf(res->action, sizeof(res->action), "pass");
	return rc;
}

static enum store_rc
cmd_duty(struct consult *c, const struct store_expert *e, int on, struct consult_result *res)
{
	enum store_rc rc;

	rc = store_expert_set_duty(c->s, e->id, on);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, 0, c->now, on ? "on_duty" : "off_duty", e->id, NULL);
	if (rc == STORE_OK)
		rc = queue_sms(c, e->phone, "confirm", 0, on ? "您已恢复接收新问题。" :
		    "您已暂停接收新问题，回复“恢复”重新接收。已分配给您的问题仍请答复。");
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
	enum store_rc rc;

	snprintf(key, sizeof(key), "%.*s", (int)cmd->arg_len, text + cmd->arg_off);
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
	snprintf(detail, sizeof(detail), "%s -> %s", con.category, cat->code);
	store_consult_free(&con);

	rc = store_consult_set_category(c->s, cmd->ticket, cat->code, "staff");
	if (rc == STORE_OK)
		rc = store_event_add(c->s, cmd->ticket, c->now, "rerouted", e->id, detail);
	if (rc == STORE_OK)
		rc = store_consult_unassign(c->s, cmd->ticket, "rerouted", c->now);
	if (rc == STORE_OK)
		rc = dispatch(c, cmd->ticket, 1, &outcome);
	if (rc == STORE_OK)
		rc = queue_sms(c, e->phone, "confirm", cmd->ticket, "#%lld已分到%s%s。",
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
		rc = new_question(c, &f, question, "commissioner", e->id, e->phone, res);
	}
	store_farmer_free(&f);
	free(question);
	return rc;
}

static enum store_rc
handle_staff(struct consult *c, const struct store_expert *e, const struct sms_in *in,
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
		if (!cmd.ticket_marked) {
			/* "3天后打药" is an answer that starts with a number, not ticket 3. */
			struct store_consult con;
			int mine;

			memset(&con, 0, sizeof(con));
			rc = store_consult_get(c->s, cmd.ticket, &con);
			mine = rc == STORE_OK && may_answer(e, &con);
			store_consult_free(&con);
			if (rc != STORE_OK && rc != STORE_NOTFOUND)
				return rc;
			if (!mine) {
				cmd.kind = ECMD_PLAIN;
				cmd.arg_off = 0;
				cmd.arg_len = strlen(in->text);
				return cmd_plain(c, e, &cmd, in->text, res);
			}
		}
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
		return cmd_route(c, e, &cmd, in->text, res);
	case ECMD_FOR:
		return cmd_for(c, e, &cmd, in->text, res);
	case ECMD_BAD:
	default:
		return reject(c, e, res, "%s", cmd.usage ? cmd.usage : USAGE_ANSWER);
	}
}

enum store_rc
consult_handle(struct consult *c, const struct sms_in *in, int64_t now,
    struct consult_result *res)
{
	struct store_expert e;
	enum store_rc rc;

	memset(res, 0, sizeof(*res));
	c->now = now;
	rc = store_msg_in_add(c->s, in->provider, in->provider_id, in->from, in->to, in->text,
	    sms_segments(in->text), now, &res->message_id);
	if (rc == STORE_DUP) {
		res->duplicate = 1;
		return store_msg_in_get(c->s, res->message_id, &res->ticket, res->action,
		    sizeof(res->action));
	}
	if (rc)
		return rc;

	memset(&e, 0, sizeof(e));
	rc = store_expert_find(c->s, in->from, &e);
	if (rc == STORE_OK)
		rc = handle_staff(c, &e, in, res);
	else if (rc == STORE_NOTFOUND)
		rc = handle_farmer(c, in, res);
	store_expert_free(&e);
	if (rc == STORE_OK)
		rc = store_msg_in_finish(c->s, res->message_id, res->ticket, res->action);
	return rc;
}

enum store_rc
consult_tick(struct consult *c, int64_t now, int *assigned)
{
	int64_t ids[TICK_BATCH];
	enum assign_outcome outcome;
	enum store_rc rc;
	int n, i;

	*assigned = 0;
	c->now = now;
	rc = store_consult_queued(c->s, ids, TICK_BATCH, &n);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		rc = dispatch(c, ids[i], 0, &outcome);
		if (rc == STORE_OK && outcome != ASSIGN_QUEUED)
			(*assigned)++;
	}
	return rc;
}
