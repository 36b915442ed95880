/*
 * The USSD menu's own queries (see store_ussd.h); the steps themselves are stored by
 * store_ussd_get/store_ussd_put in store_consult.c.
 */
#include "store/store_ussd.h"

#include "store/store_int.h"

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
	sqlite3_stmt *st = store_stmt(s, ST_USSD_UNSUBSCRIBE,
	    "DELETE FROM subscriptions WHERE farmer_id = ?1 AND category = ?2");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, farmer_id);
	store_bind_text(st, 2, category);
	return store_exec_stmt(s, st);
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
