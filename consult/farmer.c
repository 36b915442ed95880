/*
 * What farmers mean by their SMS: a new question, a follow-up on one still open or just
 * answered, a rating of the last answer, or one of the commands (帮助, 查询, 退订, 订阅, 登记).
 *
 * The follow-up rule: a text that comes while the farmer's newest question is still waiting,
 * or within followup_window after it was answered, joins that question and goes to the same
 * expert — unless the classifier puts it in another category with at least
 * new_question_score, in which case it is clearly a new question and opens a consultation.
 */
#include "consult/consult_int.h"

#include "common/buf.h"
#include "common/config.h"
#include "common/text.h"
#include "common/xmalloc.h"
#include "consult/farmer_command.h"
#include "common/phone.h"
#include "common/sms.h"
#include "routing/classify.h"
#include "routing/courtesy.h"
#include "routing/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOLLOWABLE_MAX 5	/* open questions a follow-up may belong to */
#define ECHO_MAX_CHARS 10	/* of the farmer's own words quoted back in a reply */

#define RECENT 3		/* questions listed by 查询 */
#define LIST_MAX_CHARS 48	/* of townships or categories named in a reply */

static void
set_action(struct consult_result *res, const char *action)
{
	snprintf(res->action, sizeof(res->action), "%s", action);
}

static enum store_rc
reply(struct consult *c, const struct store_farmer *f, struct consult_result *res,
    const char *action, const char *text)
{
	set_action(res, action);
	return consult_queue(c, f->phone, "reply", res->ticket, SEND_NOW, "%s", text);
}

static enum store_rc
cmd_help(struct consult *c, const struct store_farmer *f, struct consult_result *res)
{
	return reply(c, f, res, "command", "县科技专家免费解答种植养殖技术问题。直接发送问题即可，"
	    "如“鹅苗死亡怎么办”。答复后回复1-5评价；查询：问题进度；登记 乡镇 村：登记住址；"
	    "退订：不再收资讯。");
}

static const char *
status_words(enum consult_status st)
{
	switch (st) {
	case CS_QUEUED:
		return "排队中";
	case CS_ASSIGNED:
		return "专家处理中";
	case CS_ANSWERED:
		return "已答复";
	default:
		return "已结束";
	}
}

static enum store_rc
cmd_query(struct consult *c, const struct store_farmer *f, struct consult_result *res)
{
	struct store_consult con;
	int64_t ids[RECENT];
	char text[512];
	size_t used;
	enum store_rc rc;
	int n, i;

	rc = store_consult_recent(c->s, f->id, ids, RECENT, &n);
	if (rc)
		return rc;
	if (n == 0)
		return reply(c, f, res, "command", "您还没有提过问题。直接发送问题即可，专家会短信答复。");
	used = (size_t)snprintf(text, sizeof(text), "您最近的问题：");
	for (i = 0; i < n; i++) {
		memset(&con, 0, sizeof(con));
		rc = store_consult_get(c->s, ids[i], &con);
		if (rc)
			return rc;
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s#%lld（%s）%s",
		    i ? "；" : "", (long long)con.id, route_rules_name(c->rules, con.category),
		    status_words(con.status));
		store_consult_free(&con);
		if (used >= sizeof(text))
			break;
	}
	if (used < sizeof(text))
		snprintf(text + used, sizeof(text) - used, "。");
	return reply(c, f, res, "command", text);
}

/* The answers of the farmer's own ticket again: "查询 12" (an answer SMS that was lost). */
struct resend {
	struct consult *c;
	const struct store_consult *con;
	int n;
	enum store_rc rc;
};

static int
resend_one(void *arg, const char *text, const char *who)
{
	struct resend *r = arg;

	r->n++;
	r->rc = consult_queue(r->c, r->con->farmer_phone, "resend", r->con->id, SEND_NOW,
	    "#%lld %s答复（重发）：%s", (long long)r->con->id, who ? who : "专家", text);
	return r->rc != STORE_OK;
}

