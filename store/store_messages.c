/*
 * Messages in and out. Inbound rows are deduplicated on (provider, provider message id);
 * outbound rows are the outbox the sender works through, with attempts and the next attempt time.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

enum store_rc
store_msg_in_add(struct store *s, const char *provider, const char *provider_id,
    const char *sender, const char *recipient, const char *body, int segments, int64_t now,
    int64_t *id)
{
	sqlite3_stmt *st;
	enum store_rc rc;
	int step;

	rc = store_run(s, ST_MSG_IN_ADD,
	    "INSERT INTO messages (direction, provider, provider_id, kind, sender, recipient, body,"
	    " segments, status, created_at) VALUES ('in', ?1, ?2, 'unknown', ?3, ?4, ?5, ?6,"
	    " 'received', ?7)",
	    "tttttiI", provider, provider_id, sender, recipient ? recipient : "", body,
	    (int)segments, (int64_t)now);
	if (rc == STORE_OK) {
		*id = sqlite3_last_insert_rowid(s->db);
		return STORE_OK;
	}
	if (rc != STORE_DUP)
		return rc;

	st = store_stmt(s, ST_MSG_IN_FIND,
	    "SELECT id FROM messages WHERE direction = 'in' AND provider = ?1 AND provider_id = ?2"
	    " AND sender = ?3");
	if (st == NULL)
		return STORE_ERR;
	store_bind_text(st, 1, provider);
	store_bind_text(st, 2, provider_id);
	store_bind_text(st, 3, sender);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (step != SQLITE_ROW)
		return store_rc_from(s, step);
	return STORE_DUP;
}

enum store_rc
store_msg_in_finish(struct store *s, int64_t id, int64_t cid, const char *kind)
{
	return store_run(s, ST_MSG_IN_FINISH,
	    "UPDATE messages SET consultation_id = ?2, kind = ?3 WHERE id = ?1",
	    "Idt", (int64_t)id, (int64_t)cid, kind);
}

enum store_rc
store_msg_in_count(struct store *s, const char *sender, int64_t since, int max, int *n)
{
	int64_t v = 0;
	enum store_rc rc;

	rc = store_value(s, ST_MSG_IN_COUNT,
	    "SELECT count(*) FROM (SELECT 1 FROM messages WHERE direction = 'in' AND sender = ?1"
	    " AND created_at >= ?2 LIMIT ?3)", &v, "tIi", sender, since, max);
	if (rc == STORE_OK)
		*n = (int)v;
	return rc;
}

enum store_rc
store_msg_in_get(struct store *s, int64_t id, int64_t *cid, char *kind, size_t kindlen)
{
	sqlite3_stmt *st = store_stmt(s, ST_MSG_IN_GET,
	    "SELECT consultation_id, kind FROM messages WHERE id = ?1");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*cid = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, kind, kindlen);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return rc == SQLITE_ROW ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_outbox_add(struct store *s, const char *provider, int64_t cid, const char *kind,
    const char *sender, const char *recipient, const char *body, int segments, int64_t now,
    int64_t not_before, int64_t *id)
{
	enum store_rc rc;

	rc = store_run(s, ST_OUTBOX_ADD,
	    "INSERT INTO messages (direction, provider, consultation_id, kind, sender, recipient,"
	    " body, segments, status, next_attempt_at, created_at)"
	    " VALUES ('out', ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?9, ?8)",
	    "tdttttiII", provider, (int64_t)cid, kind, sender, recipient, body, (int)segments,
	    (int64_t)now, (int64_t)not_before > now ? not_before : now);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* Read due rows from st (bound: ?1 now, ?2 how many) into rows[*n…max). */
