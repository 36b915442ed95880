/*
 * The queries behind the bureau's figures. Every figure is computed from the stored rows; the
 * grouping key of each statement is fixed text, never built from input.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#define STATS_SQL(key) \
	"SELECT " key ", c.first_answered_at - c.created_at, c.rating" \
	" FROM consultations c JOIN farmers f ON f.id = c.farmer_id" \
	" LEFT JOIN experts e ON e.id = coalesce(c.answered_by, c.expert_id)" \
	" WHERE c.created_at >= ?1 AND c.created_at < ?2" \
	" ORDER BY 1, 2"

static const struct {
	enum store_stmt_id id;
	const char *sql;
} stats_sql[] = {
	[STATS_BY_CATEGORY] = { ST_STATS_CATEGORY, STATS_SQL("c.category") },
	[STATS_BY_DAY] = { ST_STATS_DAY,
	    STATS_SQL("strftime('%Y-%m-%d', (c.created_at + ?3) / 1000, 'unixepoch')") },
	[STATS_BY_MONTH] = { ST_STATS_MONTH,
	    STATS_SQL("strftime('%Y-%m', (c.created_at + ?3) / 1000, 'unixepoch')") },
	[STATS_BY_TOWNSHIP] = { ST_STATS_TOWNSHIP, STATS_SQL("coalesce(f.township, '')") },
	[STATS_BY_EXPERT] = { ST_STATS_EXPERT, STATS_SQL("coalesce(e.name, '')") },
	[STATS_BY_ALL] = { ST_STATS_ALL, STATS_SQL("''") },
};

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		abort();
	return p;
}

enum store_rc
store_stats_group(struct store *s, enum store_stats_by by, int64_t from, int64_t to,
    int64_t utc_offset_ms, struct store_stats_row **rows_out, size_t *nrows_out)
{
	struct store_stats_row *rows = NULL, *row = NULL;
	size_t nrows = 0, cap = 0;
	sqlite3_stmt *st;
	int rc;

	if ((unsigned)by > STATS_BY_ALL)
		return STORE_ERR;
	st = store_stmt(s, stats_sql[by].id, stats_sql[by].sql);
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	if (by == STATS_BY_DAY || by == STATS_BY_MONTH)
		sqlite3_bind_int64(st, 3, utc_offset_ms);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);

		if (key == NULL)
			key = "";
		if (row == NULL || strcmp(row->key, key) != 0) {
			if (nrows == cap) {
				cap = cap ? cap * 2 : 16;
				rows = xrealloc(rows, cap * sizeof(*rows));
			}
			row = &rows[nrows++];
			memset(row, 0, sizeof(*row));
			row->key = store_xstrdup(key);
		}
		row->consultations++;
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			row->answered++;
			row->response_ms = xrealloc(row->response_ms,
			    (size_t)(row->nresponse + 1) * sizeof(int64_t));
			row->response_ms[row->nresponse++] = sqlite3_column_int64(st, 1);
		}
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			row->rated++;
			row->rating_sum += sqlite3_column_int(st, 2);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_stats_free(rows, nrows);
		return store_rc_from(s, rc);
	}
	*rows_out = rows;
	*nrows_out = nrows;
	return STORE_OK;
}

void
store_stats_free(struct store_stats_row *rows, size_t nrows)
{
	size_t i;

	for (i = 0; i < nrows; i++) {
		free(rows[i].key);
		free(rows[i].response_ms);
	}
	free(rows);
}

enum store_rc
store_stats_recent(struct store *s, int64_t from, int64_t to, int max,
    struct store_consult_line **lines_out, size_t *nlines_out)
{
	struct store_consult_line *lines;
	size_t n = 0;
	sqlite3_stmt *st;
	int rc;

	st = store_stmt(s, ST_STATS_RECENT,
	    "SELECT c.id, c.category, c.status, e.name, c.question, c.created_at,"
	    " c.first_answered_at, c.rating"
	    " FROM consultations c LEFT JOIN experts e ON e.id = coalesce(c.answered_by, c.expert_id)"
	    " WHERE c.created_at >= ?1 AND c.created_at < ?2 ORDER BY c.id DESC LIMIT ?3");
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_int(st, 3, max);
	lines = calloc(max > 0 ? (size_t)max : 1, sizeof(*lines));
	if (lines == NULL)
		abort();
	while (n < (size_t)max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_consult_line *l = &lines[n++];

		l->id = sqlite3_column_int64(st, 0);
		l->category = store_col_dup(st, 1);
		l->status = store_col_dup(st, 2);
		l->expert = store_col_dup(st, 3);
		l->question = store_col_dup(st, 4);
		l->created_at = sqlite3_column_int64(st, 5);
		l->first_answered_at = sqlite3_column_int64(st, 6);
		l->rating = sqlite3_column_int(st, 7);
	}
	if (n < (size_t)max && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		store_stats_recent_free(lines, n);
		return store_rc_from(s, rc);
	}
	sqlite3_reset(st);
	*lines_out = lines;
	*nlines_out = n;
	return STORE_OK;
}

void
store_stats_recent_free(struct store_consult_line *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(lines[i].category);
		free(lines[i].status);
		free(lines[i].expert);
		free(lines[i].question);
	}
	free(lines);
}
