/*
 * The newest consultations of a period, for the list under the bureau's figures.
 */
#include "store/store_int.h"
#include "common/xmalloc.h"

#include <stdlib.h>
#include <string.h>

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
	lines = xcalloc(max > 0 ? (size_t)max : 1, sizeof(*lines));
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
