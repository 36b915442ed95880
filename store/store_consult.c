/*
 * Consultations, their assignments to experts, and the events of their history.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const channels[] = { "sms", "ussd", "commissioner" };
static const char *const classifiers[] = { "rules", "staff", "menu" };

/* The static string equal to text among names, or names[0]. */
static const char *
static_name(const char *const *names, size_t n, const unsigned char *text)
{
	size_t i;

	for (i = 0; text && i < n; i++) {
		if (strcmp(names[i], (const char *)text) == 0)
			return names[i];
	}
	return names[0];
}

static enum consult_status
status_parse(const unsigned char *text)
{
	int i;

	for (i = CS_QUEUED; i <= CS_CLOSED; i++) {
		if (text && strcmp(store_status_name(i), (const char *)text) == 0)
			return i;
	}
	return CS_QUEUED;
}

enum store_rc
store_consult_create(struct store *s, struct store_consult *c)
{
	enum store_rc rc;

	rc = store_run(s, ST_CONSULT_ADD,
	    "INSERT INTO consultations (farmer_id, channel, question, category, classified_by,"
	    " rules_category, score, rule, status, commissioner_id, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?5 = 'rules' THEN ?4 END, ?6, ?7, ?8, ?9, ?10)",
	    "IttttittdI", (int64_t)c->farmer_id, c->channel ? c->channel : "sms", c->question,
	    c->category, c->classified_by ? c->classified_by : "rules", (int)c->score, c->rule,
	    store_status_name(c->status), (int64_t)c->commissioner_id, (int64_t)c->created_at);
	if (rc == STORE_OK)
		c->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static void
consult_read(sqlite3_stmt *st, void *arg)
{
	struct store_consult *out = arg;

	out->id = sqlite3_column_int64(st, 0);
	out->farmer_id = sqlite3_column_int64(st, 1);
	out->channel = static_name(channels, 3, sqlite3_column_text(st, 2));
	out->question = store_col_dup(st, 3);
	out->category = store_col_dup(st, 4);
	out->classified_by = static_name(classifiers, 3, sqlite3_column_text(st, 5));
	out->score = sqlite3_column_int(st, 6);
	out->rule = store_col_dup(st, 7);
	out->status = status_parse(sqlite3_column_text(st, 8));
	out->expert_id = sqlite3_column_int64(st, 9);
	out->commissioner_id = sqlite3_column_int64(st, 10);
	out->created_at = sqlite3_column_int64(st, 11);
	out->assigned_at = sqlite3_column_int64(st, 12);
	out->first_answered_at = sqlite3_column_int64(st, 13);
	out->closed_at = sqlite3_column_int64(st, 14);
	out->answered_by = sqlite3_column_int64(st, 15);
	out->rating = sqlite3_column_int(st, 16);
	store_col_copy(st, 17, out->farmer_phone, sizeof(out->farmer_phone));
	out->township = store_col_dup(st, 18);
	out->last_answered_at = sqlite3_column_int64(st, 19);
}

enum store_rc
store_consult_get(struct store *s, int64_t id, struct store_consult *out)
{
	sqlite3_stmt *st;

	st = store_stmt(s, ST_CONSULT_GET,
	    "SELECT c.id, c.farmer_id, c.channel, c.question, c.category, c.classified_by,"
	    " c.score, c.rule, c.status, c.expert_id, c.commissioner_id, c.created_at,"
	    " c.assigned_at, c.first_answered_at, c.closed_at, c.answered_by, c.rating,"
	    " f.phone, f.township, c.last_answered_at"
	    " FROM consultations c JOIN farmers f ON f.id = c.farmer_id WHERE c.id = ?1");
	if (st)
		sqlite3_bind_int64(st, 1, id);
	return store_one_row(s, st, consult_read, out);
}

/*
 * Close the open assignment of cid, if any, with outcome. A notice or reminder to that expert
 * still held for the morning (quiet hours) is withdrawn: it would ask them to answer a question
 * that is answered or has moved on. One already tried is left alone.
 */
static enum store_rc
assignment_end(struct store *s, int64_t cid, const char *outcome, int64_t now)
{
	enum store_rc rc;

	rc = store_run(s, ST_ASSIGNMENT_WITHDRAW,
	    "UPDATE messages SET status = 'withdrawn', next_attempt_at = NULL,"
	    " last_error = 'question ' || ?3 || ' before it was sent'"
	    " WHERE direction = 'out' AND consultation_id = ?1 AND status = 'queued'"
	    " AND attempts = 0 AND next_attempt_at > ?2 AND kind IN ('notify', 'reminder')"
	    " AND recipient = (SELECT e.phone FROM assignments a JOIN experts e ON e.id = a.expert_id"
	    " WHERE a.consultation_id = ?1 AND a.ended_at IS NULL)",
	    "IIt", (int64_t)cid, (int64_t)now, outcome);
	if (rc)
		return rc;
	return store_run(s, ST_ASSIGNMENT_END,
	    "UPDATE assignments SET ended_at = ?2, outcome = ?3"
	    " WHERE consultation_id = ?1 AND ended_at IS NULL",
	    "IIt", (int64_t)cid, (int64_t)now, outcome);
}

enum store_rc
store_consult_assign(struct store *s, int64_t cid, int64_t expert_id, const char *outcome,
    int64_t now)
{
	enum store_rc rc;

	rc = assignment_end(s, cid, outcome ? outcome : "reassigned", now);
	if (rc)
		return rc;
	rc = store_run(s, ST_ASSIGNMENT_ADD,
	    "INSERT INTO assignments (consultation_id, expert_id, assigned_at) VALUES (?1, ?2, ?3)",
	    "III", (int64_t)cid, (int64_t)expert_id, (int64_t)now);
	if (rc)
		return rc;

	rc = store_run(s, ST_CONSULT_ASSIGN,
	    "UPDATE consultations SET expert_id = ?2, assigned_at = coalesce(assigned_at, ?3),"
	    " status = CASE WHEN status IN ('queued', 'answered') THEN 'assigned' ELSE status END"
	    " WHERE id = ?1",
	    "III", (int64_t)cid, (int64_t)expert_id, (int64_t)now);
	if (rc)
		return rc;

	/* Round-robin among equals: the one assigned longest ago goes first next time. */
	return store_run(s, ST_EXPERT_BUMP,
	    "UPDATE experts SET assign_seq = (SELECT coalesce(max(assign_seq), 0) + 1 FROM experts)"
	    " WHERE id = ?1",
	    "I", (int64_t)expert_id);
}

enum store_rc
store_consult_unassign(struct store *s, int64_t cid, const char *outcome, int64_t now)
{
	enum store_rc rc;

	rc = assignment_end(s, cid, outcome, now);
	if (rc)
		return rc;
	return store_run(s, ST_CONSULT_UNASSIGN,
	    "UPDATE consultations SET expert_id = NULL,"
	    " status = CASE WHEN status = 'assigned' THEN 'queued' ELSE status END WHERE id = ?1",
	    "I", (int64_t)cid);
}

/*
 * The answer closes the open assignment of cid: "answered" when its holder gave it,
 * "taken_over" when someone else did (triage staff, or an expert who had it before), so
 * that the appraisal never credits a holder with an answer they did not give. An expert who
 * answers a question that has moved on from them answered what they were given, late: their
 * own latest assignment of it ends "answered" at now. The answerer is then who the question
 * belongs to (expert_id: a follow-up goes to them); answered_by and first_answered_at keep
 * the first answer.
 */
enum store_rc
store_consult_answered(struct store *s, int64_t cid, int64_t expert_id, int64_t now)
{
	enum store_rc rc;
	int64_t holder = 0;

	/*
	 * A question has one open assignment at most. "+ended_at": found through the
	 * consultation's index, not by walking every open assignment (1.5 ms a call with a
	 * backlog of thousands).
	 */
	rc = store_value(s, ST_ASSIGNMENT_HOLDER, "SELECT expert_id FROM assignments"
	    " WHERE consultation_id = ?1 AND +ended_at IS NULL LIMIT 1", &holder, "I", cid);
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;

	rc = assignment_end(s, cid, holder == expert_id ? "answered" : "taken_over", now);
	if (rc)
		return rc;
	if (holder != expert_id) {
		rc = store_run(s, ST_ASSIGNMENT_LATE,
		    "UPDATE assignments SET outcome = 'answered', ended_at = ?3"
		    " WHERE id = (SELECT max(id) FROM assignments"
		    "   WHERE consultation_id = ?1 AND expert_id = ?2)"
		    " AND outcome IS NOT 'answered'"
		    " AND (SELECT role FROM experts WHERE id = ?2) = 'expert'", "III", cid,
		    expert_id, now);
		if (rc)
			return rc;
	}
	return store_run(s, ST_CONSULT_ANSWERED,
	    "UPDATE consultations SET status = 'answered', expert_id = ?2,"
	    " first_answered_at = coalesce(first_answered_at, ?3), last_answered_at = ?3,"
	    " answered_by = coalesce(answered_by, ?2) WHERE id = ?1",
	    "III", (int64_t)cid, (int64_t)expert_id, (int64_t)now);
}

enum store_rc
store_consult_close(struct store *s, int64_t cid, int64_t now)
{
	enum store_rc rc;

	rc = assignment_end(s, cid, "closed", now);
	if (rc)
		return rc;
	return store_run(s, ST_CONSULT_CLOSE,
	    "UPDATE consultations SET status = 'closed', closed_at = ?2"
	    " WHERE id = ?1 AND status IN ('queued', 'assigned')",
	    "II", (int64_t)cid, (int64_t)now);
}

enum store_rc
store_consult_set_category(struct store *s, int64_t cid, const char *category,
    const char *classified_by)
{
	return store_run(s, ST_CONSULT_CATEGORY,
	    "UPDATE consultations SET category = ?2, classified_by = ?3 WHERE id = ?1",
	    "Itt", (int64_t)cid, category, classified_by);
}

static enum store_rc
id_list(struct store *s, sqlite3_stmt *st, int64_t *ids, int max, int *n)
{
	int rc;

	*n = 0;
	if (st == NULL)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n < max)
			ids[*n] = sqlite3_column_int64(st, 0);
		(*n)++;
		if (*n >= max)
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_consult_open_for(struct store *s, int64_t expert_id, int64_t *ids, int max, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONSULT_OPEN_FOR,
	    "SELECT id FROM consultations WHERE expert_id = ?1 AND status = 'assigned'"
	    " ORDER BY id LIMIT ?2");

	if (st) {
		sqlite3_bind_int64(st, 1, expert_id);
		sqlite3_bind_int(st, 2, max);
	}
	return id_list(s, st, ids, max, n);
}

