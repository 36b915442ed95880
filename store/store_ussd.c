/*
 * The USSD menu's own queries (see store_ussd.h): the screens given for a session's steps,
 * who the session is, taking a subscription back.
 */
#include "store/store_ussd.h"

#include "store/store_int.h"

enum store_rc
store_ussd_get(struct store *s, const char *session, const char *input, char **reply)
{
	sqlite3_stmt *st = store_stmt(s, ST_USSD_GET,
	    "SELECT reply FROM ussd_steps WHERE session_id = ?1 AND input = ?2");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	store_bind_text(st, 1, session);
	store_bind_text(st, 2, input);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*reply = store_col_dup(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc_from(s, rc);
}

enum store_rc
store_ussd_put(struct store *s, const char *session, const char *input, const char *phone,
    const char *reply, int64_t now)
{
	return store_run(s, ST_USSD_PUT,
	    "INSERT OR REPLACE INTO ussd_steps (session_id, input, phone, reply, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	    "ttttI", session, input, phone, reply, (int64_t)now);
}

struct phone_buf {
	char *buf;
	size_t len;
};

static void
phone_read(sqlite3_stmt *st, void *arg)
{
	struct phone_buf *out = arg;

	store_col_copy(st, 0, out->buf, out->len);
}

enum store_rc
store_ussd_session_phone(struct store *s, const char *session, char *phone, size_t len)
{
	sqlite3_stmt *st = store_stmt(s, ST_USSD_SESSION_PHONE,
	    "SELECT phone FROM ussd_steps WHERE session_id = ?1 LIMIT 1");
	struct phone_buf out = { phone, len };

	if (st)
		store_bind_text(st, 1, session);
	return store_one_row(s, st, phone_read, &out);
}

enum store_rc
store_ussd_unsubscribe(struct store *s, int64_t farmer_id, const char *category)
{
	return store_run(s, ST_USSD_UNSUBSCRIBE,
	    "DELETE FROM subscriptions WHERE farmer_id = ?1 AND category = ?2",
	    "It", (int64_t)farmer_id, category);
}

static void
int_read(sqlite3_stmt *st, void *arg)
{
	*(int *)arg = sqlite3_column_int(st, 0);
}

enum store_rc
store_ussd_steps_since(struct store *s, const char *phone, int64_t since, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_USSD_STEPS_SINCE,
	    "SELECT count(*) FROM ussd_steps WHERE phone = ?1 AND created_at >= ?2");

	*n = 0;
	if (st) {
		store_bind_text(st, 1, phone);
		sqlite3_bind_int64(st, 2, since);
	}
	return store_one_row(s, st, int_read, n);
}

enum store_rc
store_ussd_prune(struct store *s, int64_t before, int max, int *deleted)
{
	sqlite3_stmt *st = store_stmt(s, ST_USSD_PRUNE,
	    "DELETE FROM ussd_steps WHERE rowid IN (SELECT rowid FROM ussd_steps"
	    " WHERE created_at < ?1 LIMIT ?2)");
	enum store_rc rc;

	*deleted = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, max);
	rc = store_exec_stmt(s, st);
	if (rc == STORE_OK)
		*deleted = sqlite3_changes(s->db);
	return rc;
}
