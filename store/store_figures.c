/*
 * The rows behind the bureau's figures: consultations, events, assignments and messages of a
 * period, walked one row at a time. The figures themselves are worked out in bureau/figures.c;
 * nothing here counts on the side.
 */
#include "store/store_int.h"

#include <string.h>

#define CONSULT_COLS \
	"c.id, c.farmer_id, coalesce(c.answered_by, 0), coalesce(c.expert_id, 0), c.category," \
	" c.channel, c.status, f.township, c.question, c.created_at," \
	" coalesce(c.first_answered_at, 0), f.created_at, coalesce(c.rating, 0), f.phone"

static void
read_consult(sqlite3_stmt *st, struct store_fig_consult *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->farmer_id = sqlite3_column_int64(st, 1);
	c->answered_by = sqlite3_column_int64(st, 2);
	c->expert_id = sqlite3_column_int64(st, 3);
	c->category = (const char *)sqlite3_column_text(st, 4);
	c->channel = (const char *)sqlite3_column_text(st, 5);
	c->status = (const char *)sqlite3_column_text(st, 6);
	c->township = (const char *)sqlite3_column_text(st, 7);
	c->question = (const char *)sqlite3_column_text(st, 8);
	c->created_at = sqlite3_column_int64(st, 9);
	c->first_answered_at = sqlite3_column_int64(st, 10);
	c->farmer_since = sqlite3_column_int64(st, 11);
	c->rating = sqlite3_column_int(st, 12);
	c->farmer_phone = (const char *)sqlite3_column_text(st, 13);
}

/* Step st to the end, handing each consultation row to cb. */
static enum store_rc
walk_consults(struct store *s, sqlite3_stmt *st,
    int (*cb)(void *arg, const struct store_fig_consult *c), void *arg)
{
	struct store_fig_consult c;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_consult(st, &c);
		if (cb(arg, &c))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_fig_consultations(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_fig_consult *c), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_FIG_CONSULT,
	    "SELECT " CONSULT_COLS " FROM consultations c JOIN farmers f ON f.id = c.farmer_id"
	    " WHERE c.created_at >= ?1 AND c.created_at < ?2 ORDER BY c.created_at, c.id");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	return walk_consults(s, st, cb, arg);
}

enum store_rc
store_fig_open_at(struct store *s, int64_t at,
    int (*cb)(void *arg, const struct store_fig_consult *c), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_FIG_OPEN,
	    "SELECT " CONSULT_COLS " FROM consultations c JOIN farmers f ON f.id = c.farmer_id"
	    " WHERE c.created_at < ?1 AND (c.first_answered_at IS NULL OR c.first_answered_at >= ?1)"
	    " AND (c.closed_at IS NULL OR c.closed_at >= ?1) ORDER BY c.created_at, c.id");

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, at);
	return walk_consults(s, st, cb, arg);
}

enum store_rc
store_fig_events(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const char *kind, int64_t n), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_FIG_EVENTS,
	    "SELECT kind, count(*) FROM events WHERE at >= ?1 AND at < ?2"
	    /* "rerouted" has detail "old -> new": a route to the category it had is no change */
	    " AND NOT (kind = 'rerouted' AND instr(coalesce(detail, ''), ' -> ') > 0"
	    " AND substr(detail, 1, instr(detail, ' -> ') - 1) = substr(detail, instr(detail, ' -> ') + 4))"
	    " GROUP BY kind ORDER BY kind");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cb(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1)))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_fig_assignments(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_fig_assignment *a), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_FIG_ASSIGN,
	    "SELECT expert_id, consultation_id, assigned_at, coalesce(ended_at, 0), outcome"
	    " FROM assignments WHERE assigned_at >= ?1 AND assigned_at < ?2 ORDER BY id");
	struct store_fig_assignment a;
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.expert_id = sqlite3_column_int64(st, 0);
		a.consultation_id = sqlite3_column_int64(st, 1);
		a.assigned_at = sqlite3_column_int64(st, 2);
		a.ended_at = sqlite3_column_int64(st, 3);
		a.outcome = (const char *)sqlite3_column_text(st, 4);
		if (cb(arg, &a))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_fig_messages(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_fig_message *m), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_FIG_MSGS,
	    "SELECT m.direction, m.status, m.kind, c.category, m.segments,"
	    " coalesce(m.broadcast_id, 0), b.category, m.provider"
	    " FROM messages m LEFT JOIN consultations c ON c.id = m.consultation_id"
	    " LEFT JOIN broadcasts b ON b.id = m.broadcast_id"
	    " WHERE m.created_at >= ?1 AND m.created_at < ?2");
	struct store_fig_message m;
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m.direction = (const char *)sqlite3_column_text(st, 0);
		m.status = (const char *)sqlite3_column_text(st, 1);
		m.kind = (const char *)sqlite3_column_text(st, 2);
		m.category = (const char *)sqlite3_column_text(st, 3);
		m.segments = sqlite3_column_int(st, 4);
		m.broadcast_id = sqlite3_column_int64(st, 5);
		if (m.category == NULL)		/* a broadcast's category, if it had one */
			m.category = (const char *)sqlite3_column_text(st, 6);
		m.provider = (const char *)sqlite3_column_text(st, 7);
		if (cb(arg, &m))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_fig_registry(struct store *s, int64_t at, struct store_fig_registry *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	st = store_stmt(s, ST_FIG_REGISTRY,
	    "SELECT role, count(*) FROM experts WHERE created_at < ?1"
	    " AND (removed_at IS NULL OR removed_at >= ?1) GROUP BY role");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, at);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(st, 0);
		int64_t n = sqlite3_column_int64(st, 1);

		if (strcmp(role, "expert") == 0)
			out->experts = n;
		else if (strcmp(role, "triage") == 0)
			out->triage = n;
		else
			out->commissioners = n;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_rc_from(s, rc);
	st = store_stmt(s, ST_FIG_FARMERS, "SELECT count(*) FROM farmers WHERE created_at < ?1");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, at);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		out->farmers = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_export(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_export_row *r), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_EXPORT,
	    "SELECT c.id, f.phone, f.township, f.village, c.channel, c.category, c.classified_by,"
	    " c.status, e.name, c.question, c.created_at, coalesce(c.first_answered_at, 0),"
	    " coalesce(c.rating, 0), coalesce(m.id, 0), coalesce(m.created_at, 0), m.direction,"
	    " m.kind, m.sender, m.recipient, m.body, m.status, coalesce(m.segments, 0)"
	    " FROM consultations c JOIN farmers f ON f.id = c.farmer_id"
	    " LEFT JOIN experts e ON e.id = coalesce(c.answered_by, c.expert_id)"
	    " LEFT JOIN messages m ON m.consultation_id = c.id"
	    " WHERE c.created_at >= ?1 AND c.created_at < ?2 ORDER BY c.id, m.id");
	struct store_export_row r;
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.farmer = (const char *)sqlite3_column_text(st, 1);
		r.township = (const char *)sqlite3_column_text(st, 2);
		r.village = (const char *)sqlite3_column_text(st, 3);
		r.channel = (const char *)sqlite3_column_text(st, 4);
		r.category = (const char *)sqlite3_column_text(st, 5);
		r.classified_by = (const char *)sqlite3_column_text(st, 6);
		r.status = (const char *)sqlite3_column_text(st, 7);
		r.expert = (const char *)sqlite3_column_text(st, 8);
		r.question = (const char *)sqlite3_column_text(st, 9);
		r.created_at = sqlite3_column_int64(st, 10);
		r.first_answered_at = sqlite3_column_int64(st, 11);
		r.rating = sqlite3_column_int(st, 12);
		r.msg_id = sqlite3_column_int64(st, 13);
		r.msg_at = sqlite3_column_int64(st, 14);
		r.direction = (const char *)sqlite3_column_text(st, 15);
		r.kind = (const char *)sqlite3_column_text(st, 16);
		r.sender = (const char *)sqlite3_column_text(st, 17);
		r.recipient = (const char *)sqlite3_column_text(st, 18);
		r.body = (const char *)sqlite3_column_text(st, 19);
		r.msg_status = (const char *)sqlite3_column_text(st, 20);
		r.segments = sqlite3_column_int(st, 21);
		if (cb(arg, &r))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

