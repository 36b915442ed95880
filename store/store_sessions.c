/*
 * The bureau's dashboard sign-ins (see store.h): one row per session, keyed by a digest the
 * caller computes (never the session id itself), with an expiry.
 */
#include "store/store_int.h"

enum store_rc
store_session_add(struct store *s, const unsigned char hash[32], int64_t now,
    int64_t expires_at)
{
	sqlite3_stmt *prune = store_stmt(s, ST_SESSION_PRUNE,
	    "DELETE FROM bureau_sessions WHERE expires_at <= ?1");
	sqlite3_stmt *st;
	enum store_rc rc;

	if (prune == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(prune, 1, now);
	rc = store_exec_stmt(s, prune);	/* expired sign-ins go as new ones come */
	if (rc)
		return rc;
	st = store_stmt(s, ST_SESSION_ADD, "INSERT INTO bureau_sessions (hash, created_at,"
	    " expires_at) VALUES (?1, ?2, ?3)");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, expires_at);
	return store_exec_stmt(s, st);
}

static void
found(sqlite3_stmt *st, void *arg)
{
	(void)st;
	*(int *)arg = 1;
}

enum store_rc
store_session_find(struct store *s, const unsigned char hash[32], int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_SESSION_FIND,
	    "SELECT 1 FROM bureau_sessions WHERE hash = ?1 AND expires_at > ?2");
	int there = 0;

	if (st) {
		sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
	}
	return store_one_row(s, st, found, &there);
}

enum store_rc
store_session_drop(struct store *s, const unsigned char hash[32])
{
	sqlite3_stmt *st = store_stmt(s, ST_SESSION_DROP,
	    "DELETE FROM bureau_sessions WHERE hash = ?1");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	return store_exec_stmt(s, st);
}
