/*
 * Farmers, and the people who serve them: experts, triage staff, information commissioners.
 */
#include "store/store_int.h"
#include "common/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define FARMER_COLS "id, phone, township, village, opted_out, created_at"

static void
farmer_read(sqlite3_stmt *st, void *arg)
{
	struct store_farmer *out = arg;

	out->id = sqlite3_column_int64(st, 0);
	store_col_copy(st, 1, out->phone, sizeof(out->phone));
	out->township = store_col_dup(st, 2);
	out->village = store_col_dup(st, 3);
	out->opted_out = sqlite3_column_int(st, 4);
	out->created_at = sqlite3_column_int64(st, 5);
}

enum store_rc
store_farmer_find(struct store *s, const char *phone, struct store_farmer *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_FARMER_FIND,
	    "SELECT " FARMER_COLS " FROM farmers WHERE phone = ?1");

	if (st)
		store_bind_text(st, 1, phone);
	return store_one_row(s, st, farmer_read, out);
}

enum store_rc
store_farmer_get(struct store *s, int64_t id, struct store_farmer *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_FARMER_GET,
	    "SELECT " FARMER_COLS " FROM farmers WHERE id = ?1");

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return store_one_row(s, st, farmer_read, out);
}

enum store_rc
store_farmer_ensure(struct store *s, const char *phone, int64_t now, struct store_farmer *out)
{
	sqlite3_stmt *st;
	enum store_rc rc;

	rc = store_farmer_find(s, phone, out);
	if (rc != STORE_NOTFOUND)
		return rc;
	st = store_stmt(s, ST_FARMER_ADD, "INSERT INTO farmers (phone, created_at) VALUES (?1, ?2)");
	if (st == NULL)
		return STORE_ERR;
	store_bind_text(st, 1, phone);
	sqlite3_bind_int64(st, 2, now);
	rc = store_exec_stmt(s, st);
	if (rc)
		return rc;
	return store_farmer_find(s, phone, out);
}

enum store_rc
store_farmer_set_place(struct store *s, int64_t id, const char *township, const char *village)
{
	return store_run(s, ST_FARMER_PLACE,
	    "UPDATE farmers SET township = ?2, village = ?3 WHERE id = ?1",
	    "Itt", (int64_t)id, township, village);
}

enum store_rc
store_farmer_set_opted_out(struct store *s, int64_t id, int opted_out)
{
	return store_run(s, ST_FARMER_OPTOUT,
	    "UPDATE farmers SET opted_out = ?2 WHERE id = ?1",
	    "Ii", (int64_t)id, (int)opted_out ? 1 : 0);
}

enum store_rc
store_farmer_opt_out_phone(struct store *s, const char *phone)
{
	return store_run(s, ST_FARMER_OPTOUT_PHONE,
	    "UPDATE farmers SET opted_out = 1 WHERE phone = ?1",
	    "t", phone);
}

enum store_rc
store_subscribe(struct store *s, int64_t farmer_id, const char *category, int64_t now)
{
	return store_run(s, ST_SUBSCRIBE,
	    "INSERT OR IGNORE INTO subscriptions (farmer_id, category, created_at)"
	    " VALUES (?1, ?2, ?3)",
	    "ItI", (int64_t)farmer_id, category, (int64_t)now);
}

enum store_rc
store_unsubscribe(struct store *s, int64_t farmer_id, const char *category, int *removed)
{
	sqlite3_stmt *st = store_stmt(s, ST_UNSUBSCRIBE,
	    "DELETE FROM subscriptions WHERE farmer_id = ?1 AND category = ?2");
	enum store_rc rc;

	*removed = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, farmer_id);
	store_bind_text(st, 2, category);
	rc = store_exec_stmt(s, st);
	if (rc == STORE_OK)
		*removed = sqlite3_changes(s->db) > 0;
	return rc;
}

enum store_rc
store_subscriptions(struct store *s, int64_t farmer_id, char *buf, size_t len)
{
	sqlite3_stmt *st = store_stmt(s, ST_SUBSCRIPTIONS,
	    "SELECT group_concat(category, ',') FROM"
	    " (SELECT category FROM subscriptions WHERE farmer_id = ?1 ORDER BY created_at)");
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, farmer_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_copy(st, 0, buf, len);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_rc_from(s, rc);
}