static int
read_due(sqlite3_stmt *st, struct store_msg *rows, int max, int *n)
{
	int rc = SQLITE_DONE;

	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_msg *m = &rows[(*n)++];

		m->id = sqlite3_column_int64(st, 0);
		m->provider = store_col_dup(st, 1);
		m->provider_id = store_col_dup(st, 2);
		m->consultation_id = sqlite3_column_int64(st, 3);
		m->kind = store_col_dup(st, 4);
		m->sender = store_col_dup(st, 5);
		m->recipient = store_col_dup(st, 6);
		m->body = store_col_dup(st, 7);
		m->segments = sqlite3_column_int(st, 8);
		m->attempts = sqlite3_column_int(st, 9);
		m->created_at = sqlite3_column_int64(st, 10);
		m->next_attempt_at = sqlite3_column_int64(st, 11);
		m->report_ref = store_col_dup(st, 12);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

#define DUE_SQL(which) \
	"SELECT id, provider, provider_id, consultation_id, kind, sender, recipient, body," \
	" segments, attempts, created_at, next_attempt_at, report_ref FROM messages" \
	" WHERE direction = 'out' AND status = 'queued' AND next_attempt_at <= ?1" \
	" AND broadcast_id " which " ORDER BY next_attempt_at, id LIMIT ?2"

/*
 * Due messages, at most max: answers, acknowledgements and notices first, broadcasts with
 * what room is left, so that a broadcast to thousands never holds up an answer.
 */
enum store_rc
store_outbox_due(struct store *s, int64_t now, struct store_msg *rows, int max, int *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	st = store_stmt(s, ST_OUTBOX_DUE, DUE_SQL("IS NULL"));
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	rc = read_due(st, rows, max, n);
	if (rc == SQLITE_DONE && *n < max) {
		st = store_stmt(s, ST_OUTBOX_DUE_BC, DUE_SQL("IS NOT NULL"));
		if (st == NULL)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int(st, 2, max - *n);
		rc = read_due(st, rows, max, n);
	}
	return rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_outbox_next_due(struct store *s, int64_t *at)
{
	sqlite3_stmt *st = store_stmt(s, ST_OUTBOX_NEXT,
	    "SELECT min(at) FROM (SELECT min(next_attempt_at) AS at FROM messages"
	    " WHERE direction = 'out' AND status = 'queued' AND broadcast_id IS NULL"
	    " UNION ALL SELECT min(next_attempt_at) FROM messages"
	    " WHERE direction = 'out' AND status = 'queued' AND broadcast_id IS NOT NULL)");
	int rc;
	enum store_rc out = STORE_NOTFOUND;

	if (st == NULL)
		return STORE_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*at = sqlite3_column_int64(st, 0);
		out = STORE_OK;
	} else if (rc != SQLITE_ROW) {
		out = store_rc_from(s, rc);
	}
	sqlite3_reset(st);
	return out;
}

/* The number of rows the last statement changed: STORE_OK for one or more, else NOTFOUND. */
static enum store_rc
changed(struct store *s, enum store_rc rc)
{
	if (rc)
		return rc;
	return sqlite3_changes(s->db) > 0 ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc
store_outbox_sending(struct store *s, int64_t id, const char *provider, const char *ref,
    int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_OUTBOX_SENDING,
	    "UPDATE messages SET status = 'sending', provider = ?2, attempts = attempts + 1,"
	    " sent_at = NULL, report_ref = coalesce(report_ref, ?3)"
	    " WHERE id = ?1 AND status = 'queued'");

	(void)now;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, provider);
	store_bind_text(st, 3, ref);
	return changed(s, store_exec_stmt(s, st));
}

enum store_rc
store_outbox_sent(struct store *s, int64_t id, const char *provider_id, int64_t now)
{
	/* A report may have come before the provider's answer: its status and reason stay. */
	sqlite3_stmt *st = store_stmt(s, ST_OUTBOX_SENT,
	    "UPDATE messages SET status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END,"
	    " provider_id = coalesce(?2, provider_id), sent_at = ?3,"
	    " last_error = CASE WHEN status = 'sending' THEN NULL ELSE last_error END,"
	    " next_attempt_at = NULL"
	    " WHERE id = ?1 AND status IN ('sending', 'delivered', 'failed')");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, provider_id);
	sqlite3_bind_int64(st, 3, now);
	return changed(s, store_exec_stmt(s, st));
}

