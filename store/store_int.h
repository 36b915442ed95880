/*
 * Inside the store: the connection, its cache of prepared statements, and binding helpers.
 * Every statement is prepared once from a constant string; values are always bound.
 */
#ifndef FL_STORE_INT_H
#define FL_STORE_INT_H

#include "store/store.h"

#include <sqlite3.h>

enum store_stmt_id {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_SAVEPOINT, ST_RELEASE, ST_ROLLBACK_TO, ST_PING,
	ST_FARMER_FIND, ST_FARMER_GET, ST_FARMER_ADD,
	ST_EXPERT_FIND, ST_EXPERT_GET, ST_EXPERT_ADD, ST_EXPERT_UPDATE, ST_EXPERT_DUTY,
	ST_EXPERT_LIST, ST_EXPERT_CAT_CLEAR, ST_EXPERT_CAT_ADD, ST_EXPERT_TOWN_CLEAR,
	ST_EXPERT_TOWN_ADD, ST_EXPERT_PICK, ST_EXPERT_BUMP,
	ST_CONSULT_ADD, ST_CONSULT_GET, ST_CONSULT_ASSIGN, ST_CONSULT_UNASSIGN,
	ST_CONSULT_ANSWERED, ST_CONSULT_CATEGORY, ST_CONSULT_OPEN_FOR, ST_CONSULT_QUEUED,
	ST_ASSIGNMENT_END, ST_ASSIGNMENT_WITHDRAW, ST_ASSIGNMENT_ADD, ST_ASSIGNMENT_HAD, ST_EVENT_ADD,
	ST_MSG_IN_ADD, ST_MSG_IN_FIND, ST_MSG_IN_FINISH, ST_MSG_IN_GET,
	ST_OUTBOX_ADD, ST_OUTBOX_DUE, ST_OUTBOX_NEXT, ST_OUTBOX_SENDING, ST_OUTBOX_SENT,
	ST_OUTBOX_RETRY, ST_OUTBOX_FAILED, ST_OUTBOX_RECOVER,
	ST_STATS_RECENT, ST_CORRECTIONS,
	ST_FIG_CONSULT, ST_FIG_OPEN, ST_FIG_EVENTS, ST_FIG_ASSIGN, ST_FIG_MSGS, ST_FIG_REGISTRY,
	ST_FIG_FARMERS, ST_BROADCAST_ADD, ST_BROADCAST_QUEUE, ST_BROADCAST_COUNT, ST_BROADCAST_LIST,
	ST_OUTBOX_DUE_BC, ST_EXPORT, ST_FIG_DEPTHS, ST_PAGE, ST_PAGE_COUNT, ST_OUTBOX_RECIPIENT,
	ST_FARMER_PLACE, ST_FARMER_OPTOUT, ST_SUBSCRIBE, ST_SUBSCRIPTIONS,
	ST_CONSULT_FOLLOWABLE, ST_CONSULT_LAST_ANSWERED, ST_CONSULT_RECENT, ST_CONSULT_RATE,
	ST_OPEN_ASSIGNMENTS, ST_ASSIGNMENT_REMINDED, ST_STAFF_PHONES, ST_HISTORY, ST_MSG_IN_COUNT,
	ST_MSG_IN_RECENT, ST_OUTBOX_REPORT_REF, ST_OUTBOX_REPORT_PID, ST_OUTBOX_FAILED_LIST,
	ST_OUTBOX_HANDLED, ST_OUTBOX_REQUEUE, ST_FARMER_OPTOUT_PHONE,
	ST_LAST_ANSWER, ST_USSD_GET, ST_USSD_PUT,
	ST_USSD_SESSION_PHONE, ST_USSD_UNSUBSCRIBE,
	/* lifecycle: closing, explicit routes, held questions, unsubscribing, answers again */
	ST_CONSULT_CLOSE, ST_ASSIGNMENT_HELD, ST_UNSUBSCRIBE, ST_ANSWERS,
	ST_MSG_OUT_SENT_SINCE,
	ST_ASSIGNMENT_HOLDER, ST_ASSIGNMENT_LATE,
	ST_EXPERT_FIND_ANY, ST_EXPERT_REMOVE, ST_EXPERT_OPEN_COUNT,
	ST_OUTBOX_RECIPIENT_REF,	/* webhooks: a report's recipient by reference */
	ST_USSD_STEPS_SINCE, ST_USSD_PRUNE,
	ST_SESSION_ADD, ST_SESSION_FIND, ST_SESSION_DROP, ST_SESSION_PRUNE,
	ST_COUNT
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	char err[256];
	int64_t busy_timeout_us, busy_waited_us;	/* see busy_wait in store.c */
	int wal_restart_at;				/* see wal_hook in store.c */
};

/* The statement id, prepared from sql on first use and reset for reuse; NULL on error. */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt_id id, const char *sql);
/* Map an SQLite result code to a store_rc, remembering the message. */
enum store_rc store_rc_from(struct store *s, int rc);
/*
 * Step a statement expected to return at most one row; read(st, out) copies it. STORE_NOTFOUND
 * when there is none. The statement is reset either way.
 */
enum store_rc store_one_row(struct store *s, sqlite3_stmt *st,
    void (*read)(sqlite3_stmt *st, void *out), void *out);
/* Step a statement that returns no rows, then reset it. */
enum store_rc store_exec_stmt(struct store *s, sqlite3_stmt *st);

int store_bind_text(sqlite3_stmt *st, int idx, const char *text);	/* NULL binds NULL */
int store_bind_id(sqlite3_stmt *st, int idx, int64_t id);		/* 0 binds NULL */
/* A copy of column idx as a string (NULL for SQL NULL). Aborts when memory runs out. */
char *store_col_dup(sqlite3_stmt *st, int idx);
/*
 * Prepare statement id once and run it, for statements that return no row, its parameters
 * ?1, ?2, … bound in order as types says: 'I' an int64_t, 'i' an int, 'd' an id (an int64_t,
 * 0 binding NULL), 't' a text (NULL binding NULL).
 */
enum store_rc store_run(struct store *s, enum store_stmt_id id, const char *sql,
    const char *types, ...);
/* The same for a query of one value: the first column of the first row into *out, or
 * STORE_NOTFOUND when there is no row (*out untouched). */
enum store_rc store_value(struct store *s, enum store_stmt_id id, const char *sql,
    int64_t *out, const char *types, ...);
void store_col_copy(sqlite3_stmt *st, int idx, char *buf, size_t len);

#endif