enum store_rc
store_consult_queued(struct store *s, int64_t *ids, int max, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONSULT_QUEUED,
	    "SELECT id FROM consultations WHERE status = 'queued' ORDER BY created_at, id LIMIT ?1");

	if (st)
		sqlite3_bind_int(st, 1, max);
	return id_list(s, st, ids, max, n);
}

enum store_rc
store_consult_had(struct store *s, int64_t cid, int64_t expert_id, int *had)
{
	int64_t one = 0;
	enum store_rc rc;

	rc = store_value(s, ST_ASSIGNMENT_HAD,
	    "SELECT 1 FROM assignments WHERE consultation_id = ?1 AND expert_id = ?2 LIMIT 1", &one,
	    "II", cid, expert_id);
	*had = rc == STORE_OK;
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

enum store_rc
store_event_add(struct store *s, int64_t cid, int64_t now, const char *kind, int64_t expert_id,
    const char *detail)
{
	return store_run(s, ST_EVENT_ADD,
	    "INSERT INTO events (consultation_id, at, kind, expert_id, detail)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	    "dItdt", (int64_t)cid, (int64_t)now, kind, (int64_t)expert_id, detail);
}

void
store_consult_free(struct store_consult *c)
{
	free(c->question);
	free(c->category);
	free(c->rule);
	free(c->township);
	c->question = c->category = c->rule = c->township = NULL;
}

enum store_rc
store_corrections(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_correction *c), void *arg)
{
	struct store_correction c;
	sqlite3_stmt *st;
	int rc, stop = 0;

	st = store_stmt(s, ST_CORRECTIONS,
	    "SELECT id, question, rules_category, category, rule, created_at FROM consultations"
	    " WHERE classified_by = 'staff' AND rules_category IS NOT NULL"
	    "   AND rules_category <> category AND created_at >= ?1 AND created_at < ?2"
	    " ORDER BY id");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.id = sqlite3_column_int64(st, 0);
		c.question = (const char *)sqlite3_column_text(st, 1);
		c.rules_category = (const char *)sqlite3_column_text(st, 2);
		c.category = (const char *)sqlite3_column_text(st, 3);
		c.rule = (const char *)sqlite3_column_text(st, 4);
		c.created_at = sqlite3_column_int64(st, 5);
		stop = cb(arg, &c);
	}
	sqlite3_reset(st);
	if (stop)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

static enum store_rc
one_id(struct store *s, sqlite3_stmt *st, int64_t *id)
{
	int rc;

	if (st == NULL)
		return STORE_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc_from(s, rc);
}

enum store_rc
store_consult_followable(struct store *s, int64_t farmer_id, int64_t answered_since,
    int64_t *ids, int max, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONSULT_FOLLOWABLE,
	    "SELECT id FROM consultations WHERE farmer_id = ?1 AND status IN ('queued', 'assigned')"
	    " UNION ALL SELECT id FROM consultations WHERE farmer_id = ?1 AND status = 'answered'"
	    " AND last_answered_at >= ?2 ORDER BY 1 DESC LIMIT ?3");

	if (st) {
		sqlite3_bind_int64(st, 1, farmer_id);
		sqlite3_bind_int64(st, 2, answered_since);
		sqlite3_bind_int(st, 3, max);
	}
	return id_list(s, st, ids, max, n);
}