static enum store_rc
cmd_query_ticket(struct consult *c, const struct store_farmer *f, int64_t ticket,
    struct consult_result *res)
{
	struct store_consult con;
	struct resend r;
	char text[256];
	enum store_rc rc;

	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, ticket, &con);
	if (rc == STORE_NOTFOUND || (rc == STORE_OK && con.farmer_id != f->id)) {
		store_consult_free(&con);
		snprintf(text, sizeof(text), "没有找到您的问题#%lld。回复“查询”查看您最近的问题。",
		    (long long)ticket);
		return reply(c, f, res, "command", text);
	}
	if (rc)
		goto out;
	res->ticket = con.id;
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.con = &con;
	rc = store_consult_answers(c->s, con.id, resend_one, &r);
	if (rc == STORE_OK)
		rc = r.rc;
	if (rc == STORE_OK && r.n > 0) {
		set_action(res, "command");
	} else if (rc == STORE_OK) {
		snprintf(text, sizeof(text), "问题#%lld（%s）%s，尚无答复，专家答复后短信通知您。",
		    (long long)con.id, route_rules_name(c->rules, con.category),
		    status_words(con.status));
		rc = reply(c, f, res, "command", text);
	}
out:
	store_consult_free(&con);
	return rc;
}

static enum store_rc
cmd_stop(struct consult *c, const struct store_farmer *f, struct consult_result *res)
{
	enum store_rc rc = store_farmer_set_opted_out(c->s, f->id, 1);

	if (rc)
		return rc;
	return reply(c, f, res, "command", "已退订资讯短信，您提问的答复仍会照常发送。回复“订阅”"
	    "可重新接收。");
}

/* The category names, as far as fits in LIST_MAX_CHARS, for a reply. */
static void
category_list(const struct consult *c, char *buf, size_t len)
{
	const char *names[ROUTE_MAX_CATEGORIES];
	struct buf b = BUF_INIT;
	int i, n = route_rules_count(c->rules);

	for (i = 0; i < n && i < ROUTE_MAX_CATEGORIES; i++)
		names[i] = route_rules_category(c->rules, i)->name;
	text_join(&b, names, i, LIST_MAX_CHARS, "等");
	snprintf(buf, len, "%s", buf_text(&b));
	buf_free(&b);
}

/* The townships farmers may register with, for a reply. */
static void
township_list(const struct consult *c, char *buf, size_t len)
{
	const char **names = xcalloc((size_t)c->o.ntownships + 1, sizeof(*names));
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < c->o.ntownships; i++)
		names[i] = c->o.townships[i].name;
	text_join(&b, names, c->o.ntownships, LIST_MAX_CHARS, "等");
	snprintf(buf, len, "%s", buf_text(&b));
	buf_free(&b);
	free(names);
}

static enum store_rc
cmd_subscribe(struct consult *c, const struct store_farmer *f, const char *arg,
    struct consult_result *res)
{
	const struct route_category *cat;
	char text[512], list[256];
	enum store_rc rc;

	if (*arg == '\0') {
		rc = store_farmer_set_opted_out(c->s, f->id, 0);
		return rc ? rc : reply(c, f, res, "command", "已恢复接收资讯短信。回复“订阅 类别”"
		    "可订阅某类资讯，如“订阅 畜牧”。");
	}
	cat = route_rules_find(c->rules, arg);
	if (cat == NULL) {
		category_list(c, list, sizeof(list));
		snprintf(text, sizeof(text), "没有“%.*s”这个类别。可订阅：%s。",
		    (int)sms_fit(arg, SMS_UCS2, ECHO_MAX_CHARS), arg, list);
		return reply(c, f, res, "command", text);
	}
	rc = store_subscribe(c->s, f->id, cat->code, c->now);
	if (rc == STORE_OK)
		rc = store_farmer_set_opted_out(c->s, f->id, 0);
	if (rc)
		return rc;
	snprintf(text, sizeof(text), "已订阅%s资讯。回复“退订”可退订。", cat->name);
	return reply(c, f, res, "command", text);
}

static enum store_rc
cmd_unsubscribe(struct consult *c, const struct store_farmer *f, const char *arg,
    struct consult_result *res)
{
	const struct route_category *cat;
	char text[512], list[256];
	enum store_rc rc;
	int removed = 0;

	cat = route_rules_find(c->rules, arg);
	if (cat == NULL) {
		category_list(c, list, sizeof(list));
		snprintf(text, sizeof(text), "没有“%.*s”这个类别。退订某类资讯请回复“退订 类别”，"
		    "如“退订 %s”；回复“退订”不再收任何资讯。",
		    (int)sms_fit(arg, SMS_UCS2, ECHO_MAX_CHARS), arg,
		    route_rules_count(c->rules) > 0 ? route_rules_category(c->rules, 0)->name : "畜牧");
		return reply(c, f, res, "command", text);
	}
	rc = store_unsubscribe(c->s, f->id, cat->code, &removed);
	if (rc)
		return rc;
	if (removed)
		snprintf(text, sizeof(text), "已退订%s资讯，您提问的答复仍会照常发送。", cat->name);
	else
		snprintf(text, sizeof(text), "您没有订阅%s资讯。回复“退订”可不再收任何资讯。",
		    cat->name);
	return reply(c, f, res, "command", text);
}

