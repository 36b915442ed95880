/*
 * Broadcasts, the platform's information service (产业资讯, training notices): one outbound
 * SMS a farmer, queued in the outbox like any other (so the sender's cap applies), each row
 * carrying its broadcast's id so that delivery can be counted per broadcast.
 */
#include "store/store_int.h"

#include <string.h>

enum store_rc
store_broadcast_create(struct store *s, const char *provider, const char *sender,
    const char *category, const char *township, const char *body, int segments, int64_t now,
    int64_t *id, int64_t *queued)
{
	sqlite3_stmt *st;
	enum store_rc rc;

	rc = store_run(s, ST_BROADCAST_ADD,
	    "INSERT INTO broadcasts (category, township, body, queued, created_at)"
	    " VALUES (?1, ?2, ?3, 0, ?4)",
	    "tttI", category, township, body, (int64_t)now);
	if (rc)
		return rc;
	*id = sqlite3_last_insert_rowid(s->db);

	/* Never to a farmer who opted out; staff are not farmers. */
	rc = store_run(s, ST_BROADCAST_QUEUE,
	    "INSERT INTO messages (direction, provider, kind, sender, recipient, body, segments,"
	    " status, next_attempt_at, created_at, broadcast_id)"
	    " SELECT 'out', ?1, 'broadcast', ?2, f.phone, ?3, ?4, 'queued', ?5, ?5, ?6"
	    " FROM farmers f WHERE f.opted_out = 0"
	    " AND (?7 IS NULL OR EXISTS (SELECT 1 FROM subscriptions sub"
	    "      WHERE sub.farmer_id = f.id AND sub.category = ?7))"
	    " AND (?8 IS NULL OR f.township = ?8)"
	    " AND NOT EXISTS (SELECT 1 FROM experts e WHERE e.phone = f.phone AND e.removed_at IS NULL)"
	    " ORDER BY f.id",
	    "tttiIItt", provider, sender, body, (int)segments, (int64_t)now, (int64_t)*id, category,
	    township);
	if (rc)
		return rc;
	*queued = sqlite3_changes(s->db);

	st = store_stmt(s, ST_BROADCAST_COUNT, "UPDATE broadcasts SET queued = ?2 WHERE id = ?1");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_int64(st, 2, *queued);
	return store_exec_stmt(s, st);
}

enum store_rc
store_broadcast_list(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_broadcast *b), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_BROADCAST_LIST,
	    "SELECT b.id, b.category, b.township, b.body, b.created_at, b.queued,"
	    " count(m.id) FILTER (WHERE m.status IN ('sent', 'delivered')),"
	    " count(m.id) FILTER (WHERE m.status = 'delivered'),"
	    " count(m.id) FILTER (WHERE m.status = 'failed'),"
	    " coalesce(sum(m.segments) FILTER (WHERE m.status IN ('sent', 'delivered')), 0)"
	    " FROM broadcasts b LEFT JOIN messages m ON m.broadcast_id = b.id"
	    " WHERE b.created_at >= ?1 AND b.created_at < ?2 GROUP BY b.id ORDER BY b.id");
	struct store_broadcast b;
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&b, 0, sizeof(b));
		b.id = sqlite3_column_int64(st, 0);
		b.category = (const char *)sqlite3_column_text(st, 1);
		b.township = (const char *)sqlite3_column_text(st, 2);
		b.body = (const char *)sqlite3_column_text(st, 3);
		b.created_at = sqlite3_column_int64(st, 4);
		b.queued = sqlite3_column_int64(st, 5);
		b.sent = sqlite3_column_int64(st, 6);
		b.delivered = sqlite3_column_int64(st, 7);
		b.failed = sqlite3_column_int64(st, 8);
		b.segments = sqlite3_column_int64(st, 9);
		if (cb(arg, &b))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}
