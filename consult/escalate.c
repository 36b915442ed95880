/*
 * The escalation timers, run from the writer thread's tick: a question unanswered after
 * remind_after of working time gets one reminder to its expert; after reassign_after it goes to
 * the next expert (the farmer is told it is still being handled), and when every expert of the
 * category has had it, to triage staff, with the bureau contact told. An expert who went off
 * duty has their open questions handed on after off_duty_grace. Quiet hours do not count.
 * A question is never "handed on" to the person who holds it: triage staff with no one else to
 * give it to keep it, and the bureau hears of that once.
 */
#include "consult/consult_int.h"

#include "routing/classify.h"

#include <stdio.h>
#include <string.h>

#define ESCALATE_BATCH 200

/* "3小时" for a reminder. */
static void
waited(int64_t ms, char *buf, size_t len)
{
	int64_t min = ms / 60000;

	if (min < 60)
		snprintf(buf, len, "%lld分钟", (long long)(min < 1 ? 1 : min));
	else
		snprintf(buf, len, "%lld小时", (long long)(min / 60));
}

static enum store_rc
remind(struct consult *c, const struct store_open_assignment *a, int64_t work)
{
	struct store_expert e;
	struct store_consult con;
	char how_long[32];
	enum store_rc rc;

	memset(&e, 0, sizeof(e));
	memset(&con, 0, sizeof(con));
	waited(work, how_long, sizeof(how_long));
	rc = store_expert_get(c->s, a->expert_id, &e);
	if (rc == STORE_OK)
		rc = store_consult_get(c->s, a->cid, &con);
	if (rc == STORE_OK)
		rc = consult_queue(c, e.phone, "reminder", a->cid, SEND_DAYTIME,
		    "提醒：问题#%lld（%s）已等待%s，农户还在等您的答复。回复“%lld 答复内容”作答，"
		    "不便答复请回复“转%lld”。", (long long)a->cid,
		    route_rules_name(c->rules, con.category), how_long, (long long)a->cid,
		    (long long)a->cid);
	if (rc == STORE_OK)
		rc = store_assignment_reminded(c->s, a->id, c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, a->cid, c->now, "reminded", a->expert_id, how_long);
	store_consult_free(&con);
	store_expert_free(&e);
	return rc;
}

/*
 * Whether the question of assignment a would go to someone other than its holder: an expert of
 * the category who has not had it, other triage staff, or — for an expert holder — the queue.
 */
static enum store_rc
someone_else(struct consult *c, const struct store_open_assignment *a, int *other)
{
	struct store_consult con;
	enum store_rc rc;
	int64_t id = 0;

	*other = 1;
	if (a->role != ROLE_TRIAGE)
		return STORE_OK;
	memset(&con, 0, sizeof(con));
	rc = store_consult_get(c->s, a->cid, &con);
	if (rc == STORE_OK && strcmp(con.category, ROUTE_TRIAGE) != 0) {
		rc = store_expert_pick(c->s, ROLE_EXPERT, con.category, con.township, con.id, &id);
		if (rc == STORE_OK)
			goto out;
	}
	if (rc == STORE_OK || rc == STORE_NOTFOUND)
		rc = store_expert_pick(c->s, ROLE_TRIAGE, con.category, con.township, con.id, &id);
	if (rc == STORE_NOTFOUND || (rc == STORE_OK && id == a->expert_id)) {
		*other = 0;
		rc = STORE_OK;
	}
out:
	store_consult_free(&con);
	return rc;
}

/* Triage staff keep a question no one else can take: told once, and the bureau once. */
static enum store_rc
hold(struct consult *c, const struct store_open_assignment *a)
{
	struct store_expert e;
	struct store_consult con;
	char how_long[32];
	enum store_rc rc;

	memset(&e, 0, sizeof(e));
	memset(&con, 0, sizeof(con));
	waited(c->o.reassign_after_ms, how_long, sizeof(how_long));
	rc = store_assignment_held(c->s, a->id, c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, a->cid, c->now, "held", a->expert_id, NULL);
	if (rc == STORE_OK)
		rc = store_expert_get(c->s, a->expert_id, &e);
	if (rc == STORE_OK)
		rc = store_consult_get(c->s, a->cid, &con);
	if (rc == STORE_OK)
		rc = consult_queue(c, e.phone, "reminder", a->cid, SEND_DAYTIME, "问题#%lld已等待%s，"
		    "没有其他人可以接手，请您处理：回复“%lld 答复内容”作答，“分%lld 类别”分给专家，"
		    "或“关%lld 原因”关闭。", (long long)a->cid, how_long, (long long)a->cid,
		    (long long)a->cid, (long long)a->cid);
	if (rc == STORE_OK)
		rc = consult_tell_bureau(c, a->cid, "问题#%lld（%s）在分诊员%s处%s未处理，也没有其他人"
		    "可以接手，请督促。", (long long)a->cid, route_rules_name(c->rules, con.category),
		    e.name, how_long);
	log_info("consult: #%lld held by triage: no one else to take it", (long long)a->cid);
	store_consult_free(&con);
	store_expert_free(&e);
	return rc;
}