/*
 * A text that is only courtesy — 在吗, 你好, 谢谢, 好的, emoji, punctuation — opens no question
 * and reopens none: the farmer is told where things stand instead.
 */
static enum store_rc
courtesy(struct consult *c, const struct store_farmer *f, struct consult_result *res)
{
	struct store_consult con;
	int64_t ids[1];
	char text[256];
	enum store_rc rc;
	int n = 0;

	rc = store_consult_followable(c->s, f->id, c->now - c->o.followup_window_ms, ids, 1, &n);
	if (rc)
		return rc;
	if (n == 0)
		return reply(c, f, res, "courtesy", "您好！请直接发送您的种植养殖问题，如“鹅苗死亡怎么办”，"
		    "专家会短信答复。");
	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, ids[0], &con);
	if (rc == STORE_OK) {
		res->ticket = con.id;
		if (con.status != CS_ANSWERED)
			snprintf(text, sizeof(text), "您的问题#%lld正在处理中，专家答复后短信通知您。"
			    "如要补充，请直接发送具体情况。", (long long)con.id);
		else if (con.rating == 0)
			snprintf(text, sizeof(text), "不客气！如对问题#%lld的答复满意，请回复1-5评价"
			    "（5为很满意）。", (long long)con.id);
		else
			snprintf(text, sizeof(text), "不客气！有新问题请直接发送。");
		rc = reply(c, f, res, "courtesy", text);
	}
	store_consult_free(&con);
	return rc;
}

static int
village_allowed(const struct config_township *t, const char *village)
{
	const char *p = t->villages;
	size_t n = strlen(village);

	if (*village == '\0' || *p == '\0')
		return 1;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		while (len > 0 && *p == ' ')
			p++, len--;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && memcmp(p, village, n) == 0)
			return 1;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

static enum store_rc
cmd_register(struct consult *c, const struct store_farmer *f, const char *arg,
    struct consult_result *res)
{
	const struct config_township *t = NULL;
	char text[512], list[256] = "";
	const char *village = "";
	enum store_rc rc;
	int i;

	for (i = 0; i < c->o.ntownships && t == NULL; i++) {
		size_t n = strlen(c->o.townships[i].name);

		if (strncmp(arg, c->o.townships[i].name, n) == 0) {
			t = &c->o.townships[i];
			village = arg + n;
			while (*village == ' ')
				village++;
		}
	}
	if (t == NULL || !village_allowed(t, village) || strlen(village) > 60) {
		township_list(c, list, sizeof(list));
		if (c->o.ntownships == 0)
			snprintf(text, sizeof(text), "本县尚未开放乡镇登记。");
		else if (t == NULL)
			snprintf(text, sizeof(text), "没有找到这个乡镇。格式：登记 乡镇 村，"
			    "如“登记 %s %.*s”。可登记：%s。", c->o.townships[0].name,
			    c->o.townships[0].villages[0] ?
			    (int)strcspn(c->o.townships[0].villages, ", ") : (int)strlen("某某村"),
			    c->o.townships[0].villages[0] ? c->o.townships[0].villages : "某某村", list);
		else
			snprintf(text, sizeof(text), "%s没有“%.*s”这个村，请核对。格式：登记 乡镇 村。",
			    t->name, (int)sms_fit(village, SMS_UCS2, ECHO_MAX_CHARS), village);
		return reply(c, f, res, "command", text);
	}
	rc = store_farmer_set_place(c->s, f->id, t->name, *village ? village : NULL);
	if (rc)
		return rc;
	snprintf(text, sizeof(text), "已登记：%s%s。专家答复时会参考您所在的乡镇。", t->name,
	    village);
	return reply(c, f, res, "command", text);
}