void
store_farmer_free(struct store_farmer *f)
{
	free(f->township);
	free(f->village);
	f->township = f->village = NULL;
}

/* Experts. */

/*
 * An expert's row; EXPERT_COLS_OPEN adds how many questions they hold, which only the list
 * needs (it costs a count on every read, and every message from an expert reads them).
 */
#define EXPERT_COLS \
	"e.id, e.phone, e.name, e.role, e.on_duty, e.created_at, e.off_since," \
	" (SELECT group_concat(category, ',') FROM" \
	"   (SELECT category FROM expert_categories WHERE expert_id = e.id ORDER BY category))," \
	" (SELECT group_concat(township, ',') FROM" \
	"   (SELECT township FROM expert_townships WHERE expert_id = e.id ORDER BY township))," \
	" 0, e.removed_at"
#define EXPERT_COLS_OPEN \
	"e.id, e.phone, e.name, e.role, e.on_duty, e.created_at, e.off_since," \
	" (SELECT group_concat(category, ',') FROM" \
	"   (SELECT category FROM expert_categories WHERE expert_id = e.id ORDER BY category))," \
	" (SELECT group_concat(township, ',') FROM" \
	"   (SELECT township FROM expert_townships WHERE expert_id = e.id ORDER BY township))," \
	" (SELECT count(*) FROM consultations c WHERE c.expert_id = e.id AND c.status = 'assigned')," \
	" e.removed_at"

static void
expert_read(sqlite3_stmt *st, void *arg)
{
	struct store_expert *out = arg;
	const char *role = (const char *)sqlite3_column_text(st, 3);
	int r = role ? store_role_parse(role) : -1;

	out->id = sqlite3_column_int64(st, 0);
	store_col_copy(st, 1, out->phone, sizeof(out->phone));
	out->name = store_col_dup(st, 2);
	out->role = r < 0 ? ROLE_EXPERT : (enum store_role)r;
	out->on_duty = sqlite3_column_int(st, 4);
	out->created_at = sqlite3_column_int64(st, 5);
	out->off_since = sqlite3_column_int64(st, 6);
	out->categories = store_col_dup(st, 7);
	out->townships = store_col_dup(st, 8);
	out->open_count = sqlite3_column_int(st, 9);
	out->removed_at = sqlite3_column_int64(st, 10);
}

enum store_rc
store_expert_find(struct store *s, const char *phone, struct store_expert *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_EXPERT_FIND,
	    "SELECT " EXPERT_COLS " FROM experts e WHERE e.phone = ?1 AND e.removed_at IS NULL");

	if (st)
		store_bind_text(st, 1, phone);
	return store_one_row(s, st, expert_read, out);
}

/* The person with phone, removed or not. */
static enum store_rc
expert_find_any(struct store *s, const char *phone, struct store_expert *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_EXPERT_FIND_ANY,
	    "SELECT " EXPERT_COLS " FROM experts e WHERE e.phone = ?1");

	if (st)
		store_bind_text(st, 1, phone);
	return store_one_row(s, st, expert_read, out);
}

enum store_rc
store_expert_removed(struct store *s, const char *phone, int *removed)
{
	struct store_expert e;
	enum store_rc rc;

	memset(&e, 0, sizeof(e));
	*removed = 0;
	rc = expert_find_any(s, phone, &e);
	if (rc == STORE_OK)
		*removed = e.removed_at != 0;
	store_expert_free(&e);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

enum store_rc
store_expert_remove(struct store *s, const char *phone, int64_t now, struct store_expert *out)
{
	sqlite3_stmt *st;
	enum store_rc rc;
	int step;

	rc = store_expert_find(s, phone, out);
	if (rc)
		return rc;
	st = store_stmt(s, ST_EXPERT_OPEN_COUNT, "SELECT count(*) FROM consultations"
	    " WHERE expert_id = ?1 AND status = 'assigned'");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, out->id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		out->open_count = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (step != SQLITE_ROW)
		return store_rc_from(s, step);
	return store_run(s, ST_EXPERT_REMOVE,
	    "UPDATE experts SET removed_at = ?2, on_duty = 0, off_since = coalesce(off_since, ?2)"
	    " WHERE id = ?1",
	    "II", (int64_t)out->id, (int64_t)now);
}

enum store_rc
store_expert_get(struct store *s, int64_t id, struct store_expert *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_EXPERT_GET,
	    "SELECT " EXPERT_COLS " FROM experts e WHERE e.id = ?1");

	if (st)
		sqlite3_bind_int64(st, 1, id);
	return store_one_row(s, st, expert_read, out);
}