/* Take the question from its expert and give it to the next one (why: reassigned/off_duty). */
static enum store_rc
hand_on(struct consult *c, const struct store_open_assignment *a, const char *why)
{
	struct store_expert old;
	struct store_consult con;
	enum assign_outcome outcome;
	enum store_rc rc;

	memset(&old, 0, sizeof(old));
	memset(&con, 0, sizeof(con));
	rc = store_consult_unassign(c->s, a->cid, why, c->now);
	if (rc == STORE_OK)
		rc = store_event_add(c->s, a->cid, c->now, why, a->expert_id, NULL);
	if (rc == STORE_OK)
		rc = consult_dispatch(c, a->cid, "转来的问题", 1, &outcome);
	if (rc == STORE_OK)
		rc = store_expert_get(c->s, a->expert_id, &old);
	if (rc == STORE_OK)
		rc = store_consult_get(c->s, a->cid, &con);
	if (rc)
		goto out;

	rc = consult_queue(c, old.phone, "notice", a->cid, SEND_DAYTIME,
	    outcome == ASSIGN_QUEUED ? "问题#%lld已收回，等待其他人接手，无需您再答复。" :
	    strcmp(why, "off_duty") == 0 ? "您暂停期间，问题#%lld已转给其他人答复。" :
	    "问题#%lld超时未答，已转给其他人答复。", (long long)a->cid);
	if (rc == STORE_OK)
		rc = consult_queue(c, con.farmer_phone, "progress", a->cid, SEND_DAYTIME,
		    "您的问题#%lld仍在处理中，%s，请耐心等待。", (long long)a->cid,
		    outcome == ASSIGN_EXPERT ? "已请其他专家答复" : outcome == ASSIGN_TRIAGE ?
		    "已请工作人员安排答复" : "正在为您安排专家");
	if (rc == STORE_OK && outcome != ASSIGN_EXPERT)
		rc = consult_tell_bureau(c, a->cid, "问题#%lld（%s）本类专家都未能答复，%s。",
		    (long long)a->cid, route_rules_name(c->rules, con.category),
		    outcome == ASSIGN_TRIAGE ? "已转分诊员" : "暂无人可接，请安排");
	log_info("consult: #%lld %s, now %s", (long long)a->cid, why,
	    outcome == ASSIGN_EXPERT ? "with another expert" : outcome == ASSIGN_TRIAGE ?
	    "with triage" : "waiting");
out:
	store_consult_free(&con);
	store_expert_free(&old);
	return rc;
}

enum store_rc
consult_escalate(struct consult *c, int *changed)
{
	struct store_open_assignment rows[ESCALATE_BATCH];
	enum store_rc rc;
	int n, i;

	*changed = 0;
	rc = store_open_assignments(c->s, rows, ESCALATE_BATCH, &n);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		const struct store_open_assignment *a = &rows[i];
		int64_t work;
		int other = 1;

		if (!a->on_duty && a->off_since &&
		    c->now - a->off_since >= c->o.off_duty_grace_ms) {
			rc = hand_on(c, a, "off_duty");
			(*changed)++;
			continue;
		}
		work = work_elapsed(&c->o.quiet, a->assigned_at, c->now);
		if (work >= c->o.reassign_after_ms) {
			rc = someone_else(c, a, &other);
			if (rc == STORE_OK)
				rc = other ? hand_on(c, a, "reassigned") : hold(c, a);
			(*changed)++;
		} else if (a->reminded_at == 0 && work >= c->o.remind_after_ms) {
			rc = remind(c, a, work);
			(*changed)++;
		}
	}
	return rc;
}