enum store_rc
consult_rate_last(struct consult *c, const struct store_farmer *f, int rating, int64_t *ticket)
{
	char farmer[32], detail[16];
	int64_t cid = 0;
	enum store_rc rc;

	struct store_consult con;
	int was_low;

	*ticket = 0;
	rc = store_consult_last_answered(c->s, f->id, &cid);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	/* A low rating alerts staff once an answer: rating it low again says nothing new. */
	memset(&con, 0, sizeof(con));
	if (rc == STORE_OK)
		rc = store_consult_get(c->s, cid, &con);
	was_low = con.rating > 0 && con.rating <= c->o.low_rating;
	store_consult_free(&con);
	snprintf(detail, sizeof(detail), "%d", rating);
	if (rc == STORE_OK)
		rc = store_consult_rate(c->s, cid, rating, c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, cid, c->now, "rated", 0, detail);
	if (rc == STORE_OK && rating <= c->o.low_rating && !was_low) {
		consult_farmer_label(c, f->phone, farmer, sizeof(farmer));
		rc = consult_tell_staff(c, cid, "alert", "#%lld收到%d分评价（农户%s），请回访跟进。",
		    (long long)cid, rating, farmer);
	}
	if (rc == STORE_OK) {
		*ticket = cid;
		log_info("consult: #%lld rated %d", (long long)cid, rating);
	}
	return rc;
}

static enum store_rc
cmd_rating(struct consult *c, const struct store_farmer *f, int rating,
    struct consult_result *res)
{
	char text[256];
	int64_t cid = 0;
	enum store_rc rc;

	rc = consult_rate_last(c, f, rating, &cid);
	if (rc)
		return rc;
	if (cid == 0)
		return reply(c, f, res, "command", "目前没有可以评价的答复。有问题请直接发送，"
		    "专家答复后回复1-5评价。");
	res->ticket = cid;
	if (rating <= c->o.low_rating)
		snprintf(text, sizeof(text), "感谢您对问题#%lld的评价（%d分）。我们会请工作人员跟进。",
		    (long long)cid, rating);
	else
		snprintf(text, sizeof(text), "感谢您对问题#%lld的评价（%d分）！", (long long)cid,
		    rating);
	return reply(c, f, res, "rating", text);
}

/*
 * Whether a text classified as rr is about something else than con: a question still waiting
 * takes what the rules do not confidently put elsewhere (new_question_score); an answered one
 * only what is of its own category or of none ("还是不行").
 */
static int
about_other(const struct consult *c, const struct route_result *rr,
    const struct store_consult *con)
{
	if (strcmp(rr->code, ROUTE_TRIAGE) == 0 || strcmp(rr->code, con->category) == 0)
		return 0;
	return con->status == CS_ANSWERED || rr->score >= c->o.new_question_score;
}

/* A follow-up on consultation con: to the same expert, reopening it if it was answered. */
static enum store_rc
follow_up(struct consult *c, const struct store_farmer *f, struct store_consult *con,
    const char *text, struct consult_result *res)
{
	struct store_expert e;
	enum assign_outcome outcome = ASSIGN_QUEUED;
	int64_t who = 0;
	enum store_rc rc;

	res->ticket = con->id;
	set_action(res, "followup");
	rc = store_event_add(c->s, con->id, c->now, "followup", 0, NULL);
	if (rc)
		return rc;
	if (con->status == CS_ASSIGNED) {
		who = con->expert_id;
	} else if (con->status == CS_ANSWERED && con->expert_id) {
		/* Back to the expert who answered, if they are on duty; else by the policy. */
		memset(&e, 0, sizeof(e));
		rc = store_expert_get(c->s, con->expert_id, &e);
		if (rc == STORE_OK && e.on_duty) {
			rc = store_consult_assign(c->s, con->id, e.id, NULL, c->now);
			who = e.id;
		} else if (rc == STORE_OK) {
			rc = consult_dispatch(c, con->id, "追问", 1, &outcome);
		}
		store_expert_free(&e);
		if (rc)
			return rc;
		if (who)
			rc = store_event_add(c->s, con->id, c->now, "reopened", who, NULL);
	}
	if (rc)
		return rc;
	if (who) {
		memset(&e, 0, sizeof(e));
		rc = store_expert_get(c->s, who, &e);
		if (rc == STORE_OK)
			rc = consult_queue(c, e.phone, "followup", con->id, SEND_DAYTIME,
			    "#%lld农户追问：%s%s回复“%lld 答复内容”作答。", (long long)con->id, text,
			    consult_full_stop(text),
			    (long long)con->id);
		store_expert_free(&e);
		if (rc)
			return rc;
	}
	(void)f;
	return consult_queue(c, con->farmer_phone, "ack", con->id, SEND_NOW, who ||
	    outcome != ASSIGN_QUEUED ? "已收到您对问题#%lld的补充，已转给专家。" :
	    "已收到您对问题#%lld的补充，有专家后一并答复。", (long long)con->id);
}

/*
 * A farmer's text while they have questions open (or answered within the follow-up window):
 * a follow-up to the newest of them, or — when the rules confidently put it in a category —
 * to the newest of that category; a confident other category is a new question.
 */