/* Replace the rows of a comma list (categories or townships) for expert id. */
static enum store_rc
expert_set_list(struct store *s, int64_t id, const char *list, enum store_stmt_id clear_id,
    const char *clear_sql, enum store_stmt_id add_id, const char *add_sql)
{
	sqlite3_stmt *st;
	enum store_rc rc;
	char *copy, *item, *save = NULL;

	st = store_stmt(s, clear_id, clear_sql);
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = store_exec_stmt(s, st);
	if (rc || list == NULL)
		return rc;

	copy = xstrdup(list);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (*item == '\0')
			continue;
		st = store_stmt(s, add_id, add_sql);
		if (st == NULL) {
			rc = STORE_ERR;
			break;
		}
		sqlite3_bind_int64(st, 1, id);
		store_bind_text(st, 2, item);
		rc = store_exec_stmt(s, st);
		if (rc == STORE_DUP)
			rc = STORE_OK;	/* the same item twice in the list */
		if (rc)
			break;
	}
	free(copy);
	return rc;
}

static enum store_rc
expert_set_lists(struct store *s, int64_t id, const struct store_expert *e)
{
	enum store_rc rc;

	rc = expert_set_list(s, id, e->categories,
	    ST_EXPERT_CAT_CLEAR, "DELETE FROM expert_categories WHERE expert_id = ?1",
	    ST_EXPERT_CAT_ADD, "INSERT INTO expert_categories (expert_id, category) VALUES (?1, ?2)");
	if (rc)
		return rc;
	return expert_set_list(s, id, e->townships,
	    ST_EXPERT_TOWN_CLEAR, "DELETE FROM expert_townships WHERE expert_id = ?1",
	    ST_EXPERT_TOWN_ADD, "INSERT INTO expert_townships (expert_id, township) VALUES (?1, ?2)");
}

enum store_rc
store_expert_add(struct store *s, const struct store_expert *e, int64_t now, int64_t *id)
{
	enum store_rc rc;
	int64_t newid;

	rc = store_run(s, ST_EXPERT_ADD,
	    "INSERT INTO experts (phone, name, role, on_duty, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	    "tttiI", e->phone, e->name, store_role_name(e->role), (int)e->on_duty, (int64_t)now);
	if (rc)
		return rc;
	newid = sqlite3_last_insert_rowid(s->db);
	rc = expert_set_lists(s, newid, e);
	if (rc == STORE_OK && id)
		*id = newid;
	return rc;
}

enum store_rc
store_expert_update(struct store *s, const struct store_expert *e)
{
	struct store_expert cur;
	sqlite3_stmt *st;
	enum store_rc rc;

	memset(&cur, 0, sizeof(cur));
	rc = expert_find_any(s, e->phone, &cur);
	if (rc)
		return rc;
	/* SET reads the row as it was: one who was removed comes back on duty. */
	st = store_stmt(s, ST_EXPERT_UPDATE, "UPDATE experts SET name = ?2, role = ?3,"
	    " on_duty = CASE WHEN removed_at IS NULL THEN on_duty ELSE 1 END,"
	    " off_since = CASE WHEN removed_at IS NULL THEN off_since END,"
	    " removed_at = NULL WHERE id = ?1");
	if (st == NULL) {
		rc = STORE_ERR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, cur.id);
	store_bind_text(st, 2, e->name);
	store_bind_text(st, 3, store_role_name(e->role));
	rc = store_exec_stmt(s, st);
	if (rc == STORE_OK)
		rc = expert_set_lists(s, cur.id, e);
out:
	store_expert_free(&cur);
	return rc;
}

enum store_rc
store_expert_set_duty(struct store *s, int64_t id, int on_duty, int64_t now)
{
	return store_run(s, ST_EXPERT_DUTY,
	    "UPDATE experts SET on_duty = ?2,"
	    " off_since = CASE WHEN ?2 THEN NULL ELSE coalesce(off_since, ?3) END WHERE id = ?1",
	    "IiI", (int64_t)id, (int)on_duty ? 1 : 0, (int64_t)now);
}

enum store_rc
store_staff_phones(struct store *s, enum store_role role, char (*phones)[STORE_PHONE_MAX],
    int max, int *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_STAFF_PHONES,
	    "SELECT phone FROM experts WHERE role = ?1 AND on_duty = 1 AND removed_at IS NULL"
	    " ORDER BY id LIMIT ?2");
	int rc;

	*n = 0;
	if (st == NULL)
		return STORE_ERR;
	store_bind_text(st, 1, store_role_name(role));
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		store_col_copy(st, 0, phones[(*n)++], STORE_PHONE_MAX);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : store_rc_from(s, rc);
}