enum store_rc
store_outbox_retry(struct store *s, int64_t id, int64_t next_at, const char *error)
{
	sqlite3_stmt *st = store_stmt(s, ST_OUTBOX_RETRY,
	    "UPDATE messages SET status = 'queued', next_attempt_at = ?2, last_error = ?3"
	    " WHERE id = ?1 AND status = 'sending'");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, next_at);
	store_bind_text(st, 3, error);
	return changed(s, store_exec_stmt(s, st));
}

enum store_rc
store_outbox_failed(struct store *s, int64_t id, const char *error, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_OUTBOX_FAILED,
	    "UPDATE messages SET status = 'failed', last_error = ?2, next_attempt_at = NULL,"
	    " sent_at = ?3 WHERE id = ?1 AND status = 'sending'");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, error);
	sqlite3_bind_int64(st, 3, now);
	return changed(s, store_exec_stmt(s, st));
}

enum store_rc
store_outbox_recover(struct store *s, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_OUTBOX_RECOVER,
	    "UPDATE messages SET status = 'queued' WHERE id IN (SELECT id FROM messages"
	    " WHERE direction = 'out' AND status = 'sending' AND broadcast_id IS NULL"
	    " UNION ALL SELECT id FROM messages WHERE direction = 'out' AND status = 'sending'"
	    " AND broadcast_id IS NOT NULL)");
	enum store_rc rc;

	if (st == NULL)
		return STORE_ERR;
	rc = store_exec_stmt(s, st);
	*n = rc == STORE_OK ? sqlite3_changes(s->db) : 0;
	return rc;
}

void
store_msg_free(struct store_msg *m)
{
	free(m->provider);
	free(m->provider_id);
	free(m->kind);
	free(m->sender);
	free(m->recipient);
	free(m->body);
	free(m->report_ref);
	memset(m, 0, sizeof(*m));
}

