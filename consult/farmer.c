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

#include "common/config.h"
#include "consult/farmer_command.h"
#include "gateway/phone.h"
#include "gateway/sms.h"
#include "routing/classify.h"
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
	int i, chars = 0;

	buf[0] = '\0';
	for (i = 0; i < route_rules_count(c->rules); i++) {
		const char *name = route_rules_category(c->rules, i)->name;

		if (chars + (int)strlen(name) / 3 > LIST_MAX_CHARS) {
			strncat(buf, "等", len - strlen(buf) - 1);
			break;
		}
		if (i)
			strncat(buf, "、", len - strlen(buf) - 1);
		strncat(buf, name, len - strlen(buf) - 1);
		chars += (int)strlen(name) / 3 + 1;
	}
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
	int i, chars = 0;

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
		for (i = 0; i < c->o.ntownships; i++) {
			const char *name = c->o.townships[i].name;

			if (chars + (int)strlen(name) / 3 > LIST_MAX_CHARS) {
				strncat(list, "等", sizeof(list) - strlen(list) - 1);
				break;
			}
			if (i)
				strncat(list, "、", sizeof(list) - strlen(list) - 1);
			strncat(list, name, sizeof(list) - strlen(list) - 1);
			chars += (int)strlen(name) / 3 + 1;
		}
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

	*ticket = 0;
	rc = store_consult_last_answered(c->s, f->id, &cid);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	snprintf(detail, sizeof(detail), "%d", rating);
	if (rc == STORE_OK)
		rc = store_consult_rate(c->s, cid, rating, c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, cid, c->now, "rated", 0, detail);
	if (rc == STORE_OK && rating <= c->o.low_rating) {
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

/* Whether a text classified as rr is clearly a new question rather than about category. */
static int
clearly_new(const struct consult *c, const struct route_result *rr, const char *category)
{
	return strcmp(rr->code, ROUTE_TRIAGE) != 0 && strcmp(rr->code, category) != 0 &&
	    rr->score >= c->o.new_question_score;
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
			    "#%lld农户追问：%s。回复“%lld 答复内容”作答。", (long long)con->id, text,
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
	if (!clearly_new(c, &rr, con.category)) {
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
	if ((cmd.kind == FCMD_SUBSCRIBE && cmd.arg[0] && !cmd.arg_spaced &&
	    route_rules_find(c->rules, cmd.arg) == NULL) ||
	    (cmd.kind == FCMD_REGISTER && cmd.arg[0] && !cmd.arg_spaced &&
	    !starts_with_township(c, cmd.arg)))
		cmd.kind = FCMD_TEXT;
	switch (cmd.kind) {
	case FCMD_HELP:
		rc = cmd_help(c, &f, res);
		break;
	case FCMD_QUERY:
		rc = cmd_query(c, &f, res);
		break;
	case FCMD_STOP:
		rc = cmd_stop(c, &f, res);
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
		rc = question_or_follow_up(c, &f, in->text, norm, res);
		break;
	}
	free(norm);
	store_farmer_free(&f);
	return rc;
}