enum store_rc
store_expert_list(struct store *s, int (*cb)(void *, const struct store_expert *), void *arg)
{
	sqlite3_stmt *st = store_stmt(s, ST_EXPERT_LIST,
	    "SELECT " EXPERT_COLS_OPEN " FROM experts e"
	    " ORDER BY CASE e.role WHEN 'expert' THEN 0 WHEN 'triage' THEN 1 ELSE 2 END, e.id");
	struct store_expert e;
	int rc, stop = 0;

	if (st == NULL)
		return STORE_ERR;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		expert_read(st, &e);
		stop = cb(arg, &e);
		store_expert_free(&e);
	}
	sqlite3_reset(st);
	if (stop)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_OK : store_rc_from(s, rc);
}

/*
 * The pick behind store_expert_pick and store_expert_pick_route: on duty, not removed, of the
 * role (and for experts of the category), never exclude; an expert who had cid only when
 * may_have_had, after those who did not; then township, fewest open, longest ago.
 */
static enum store_rc
pick(struct store *s, enum store_role role, const char *category, const char *township,
    int64_t cid, int64_t exclude, int may_have_had, int64_t *expert_id)
{
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(s, ST_EXPERT_PICK,
	    "SELECT e.id FROM experts e"
	    " WHERE e.on_duty = 1 AND e.removed_at IS NULL AND e.role = ?1 AND e.id <> ?5"
	    "   AND (?1 <> 'expert' OR EXISTS (SELECT 1 FROM expert_categories ec"
	    "        WHERE ec.expert_id = e.id AND ec.category = ?2))"
	    /* An expert never gets back a question they had (but by a person's explicit
	     * route); triage staff are the last resort, so one who had it may get it again,
	     * after those who did not. */
	    "   AND (?1 <> 'expert' OR ?6 OR NOT EXISTS (SELECT 1 FROM assignments a"
	    "        WHERE a.consultation_id = ?4 AND a.expert_id = e.id))"
	    " ORDER BY"
	    "   EXISTS (SELECT 1 FROM assignments a"
	    "        WHERE a.consultation_id = ?4 AND a.expert_id = e.id) ASC,"
	    "   EXISTS (SELECT 1 FROM expert_townships et"
	    "        WHERE et.expert_id = e.id AND et.township = ?3) DESC,"
	    /* Fewest open first; past 50 they are all busy alike (and counting costs). */
	    "   (SELECT count(*) FROM (SELECT 1 FROM consultations c"
	    "        WHERE c.expert_id = e.id AND c.status = 'assigned' LIMIT 50)) ASC,"
	    "   e.assign_seq ASC, e.id ASC"
	    " LIMIT 1");
	if (st == NULL)
		return STORE_ERR;
	store_bind_text(st, 1, store_role_name(role));
	store_bind_text(st, 2, category);
	store_bind_text(st, 3, township);
	sqlite3_bind_int64(st, 4, cid);
	sqlite3_bind_int64(st, 5, exclude);
	sqlite3_bind_int(st, 6, may_have_had);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*expert_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return STORE_OK;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc_from(s, rc);
}

enum store_rc
store_expert_pick(struct store *s, enum store_role role, const char *category,
    const char *township, int64_t cid, int64_t *expert_id)
{
	return pick(s, role, category, township, cid, 0, 0, expert_id);
}

enum store_rc
store_expert_pick_route(struct store *s, const char *category, const char *township,
    int64_t cid, int64_t exclude, int64_t *expert_id)
{
	return pick(s, ROLE_EXPERT, category, township, cid, exclude, 1, expert_id);
}

void
store_expert_free(struct store_expert *e)
{
	free(e->name);
	free(e->categories);
	free(e->townships);
	e->name = e->categories = e->townships = NULL;
}