enum store_rc
store_consult_last_answered(struct store *s, int64_t farmer_id, int64_t *cid)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONSULT_LAST_ANSWERED,
	    "SELECT id FROM consultations WHERE farmer_id = ?1 AND last_answered_at IS NOT NULL"
	    " ORDER BY last_answered_at DESC, id DESC LIMIT 1");

	if (st)
		sqlite3_bind_int64(st, 1, farmer_id);
	return one_id(s, st, cid);
}

enum store_rc
store_consult_recent(struct store *s, int64_t farmer_id, int64_t *ids, int max, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_CONSULT_RECENT,
	    "SELECT id FROM consultations WHERE farmer_id = ?1 ORDER BY id DESC LIMIT ?2");

	if (st) {
		sqlite3_bind_int64(st, 1, farmer_id);
		sqlite3_bind_int(st, 2, max);
	}
	return id_list(s, st, ids, max, n);
}

enum store_rc
store_consult_rate(struct store *s, int64_t cid, int rating, int64_t now)
{
	return store_run(s, ST_CONSULT_RATE,
	    "UPDATE consultations SET rating = ?2, rated_at = ?3 WHERE id = ?1",
	    "IiI", (int64_t)cid, (int)rating, (int64_t)now);
}

enum store_rc
store_open_assignments(struct store *s, struct store_open_assignment *rows, int max, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_OPEN_ASSIGNMENTS,
	    "SELECT a.id, a.consultation_id, a.expert_id, e.role, e.on_duty, e.off_since,"
	    " a.assigned_at, a.reminded_at"
	    " FROM assignments a JOIN consultations c ON c.id = a.consultation_id"
	    " JOIN experts e ON e.id = a.expert_id"
	    " WHERE a.ended_at IS NULL AND a.held_at IS NULL AND c.status = 'assigned'"
	    " ORDER BY a.assigned_at, a.id"
	    " LIMIT ?1");
	int rc = SQLITE_DONE;

	*n = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int(st, 1, max);
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_open_assignment *a = &rows[(*n)++];
		const char *role = (const char *)sqlite3_column_text(st, 3);
		int r = role ? store_role_parse(role) : -1;

		a->id = sqlite3_column_int64(st, 0);
		a->cid = sqlite3_column_int64(st, 1);
		a->expert_id = sqlite3_column_int64(st, 2);
		a->role = r < 0 ? ROLE_EXPERT : (enum store_role)r;
		a->on_duty = sqlite3_column_int(st, 4);
		a->off_since = sqlite3_column_int64(st, 5);
		a->assigned_at = sqlite3_column_int64(st, 6);
		a->reminded_at = sqlite3_column_int64(st, 7);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_assignment_reminded(struct store *s, int64_t id, int64_t now)
{
	return store_run(s, ST_ASSIGNMENT_REMINDED,
	    "UPDATE assignments SET reminded_at = ?2 WHERE id = ?1",
	    "II", (int64_t)id, (int64_t)now);
}