static enum store_rc
question_or_follow_up(struct consult *c, const struct store_farmer *f, const char *text,
    const char *norm, struct consult_result *res)
{
	struct store_consult con, other;
	struct route_result rr;
	int64_t ids[FOLLOWABLE_MAX];
	enum store_rc rc;
	int n = 0, i;

	rc = store_consult_followable(c->s, f->id, c->now - c->o.followup_window_ms, ids,
	    FOLLOWABLE_MAX, &n);
	if (rc)
		return rc;
	if (n == 0) {
		set_action(res, "question");
		return consult_new_question(c, f, text, "sms", NULL, 0, f->phone, res);
	}
	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, ids[0], &con);
	if (rc)
		goto out;
	route_classify(c->rules, norm, &rr);
	if (!about_other(c, &rr, &con)) {
		rc = follow_up(c, f, &con, text, res);
		goto out;
	}
	/* "鹅还拉稀" while a pig question is newest and a goose question open: the goose one. */
	for (i = 1; i < n; i++) {
		memset(&other, 0, sizeof(other));
		rc = store_consult_get(c->s, ids[i], &other);
		if (rc == STORE_OK && strcmp(other.category, rr.code) == 0) {
			rc = follow_up(c, f, &other, text, res);
			store_consult_free(&other);
			goto out;
		}
		store_consult_free(&other);
		if (rc)
			goto out;
	}
	set_action(res, "question");
	rc = consult_new_question(c, f, text, "sms", NULL, 0, f->phone, res);
out:
	store_consult_free(&con);
	return rc;
}

static int
starts_with_township(const struct consult *c, const char *text)
{
	int i;

	for (i = 0; i < c->o.ntownships; i++) {
		if (strncmp(text, c->o.townships[i].name, strlen(c->o.townships[i].name)) == 0)
			return 1;
	}
	return 0;
}

enum store_rc
consult_handle_farmer(struct consult *c, const struct sms_in *in, struct consult_result *res)
{
	struct store_farmer f;
	struct farmer_cmd cmd;
	char *norm = NULL;
	enum store_rc rc;

	memset(&f, 0, sizeof(f));
	rc = store_farmer_ensure(c->s, in->from, c->now, &f);
	if (rc)
		return rc;
	norm = route_normalize(c->norm, in->text);
	if (norm == NULL) {
		store_farmer_free(&f);
		return STORE_ERR;
	}
	farmer_cmd_parse(norm, &cmd);
	/* "订阅号怎么关注", "登记的补贴怎么领": words that only begin like a command are questions. */
	if (((cmd.kind == FCMD_SUBSCRIBE || cmd.kind == FCMD_UNSUBSCRIBE) && cmd.arg[0] &&
	    !cmd.arg_spaced && route_rules_find(c->rules, cmd.arg) == NULL) ||
	    (cmd.kind == FCMD_REGISTER && cmd.arg[0] && !cmd.arg_spaced &&
	    !starts_with_township(c, cmd.arg)))
		cmd.kind = FCMD_TEXT;
	switch (cmd.kind) {
	case FCMD_HELP:
		rc = cmd_help(c, &f, res);
		break;
	case FCMD_QUERY:
		rc = cmd.ticket ? cmd_query_ticket(c, &f, cmd.ticket, res) : cmd_query(c, &f, res);
		break;
	case FCMD_STOP:
		rc = cmd_stop(c, &f, res);
		break;
	case FCMD_UNSUBSCRIBE:
		rc = cmd_unsubscribe(c, &f, cmd.arg, res);
		break;
	case FCMD_SUBSCRIBE:
		rc = cmd_subscribe(c, &f, cmd.arg, res);
		break;
	case FCMD_REGISTER:
		rc = cmd_register(c, &f, cmd.arg, res);
		break;
	case FCMD_RATING:
		rc = cmd_rating(c, &f, cmd.rating, res);
		break;
	case FCMD_TEXT:
	default:
		if (route_is_courtesy(norm))
			rc = courtesy(c, &f, res);
		else if (strspn(norm, "0123456789") == strlen(norm) && strlen(norm) <= 3)
			rc = reply(c, &f, res, "command", "评价请回复1-5中的一个数字（5为很满意）；"
			    "有问题请直接用文字描述，如“鹅苗死亡怎么办”。");
		else
			rc = question_or_follow_up(c, &f, in->text, norm, res);
		break;
	}
	free(norm);
	store_farmer_free(&f);
	return rc;
}
