/*
 * The consultation lifecycle: what an inbound message means (farmer or staff, see farmer.c and
 * staff.c), new questions — classified, assigned, acknowledged — and the queueing of every SMS
 * that follows, within the quiet hours and segment limits. Every step is stored.
 */
#include "consult/consult_int.h"

#include "common/config.h"
#include "common/metrics.h"
#include "common/phone.h"
#include "common/sms.h"
#include "routing/classify.h"
#include "routing/normalize.h"
#include "common/xmalloc.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_BATCH 100
#define STAFF_MAX 16		/* triage staff told of one event at most */

int
consult_opts_from_config(const struct config *cfg, struct consult_opts *o, char *err,
    size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->signature = cfg->signature;
	o->service_number = cfg->service_number;
	o->provider = cfg->provider_type;
	o->followup_window_ms = cfg->followup_window_ms;
	o->new_question_score = cfg->new_question_score;
	o->low_rating = cfg->low_rating;
	o->max_segments = cfg->max_segments;
	o->loop_limit = cfg->loop_limit;
	o->reveal_farmer_number = cfg->reveal_farmer_number;
	o->alert_farmer_number = cfg->alert_farmer_number;
	o->remind_after_ms = cfg->remind_after_ms;
	o->reassign_after_ms = cfg->reassign_after_ms;
	o->off_duty_grace_ms = cfg->off_duty_grace_ms;
	o->escalation_check_ms = cfg->escalation_check_ms;
	o->quiet.start_min = cfg->quiet_start_min;
	o->quiet.end_min = cfg->quiet_end_min;
	o->townships = cfg->townships;
	o->ntownships = cfg->ntownships;
	o->dedup_window_ms = cfg->dedup_window_ms;
	o->redeliver_after_ms = cfg->redeliver_after_ms;
	if (cfg->bureau_contact[0] && phone_normalize(cfg->bureau_contact, o->bureau_contact,
	    sizeof(o->bureau_contact)) != 0) {
		snprintf(err, errlen, "[consult] bureau_contact: \"%s\" is not a phone number",
		    cfg->bureau_contact);
		return -1;
	}
	return 0;
}

struct consult *
consult_new(struct store *s, const struct route_rules *rules, struct route_norm *norm,
    const struct consult_opts *opts)
{
	struct consult *c = xcalloc(1, sizeof(*c));

	c->s = s;
	c->rules = rules;
	c->norm = norm;
	c->o = *opts;
	if (c->o.max_segments < 1)
		c->o.max_segments = 1;
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

static enum store_rc
queue_one(struct consult *c, const char *to, const char *kind, int64_t cid, int64_t not_before,
    const char *text)
{
	enum store_rc rc;

	rc = store_outbox_add(c->s, c->o.provider, cid, kind, c->o.service_number, to, text,
	    sms_segments(text), c->now, not_before, NULL);
	if (rc == STORE_OK)
		c->queued++;
	return rc;
}

/*
 * Text (signature included) within max_segments goes as one concatenated SMS; longer text is
 * cut into numbered parts, each with the signature and "(i/n)" and within max_segments.
 */
static enum store_rc
queue_parts(struct consult *c, const char *to, const char *kind, int64_t cid,
    int64_t not_before, const char *body)
{
	struct sms_count count;
	char *whole = NULL, *part = NULL, prefix[32];
	enum store_rc rc = STORE_OK;
	int capacity, overhead, n = 2, parts, i;
	const char *p;

	whole = xasprintf("%s%s", c->o.signature, body);
	sms_count(whole, &count);
	if (count.segments <= c->o.max_segments) {
		rc = queue_one(c, to, kind, cid, not_before, whole);
		free(whole);
		return rc;
	}
	free(whole);
	capacity = c->o.max_segments == 1 ? sms_segment_units(count.coding, 1) :
	    c->o.max_segments * sms_segment_units(count.coding, 0);
	/* How many parts: the "(i/n)" prefix grows with n, so count until it settles. */
	for (;;) {
		snprintf(prefix, sizeof(prefix), "(%d/%d)", n, n);
		overhead = sms_units(c->o.signature, count.coding) + sms_units(prefix, count.coding);
		for (parts = 0, p = body; *p; parts++)
			p += sms_fit(p, count.coding, capacity - overhead);
		if (parts <= n)
			break;
		n = parts;
	}
	for (i = 1, p = body; *p; i++) {
		size_t len = sms_fit(p, count.coding, capacity - overhead);

		part = xasprintf("%s(%d/%d)%.*s", c->o.signature, i, parts, (int)len, p);
		rc = queue_one(c, to, kind, cid, not_before, part);
		free(part);
		if (rc)
			break;
		p += len;
	}
	return rc;
}

enum store_rc
consult_queue(struct consult *c, const char *to, const char *kind, int64_t cid,
    enum send_when when, const char *fmt, ...)
{
	char *body = NULL;
	enum store_rc rc;
	va_list ap;

	va_start(ap, fmt);
	body = xvasprintf(fmt, ap);
	va_end(ap);
	rc = queue_parts(c, to, kind, cid, when == SEND_DAYTIME ?
	    quiet_release(&c->o.quiet, c->now) : c->now, body);
	free(body);
	return rc;
}

const char *
consult_full_stop(const char *quoted)
{
	static const char *const ends[] = { "。", "？", "！", "…", "?", "!", "." };
	size_t len = strlen(quoted), i, n;

	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		n = strlen(ends[i]);
		if (len >= n && memcmp(quoted + len - n, ends[i], n) == 0)
			return "";
	}
	return "。";
}