enum store_rc
store_assignment_held(struct store *s, int64_t id, int64_t now)
{
	return store_run(s, ST_ASSIGNMENT_HELD,
	    "UPDATE assignments SET held_at = ?2 WHERE id = ?1",
	    "II", (int64_t)id, (int64_t)now);
}

enum store_rc
store_consult_answers(struct store *s, int64_t cid,
    int (*cb)(void *arg, const char *text, const char *who), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_ANSWERS,
	    "SELECT ev.detail, e.name FROM events ev LEFT JOIN experts e ON e.id = ev.expert_id"
	    " WHERE ev.consultation_id = ?1 AND ev.kind = 'answered' AND ev.detail IS NOT NULL"
	    " ORDER BY ev.id");
	int rc, stop = 0;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, cid);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		stop = cb(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	if (stop)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_consult_history(struct store *s, int64_t cid,
    int (*cb)(void *arg, const struct store_history_item *h), void *arg)
{
	struct store_history_item h;
	sqlite3_stmt *st;
	int rc, stop = 0;

	st = store_stmt(s, ST_HISTORY,
	    "SELECT ev.at, 'event', ev.kind, e.name, ev.detail, NULL, 0, 0, 1 AS src, ev.id"
	    " FROM events ev LEFT JOIN experts e ON e.id = ev.expert_id"
	    " WHERE ev.consultation_id = ?1"
	    " UNION ALL"
	    " SELECT m.created_at, m.direction, m.kind,"
	    "  CASE m.direction WHEN 'in' THEN m.sender ELSE m.recipient END, m.body, m.status,"
	    "  m.segments, m.attempts, CASE m.direction WHEN 'in' THEN 0 ELSE 2 END, m.id"
	    " FROM messages m WHERE m.consultation_id = ?1"
	    " ORDER BY 1, 9, 10");	/* at one instant: the message in, what it did, what went out */
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, cid);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		h.at = sqlite3_column_int64(st, 0);
		h.what = (const char *)sqlite3_column_text(st, 1);
		h.kind = (const char *)sqlite3_column_text(st, 2);
		h.who = (const char *)sqlite3_column_text(st, 3);
		h.text = (const char *)sqlite3_column_text(st, 4);
		h.status = (const char *)sqlite3_column_text(st, 5);
		h.segments = sqlite3_column_int(st, 6);
		h.attempts = sqlite3_column_int(st, 7);
		stop = cb(arg, &h);
	}
	sqlite3_reset(st);
	if (stop)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_consult_last_answer(struct store *s, int64_t cid, char **text, char **who)
{
	sqlite3_stmt *st = store_stmt(s, ST_LAST_ANSWER,
	    "SELECT ev.detail, e.name FROM events ev LEFT JOIN experts e ON e.id = ev.expert_id"
	    " WHERE ev.consultation_id = ?1 AND ev.kind = 'answered' AND ev.detail IS NOT NULL"
	    " ORDER BY ev.id DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, cid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*text = store_col_dup(st, 0);
		*who = store_col_dup(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc_from(s, rc);
}