enum store_rc
store_msg_in_recent(struct store *s, const char *provider, const char *sender, const char *body,
    int64_t since, int64_t *id, int64_t *at)
{
	sqlite3_stmt *st = store_stmt(s, ST_MSG_IN_RECENT,
	    "SELECT id, created_at FROM messages WHERE direction = 'in' AND sender = ?2"
	    " AND created_at >= ?4 AND provider = ?1 AND body = ?3 ORDER BY id DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	store_bind_text(st, 1, provider);
	store_bind_text(st, 2, sender);
	store_bind_text(st, 3, body);
	sqlite3_bind_int64(st, 4, since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*at = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc_from(s, rc);
}

enum store_rc
store_msg_out_sent_since(struct store *s, const char *recipient, int64_t since, int *sent)
{
	int64_t v = 0;
	enum store_rc rc;

	rc = store_value(s, ST_MSG_OUT_SENT_SINCE,
	    "SELECT EXISTS (SELECT 1 FROM messages WHERE created_at >= ?2 AND direction = 'out'"
	    " AND recipient = ?1 AND status IN ('sent', 'delivered'))", &v, "tI", recipient, since);
	*sent = rc == STORE_OK && v;
	return rc;
}

enum store_rc
store_outbox_report(struct store *s, const char *provider, const char *ref,
    const char *provider_id, const char *status, const char *reason, int64_t now, int *found)
{
	sqlite3_stmt *st;
	enum store_rc rc = STORE_OK;
	int pass;

	/*
	 * By our reference first: it was made up for this message and given to this provider
	 * only, so the message may still be "sending" (a report can beat the provider's answer).
	 * By the provider's id, only once the provider's answer gave it (sent). One row at most
	 * either way.
	 */
	*found = 0;
	for (pass = 0; rc == STORE_OK && !*found && pass < 2; pass++) {
		const char *key = pass == 0 ? ref : provider_id;

		if (key == NULL || key[0] == '\0')
			continue;
		if (pass == 0)
			st = store_stmt(s, ST_OUTBOX_REPORT_REF,
			    "UPDATE messages SET status = ?3,"
			    " last_error = coalesce(?4, last_error),"
			    " report_at = ?5 WHERE id = (SELECT id FROM messages"
			    " WHERE report_ref = ?1 AND direction = 'out' AND provider = ?2"
			    " AND status IN ('sending', 'sent') LIMIT 1)");
		else
			st = store_stmt(s, ST_OUTBOX_REPORT_PID,
			    "UPDATE messages SET status = ?3,"
			    " last_error = coalesce(?4, last_error),"
			    " report_at = ?5 WHERE id = (SELECT id FROM messages"
			    " WHERE provider_id = ?1 AND direction = 'out' AND provider = ?2"
			    " AND status = 'sent' ORDER BY id LIMIT 1)");
		if (st == NULL)
			return STORE_ERR;
		store_bind_text(st, 1, key);
		store_bind_text(st, 2, provider);
		store_bind_text(st, 3, status);
		store_bind_text(st, 4, reason);
		sqlite3_bind_int64(st, 5, now);
		rc = store_exec_stmt(s, st);
		*found = rc == STORE_OK && sqlite3_changes(s->db) > 0;
	}
	return rc;
}

enum store_rc
store_outbox_failed_unhandled(struct store *s, struct store_failed *rows, int max, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_OUTBOX_FAILED_LIST,
	    "SELECT id, consultation_id, retry_of, kind, recipient, last_error FROM messages"
	    " WHERE direction = 'out' AND status = 'failed' AND failure_handled = 0"
	    " ORDER BY id LIMIT ?1");
	int rc = SQLITE_DONE;

	*n = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int(st, 1, max);
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_failed *f = &rows[(*n)++];

		f->id = sqlite3_column_int64(st, 0);
		f->cid = sqlite3_column_int64(st, 1);
		f->retry_of = sqlite3_column_int64(st, 2);
		store_col_copy(st, 3, f->kind, sizeof(f->kind));
		store_col_copy(st, 4, f->recipient, sizeof(f->recipient));
		store_col_copy(st, 5, f->error, sizeof(f->error));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_outbox_failure_handled(struct store *s, int64_t id)
{
	return store_run(s, ST_OUTBOX_HANDLED,
	    "UPDATE messages SET failure_handled = 1 WHERE id = ?1",
	    "I", (int64_t)id);
}

enum store_rc
store_outbox_requeue(struct store *s, int64_t id, int64_t now, int64_t not_before)
{
	return store_run(s, ST_OUTBOX_REQUEUE,
	    "INSERT INTO messages (direction, provider, consultation_id, kind, sender, recipient,"
	    " body, segments, status, next_attempt_at, created_at, retry_of)"
	    " SELECT 'out', provider, consultation_id, kind, sender, recipient, body, segments,"
	    " 'queued', ?3, ?2, id FROM messages WHERE id = ?1",
	    "III", (int64_t)id, (int64_t)now, (int64_t)not_before);
}

enum store_rc
store_outbox_recipient(struct store *s, const char *provider, const char *ref,
    const char *provider_id, char *phone, size_t len)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, pass;

	for (pass = 0; rc == SQLITE_DONE && pass < 2; pass++) {
		const char *key = pass == 0 ? ref : provider_id;

		if (key == NULL || key[0] == '\0')
			continue;
		if (pass == 0)
			st = store_stmt(s, ST_OUTBOX_RECIPIENT_REF,
			    "SELECT recipient FROM messages WHERE report_ref = ?2"
			    " AND direction = 'out' AND provider = ?1 LIMIT 1");
		else
			st = store_stmt(s, ST_OUTBOX_RECIPIENT,
			    "SELECT recipient FROM messages WHERE direction = 'out'"
			    " AND provider = ?1 AND provider_id = ?2 ORDER BY id LIMIT 1");
		if (st == NULL)
			return STORE_ERR;
		store_bind_text(st, 1, provider);
		store_bind_text(st, 2, key);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			store_col_copy(st, 0, phone, len);
		sqlite3_reset(st);
	}
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc_from(s, rc);
}