void
consult_farmer_label(const struct consult *c, const char *phone, char *buf, size_t len)
{
	if (c->o.reveal_farmer_number)
		snprintf(buf, len, "%s", phone);
	else
		phone_mask(phone, buf, len);
}

void
consult_ack_text(const struct consult *c, int64_t ticket, const char *category_name,
    int outcome, char *buf, size_t len)
{
	(void)c;
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
		snprintf(buf, len, "已收到您的问题，编号%lld，类别：%s。暂无专家在岗，已排队，"
		    "有专家后尽快答复。", (long long)ticket, category_name);
		break;
	}
}

enum store_rc
consult_notify_assignee(struct consult *c, int64_t cid, int64_t who, const char *headline)
{
	struct store_consult con;
	struct store_expert e;
	char farmer[32];
	enum store_rc rc;

	memset(&con, 0, sizeof(con));
	memset(&e, 0, sizeof(e));
	rc = store_consult_get(c->s, cid, &con);
	if (rc == STORE_OK)
		rc = store_expert_get(c->s, who, &e);
	if (rc == STORE_OK) {
		consult_farmer_label(c, con.farmer_phone, farmer, sizeof(farmer));
		rc = consult_queue(c, e.phone, "notify", cid, SEND_DAYTIME,
		    "%s#%lld（%s）%s%s农户%s：%s%s回复“%lld 答复内容”作答，回复“转%lld”转交。",
		    headline, (long long)cid, route_rules_name(c->rules, con.category),
		    con.township ? con.township : "", con.township ? " " : "", farmer,
		    con.question, consult_full_stop(con.question), (long long)cid, (long long)cid);
	}
	store_consult_free(&con);
	store_expert_free(&e);
	return rc;
}

enum store_rc
consult_dispatch(struct consult *c, int64_t cid, const char *headline, int record_queued,
    enum assign_outcome *outcome)
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
		rc = consult_notify_assignee(c, cid, who, headline);
	else if (rc == STORE_OK && record_queued)
		rc = store_event_add(c->s, cid, c->now, "queued", 0, NULL);
	return rc;
}

enum store_rc
consult_tell_bureau(struct consult *c, int64_t cid, const char *fmt, ...)
{
	char *text = NULL;
	enum store_rc rc;
	va_list ap;

	if (c->o.bureau_contact[0] == '\0')
		return STORE_OK;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	rc = consult_queue(c, c->o.bureau_contact, "alert", cid, SEND_DAYTIME, "%s", text);
	free(text);
	return rc;
}