/* Outbound rows in one status, counted through the outbox's two indexes (direct, broadcast). */
#define DEPTH(status) \
	"(SELECT count(*) FROM messages WHERE direction = 'out' AND status = '" status "'" \
	" AND broadcast_id IS NULL) + (SELECT count(*) FROM messages WHERE direction = 'out'" \
	" AND status = '" status "' AND broadcast_id IS NOT NULL)"

enum store_rc
store_fig_depths(struct store *s, int64_t *queued, int64_t *sending, int64_t *open)
{
	sqlite3_stmt *st = store_stmt(s, ST_FIG_DEPTHS,
	    "SELECT " DEPTH("queued") ", " DEPTH("sending") ","
	    " (SELECT count(*) FROM consultations WHERE status IN ('queued', 'assigned'))");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*queued = sqlite3_column_int64(st, 0);
		*sending = sqlite3_column_int64(st, 1);
		*open = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_rc_from(s, rc);
}

#define PAGE_WHERE \
	" WHERE c.created_at >= ?1 AND c.created_at < ?2" \
	" AND (?3 IS NULL OR c.category = ?3) AND (?4 IS NULL OR f.township = ?4)" \
	" AND (?5 IS NULL OR c.status = ?5 OR (?5 = 'open' AND c.status IN ('queued', 'assigned')))" \
	" AND (?6 IS NULL OR c.channel = ?6)" \
	" AND (?7 IS NULL OR c.answered_by = ?7 OR c.expert_id = ?7)"

static void
bind_filter(sqlite3_stmt *st, const struct store_consult_filter *f)
{
	sqlite3_bind_int64(st, 1, f->from);
	sqlite3_bind_int64(st, 2, f->to);
	store_bind_text(st, 3, f->category);
	store_bind_text(st, 4, f->township);
	store_bind_text(st, 5, f->status);
	store_bind_text(st, 6, f->channel);
	store_bind_id(st, 7, f->expert_id);
}

enum store_rc
store_consult_page(struct store *s, const struct store_consult_filter *f, int64_t *total,
    int (*cb)(void *arg, const struct store_fig_consult *c), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(s, ST_PAGE_COUNT, "SELECT count(*) FROM consultations c"
	    " JOIN farmers f ON f.id = c.farmer_id" PAGE_WHERE);
	if (st == NULL)
		return STORE_ERR;
	bind_filter(st, f);
	rc = sqlite3_step(st);
	*total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_rc_from(s, rc);
	st = store_stmt(s, ST_PAGE, "SELECT " CONSULT_COLS " FROM consultations c"
	    " JOIN farmers f ON f.id = c.farmer_id" PAGE_WHERE
	    " ORDER BY c.id DESC LIMIT ?9 OFFSET ?8");
	if (st == NULL)
		return STORE_ERR;
	bind_filter(st, f);
	sqlite3_bind_int64(st, 8, f->offset);
	sqlite3_bind_int64(st, 9, f->limit);
	return walk_consults(s, st, cb, arg);
}