enum store_rc
consult_tell_staff(struct consult *c, int64_t cid, const char *kind, const char *fmt, ...)
{
	char phones[STAFF_MAX][STORE_PHONE_MAX], *text = NULL;
	enum store_rc rc;
	va_list ap;
	int n = 0, i;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	rc = store_staff_phones(c->s, ROLE_TRIAGE, phones, STAFF_MAX, &n);
	for (i = 0; rc == STORE_OK && i < n; i++)
		rc = consult_queue(c, phones[i], kind, cid, SEND_DAYTIME, "%s", text);
	if (rc == STORE_OK && n == 0)
		rc = consult_tell_bureau(c, cid, "%s", text);
	free(text);
	return rc;
}

enum store_rc
consult_new_question(struct consult *c, const struct store_farmer *f, const char *text,
    const char *channel, const char *category, int64_t commissioner_id, const char *ack_to,
    struct consult_result *res)
{
	struct store_consult con;
	struct route_result rr;
	enum assign_outcome outcome;
	char rule[PATH_MAX + 16] = "", ack[256], detail[PATH_MAX + 64], farmer[32];
	int64_t who = 0;
	char *norm;
	enum store_rc rc;

	if (category) {
		memset(&rr, 0, sizeof(rr));
		rr.code = category;
		rr.name = route_rules_name(c->rules, category);
	} else {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		norm = route_normalize(c->norm, text);
		if (norm == NULL)
			return STORE_ERR;
		route_classify(c->rules, norm, &rr);
		free(norm);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		metrics_observe(H_CLASSIFY, (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (rr.line)
			snprintf(rule, sizeof(rule), "%s:%d", route_rules_path(c->rules), rr.line);
	}

	memset(&con, 0, sizeof(con));
	con.farmer_id = f->id;
	con.channel = channel;
	con.question = (char *)text;
	con.category = (char *)rr.code;
	con.classified_by = category ? "menu" : "rules";
	con.score = rr.score;
	con.rule = rule[0] ? rule : NULL;
	con.status = CS_QUEUED;
	con.commissioner_id = commissioner_id;
	con.created_at = c->now;
	con.township = f->township;	/* borrowed: con is not freed */
	rc = store_consult_create(c->s, &con);
	if (rc)
		return rc;
	metrics_count(M_QUESTIONS, 1);
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
	if (ack_to == NULL) {
		rc = STORE_OK;
	} else if (commissioner_id) {
		struct store_expert comm;

		/* The farmer hears who asked for them before an answer comes from a stranger. */
		memset(&comm, 0, sizeof(comm));
		phone_mask(f->phone, farmer, sizeof(farmer));
		rc = consult_queue(c, ack_to, "ack", con.id, SEND_NOW, "已代农户%s提交问题，编号%lld，"
		    "类别：%s。专家答复将发给农户，并抄送您。", farmer, (long long)con.id, rr.name);
		if (rc == STORE_OK)
			rc = store_expert_get(c->s, commissioner_id, &comm);
		if (rc == STORE_OK)
			rc = consult_queue(c, f->phone, "ack", con.id, SEND_NOW, "信息员%s已代您提交问题，"
			    "编号%lld，类别：%s，专家答复后短信通知您。", comm.name, (long long)con.id,
			    rr.name);
		store_expert_free(&comm);
	} else {
		consult_ack_text(c, con.id, rr.name, outcome, ack, sizeof(ack));
		rc = consult_queue(c, ack_to, "ack", con.id, SEND_NOW, "%s", ack);
	}
	if (rc == STORE_OK && who)
		rc = consult_notify_assignee(c, con.id, who, "新问题");
	log_info("consult: #%lld %s (score %d%s%s) %s", (long long)con.id, rr.code, rr.score,
	    rule[0] ? ", " : "", rule, outcome == ASSIGN_EXPERT ? "assigned to an expert" :
	    outcome == ASSIGN_TRIAGE ? "assigned to triage" : "queued");
	return rc;
}

/* More than loop_limit messages in the last hour: an auto-responder, or a loop. */
static enum store_rc
too_many(struct consult *c, const char *from, int *over)
{
	enum store_rc rc;
	int n = 0;

	rc = store_msg_in_count(c->s, from, c->now - 3600000, c->o.loop_limit + 1, &n);
	*over = rc == STORE_OK && n > c->o.loop_limit;
	return rc;
}

/*
 * Whether a message without a provider id is the provider sending an earlier one again: the
 * same text from the same sender through the same provider within dedup_window. A registered
 * person's re-send after we answered the first (an expert giving the same advice to the next
 * farmer, or sending again as told) is deliberate: once an SMS of ours to them has left since
 * the first, the text is a new message. *id is the earlier row when it is a repeat.
 */
static enum store_rc
provider_repeat(struct consult *c, const struct sms_in *in, int *repeat, int64_t *id)
{
	struct store_expert e;
	enum store_rc rc;
	int64_t at = 0;
	int sent = 0;

	*repeat = 0;
	if (in->provider_id != NULL || c->o.dedup_window_ms <= 0)
		return STORE_OK;
	rc = store_msg_in_recent(c->s, in->provider, in->from, in->text,
	    c->now - c->o.dedup_window_ms, id, &at);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	memset(&e, 0, sizeof(e));
	if (rc == STORE_OK)
		rc = store_expert_find(c->s, in->from, &e);
	if (rc == STORE_OK)
		rc = store_msg_out_sent_since(c->s, in->from, at, &sent);
	store_expert_free(&e);
	if (rc == STORE_NOTFOUND) {
		*repeat = 1;	/* a farmer: the same text again is the same message */
		return STORE_OK;
	}
	if (rc == STORE_OK)
		*repeat = !sent;
	return rc;
}

enum store_rc
consult_handle(struct consult *c, const struct sms_in *in, int64_t now,
    struct consult_result *res)
{
	struct store_expert e;
	enum store_rc rc;
	int over = 0, repeat = 0;

	memset(res, 0, sizeof(*res));
	c->now = now;
	rc = provider_repeat(c, in, &repeat, &res->message_id);
	if (rc == STORE_OK && repeat)
		rc = STORE_DUP;
	else if (rc == STORE_OK)
		rc = store_msg_in_add(c->s, in->provider, in->provider_id, in->from, in->to,
		    in->text, sms_segments(in->text), now, &res->message_id);
	if (rc == STORE_DUP) {
		res->duplicate = 1;
		return store_msg_in_get(c->s, res->message_id, &res->ticket, res->action,
		    sizeof(res->action));
	}
	if (rc)
		return rc;

	memset(&e, 0, sizeof(e));
	rc = store_expert_find(c->s, in->from, &e);
	/* Loop protection counts farmers' numbers only (see below). */
	if (rc == STORE_NOTFOUND) {
		enum store_rc lrc = too_many(c, in->from, &over);

		if (lrc)
			return lrc;
	}
	if (rc == STORE_NOTFOUND && over) {
		/* Stored, but nothing is said back: that is how loops between gateways end. */
		snprintf(res->action, sizeof(res->action), "throttled");
		return store_msg_in_finish(c->s, res->message_id, 0, res->action);
	}
	/*
	 * Loop protection is for farmers' numbers: registered staff are answered however busy
	 * they are, so that a mistyped ticket or a 列表 on a busy morning always gets its reply.
	 */
	if (rc == STORE_OK)
		rc = consult_handle_staff(c, &e, in, res);
	else if (rc == STORE_NOTFOUND)
		rc = consult_handle_farmer(c, in, res);
	store_expert_free(&e);
	if (rc == STORE_OK)
		rc = store_msg_in_finish(c->s, res->message_id, res->ticket, res->action);
	return rc;
}

enum store_rc
consult_handle_report(struct consult *c, const struct report_in *r, int64_t now, int *found)
{
	char phone[STORE_PHONE_MAX];
	enum store_rc rc;

	*found = 0;
	c->now = now;
	if (r->status == REPORT_PENDING)
		return STORE_OK;	/* on its way: nothing to record */
	rc = store_outbox_report(c->s, r->provider, r->ref, r->provider_id,
	    r->status == REPORT_DELIVERED ? "delivered" : "failed", r->reason, now, found);
	/* A farmer who told the provider to stop gets no more broadcasts from us either. */
	if (rc == STORE_OK && *found && r->opted_out &&
	    store_outbox_recipient(c->s, r->provider, r->ref, r->provider_id, phone,
	    sizeof(phone)) == STORE_OK) {
		rc = store_farmer_opt_out_phone(c->s, phone);
		log_info("consult: a farmer opted out with the provider: no more broadcasts");
	}
	return rc;
}

#define FAILED_BATCH 50

/*
 * Messages that could not be delivered: a farmer's answer is tried once more after
 * redeliver_after; when that fails too, the expert and triage staff are told. A notice to an
 * expert that fails is told to triage staff. Everything else is only recorded.
 */
static enum store_rc
handle_failures(struct consult *c, int *changed)
{
	struct store_failed rows[FAILED_BATCH];
	struct store_consult con;
	struct store_expert e;
	char farmer[32];
	enum store_rc rc;
	int n, i;

	rc = store_outbox_failed_unhandled(c->s, rows, FAILED_BATCH, &n);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		struct store_failed *f = &rows[i];

		/* A provider's error text may quote a number: staff see it masked. */
		log_mask_numbers(f->error);
		(*changed)++;
		if (strcmp(f->kind, "answer") == 0 && f->retry_of == 0) {
			rc = store_outbox_requeue(c->s, f->id, c->now,
			    c->now + c->o.redeliver_after_ms);
			if (rc == STORE_OK)
				rc = store_event_add(c->s, f->cid, c->now, "redeliver", 0, f->error);
		} else if (strcmp(f->kind, "answer") == 0 && f->cid) {
			memset(&con, 0, sizeof(con));
			memset(&e, 0, sizeof(e));
			rc = store_consult_get(c->s, f->cid, &con);
			if (rc == STORE_OK)
				rc = store_event_add(c->s, f->cid, c->now, "undelivered", 0, f->error);
			/* Staff are to phone the farmer: the whole number, unless the county
			 * forbids it. */
			if (c->o.alert_farmer_number)
				snprintf(farmer, sizeof(farmer), "%s", f->recipient);
			else
				consult_farmer_label(c, f->recipient, farmer, sizeof(farmer));
			if (rc == STORE_OK && con.answered_by &&
			    store_expert_get(c->s, con.answered_by, &e) == STORE_OK)
				rc = consult_queue(c, e.phone, "notice", f->cid, SEND_DAYTIME,
				    "#%lld的答复两次都未能送达农户%s（%s），请设法电话联系。",
				    (long long)f->cid, farmer, f->error);
			if (rc == STORE_OK)
				rc = consult_tell_staff(c, f->cid, "alert", "#%lld的答复两次都未能送达"
				    "农户%s（%s），请跟进。", (long long)f->cid, farmer, f->error);
			store_expert_free(&e);
			store_consult_free(&con);
		} else if (strcmp(f->kind, "notify") == 0 || strcmp(f->kind, "followup") == 0 ||
		    strcmp(f->kind, "reminder") == 0) {
			rc = consult_tell_staff(c, f->cid, "alert", "发给专家的#%lld通知未能送达（%s），"
			    "请核实专家手机号。", (long long)f->cid, f->error);
		}
		if (rc == STORE_OK)
			rc = store_outbox_failure_handled(c->s, f->id);
	}
	return rc;
}

enum store_rc
consult_tick(struct consult *c, int64_t now, int *changed)
{
	int64_t ids[TICK_BATCH];
	enum assign_outcome outcome;
	enum store_rc rc;
	int n, i, escalated = 0;

	*changed = 0;
	c->now = now;
	rc = store_consult_queued(c->s, ids, TICK_BATCH, &n);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		rc = consult_dispatch(c, ids[i], "新问题", 0, &outcome);
		if (rc == STORE_OK && outcome != ASSIGN_QUEUED)
			(*changed)++;
	}
	if (rc == STORE_OK && now >= c->next_escalation) {
		rc = consult_escalate(c, &escalated);
		*changed += escalated;
		c->next_escalation = now + c->o.escalation_check_ms;
	}
	if (rc == STORE_OK)
		rc = handle_failures(c, changed);
	return rc;
}
