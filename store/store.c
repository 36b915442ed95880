/*
 * The SQLite connection: opening, pragmas, numbered migrations, transactions and the cache of
 * prepared statements the other store files use.
 */
#include "store/store_int.h"

#include "common/log.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Migrations, applied in order at open; PRAGMA user_version counts how many are applied.
 * Never edit one that has shipped: add the next.
 */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE farmers ("
	"  id INTEGER PRIMARY KEY,"
	"  phone TEXT NOT NULL UNIQUE,"
	"  township TEXT,"
	"  village TEXT,"
	"  opted_out INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE experts ("
	"  id INTEGER PRIMARY KEY,"
	"  phone TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL DEFAULT 'expert' CHECK (role IN ('expert','triage','commissioner')),"
	"  on_duty INTEGER NOT NULL DEFAULT 1,"
	"  off_since INTEGER,"
	"  assign_seq INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE expert_categories ("
	"  expert_id INTEGER NOT NULL REFERENCES experts(id) ON DELETE CASCADE,"
	"  category TEXT NOT NULL,"
	"  PRIMARY KEY (expert_id, category)"
	");"
	"CREATE INDEX expert_categories_by_category ON expert_categories(category);"
	"CREATE TABLE expert_townships ("
	"  expert_id INTEGER NOT NULL REFERENCES experts(id) ON DELETE CASCADE,"
	"  township TEXT NOT NULL,"
	"  PRIMARY KEY (expert_id, township)"
	");"
	"CREATE TABLE consultations ("
	"  id INTEGER PRIMARY KEY,"
	"  farmer_id INTEGER NOT NULL REFERENCES farmers(id),"
	"  channel TEXT NOT NULL DEFAULT 'sms' CHECK (channel IN ('sms','ussd','commissioner')),"
	"  question TEXT NOT NULL,"
	"  category TEXT NOT NULL,"
	"  classified_by TEXT NOT NULL CHECK (classified_by IN ('rules','staff','menu')),"
	/* What the rules said when the question came in, kept when staff re-route it. */
	"  rules_category TEXT,"
	"  score INTEGER NOT NULL DEFAULT 0,"
	"  rule TEXT,"
	"  status TEXT NOT NULL CHECK (status IN ('queued','assigned','answered','closed')),"
	"  expert_id INTEGER REFERENCES experts(id),"
	"  commissioner_id INTEGER REFERENCES experts(id),"
	"  created_at INTEGER NOT NULL,"
	"  assigned_at INTEGER,"
	"  first_answered_at INTEGER,"
	"  last_answered_at INTEGER,"
	"  answered_by INTEGER REFERENCES experts(id),"
	"  closed_at INTEGER,"
	"  rating INTEGER CHECK (rating BETWEEN 1 AND 5),"
	"  rated_at INTEGER"
	");"
	"CREATE INDEX consultations_by_expert ON consultations(expert_id, status);"
	"CREATE INDEX consultations_by_farmer ON consultations(farmer_id, created_at);"
	"CREATE INDEX consultations_by_status ON consultations(status, created_at);"
	"CREATE INDEX consultations_by_created ON consultations(created_at);"
	"CREATE TABLE assignments ("
	"  id INTEGER PRIMARY KEY,"
	"  consultation_id INTEGER NOT NULL REFERENCES consultations(id),"
	"  expert_id INTEGER NOT NULL REFERENCES experts(id),"
	"  assigned_at INTEGER NOT NULL,"
	"  ended_at INTEGER,"
	"  reminded_at INTEGER,"
	"  outcome TEXT"
	");"
	"CREATE INDEX assignments_open ON assignments(ended_at) WHERE ended_at IS NULL;"
	"CREATE TABLE subscriptions ("
	"  farmer_id INTEGER NOT NULL REFERENCES farmers(id),"
	"  category TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (farmer_id, category)"
	");"
	"CREATE INDEX assignments_by_consultation ON assignments(consultation_id, expert_id);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  consultation_id INTEGER REFERENCES consultations(id),"
	"  at INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  expert_id INTEGER REFERENCES experts(id),"
	"  detail TEXT"
	");"
	"CREATE INDEX events_by_consultation ON events(consultation_id, at);"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  direction TEXT NOT NULL CHECK (direction IN ('in','out')),"
	"  provider TEXT NOT NULL,"
	"  provider_id TEXT,"
	"  consultation_id INTEGER REFERENCES consultations(id),"
	"  kind TEXT NOT NULL,"
	"  sender TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  segments INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER,"
	"  last_error TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  sent_at INTEGER"
	");"
	/* A provider's retry of an inbound message is recognized by its id. */
	"CREATE UNIQUE INDEX messages_in_dedup ON messages(provider, provider_id)"
	"  WHERE direction = 'in';"
	"CREATE INDEX messages_out_provider_id ON messages(provider, provider_id)"
	"  WHERE direction = 'out';"
	"CREATE INDEX messages_outbox ON messages(status, next_attempt_at) WHERE direction = 'out';"
	"CREATE INDEX messages_by_consultation ON messages(consultation_id);"
	"CREATE INDEX messages_in_by_sender ON messages(sender, created_at) WHERE direction = 'in';",

	/* 2: delivery reports, second tries of undelivered answers, USSD. */
	"ALTER TABLE messages ADD COLUMN report_at INTEGER;"	/* the provider's delivery report */
	"ALTER TABLE messages ADD COLUMN retry_of INTEGER REFERENCES messages(id);"
	"ALTER TABLE messages ADD COLUMN failure_handled INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX messages_failed ON messages(failure_handled)"
	"  WHERE direction = 'out' AND status = 'failed';"
	/* USSD steps, so that a step the provider sends again gets the same screen. */
	"CREATE TABLE ussd_steps ("
	"  session_id TEXT NOT NULL,"
	"  input TEXT NOT NULL,"
	"  phone TEXT NOT NULL,"
	"  reply TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (session_id, input)"
	");",

	/* 3: broadcasts, and indexes for figures over a period. */
	"CREATE TABLE broadcasts ("
	"  id INTEGER PRIMARY KEY,"
	"  category TEXT,"
	"  township TEXT,"
	"  body TEXT NOT NULL,"
	"  queued INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL"
	");"
	"ALTER TABLE messages ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts(id);"
	"CREATE INDEX messages_by_broadcast ON messages(broadcast_id) WHERE broadcast_id IS NOT NULL;"
	"CREATE INDEX messages_by_created ON messages(created_at);"
	"CREATE INDEX events_by_at ON events(at);"
	"CREATE INDEX assignments_by_assigned ON assignments(assigned_at);",

	/* 4: the outbox read without walking queued broadcasts to find the answers. */
	"CREATE INDEX messages_outbox_direct ON messages(status, next_attempt_at)"
	"  WHERE direction = 'out' AND broadcast_id IS NULL;"
	"CREATE INDEX messages_outbox_broadcast ON messages(status, next_attempt_at)"
	"  WHERE direction = 'out' AND broadcast_id IS NOT NULL;",

	/*
	 * 5: a provider's message id is only a repeat from the same sender; an assignment that
	 * escalation could give to no one else is held (the bureau is told once, not every cycle).
	 */
	"DROP INDEX messages_in_dedup;"
	"CREATE UNIQUE INDEX messages_in_dedup ON messages(provider, sender, provider_id)"
	"  WHERE direction = 'in';"
	"ALTER TABLE assignments ADD COLUMN held_at INTEGER;",

	/* 6: a person the bureau removed keeps their row (figures name them), marked removed. */
	"ALTER TABLE experts ADD COLUMN removed_at INTEGER;",

	/*
	 * 7: the reference farmline makes up for an outbound message when it first hands it to a
	 * provider (random, unguessable) and gives the provider to echo in its reports (Kannel's
	 * dlr-url, the generic provider's "id"); a report names it or the provider's own id.
	 */
	"ALTER TABLE messages ADD COLUMN report_ref TEXT;"
	"CREATE UNIQUE INDEX messages_out_report_ref ON messages(report_ref)"
	"  WHERE report_ref IS NOT NULL;",

	/*
	 * 8: ussd_steps by phone and time: a number's steps in the last hour (loop_limit), and
	 * the old ones pruned ([ussd] keep). bureau_sessions: a dashboard sign-in, by the
	 * SHA-256 of its random id and the api_token it was given for (the id itself is never
	 * stored, and a new token matches no session: changing it signs everyone out).
	 */
	"CREATE INDEX ussd_steps_by_phone ON ussd_steps(phone, created_at);"
	"CREATE INDEX ussd_steps_by_created ON ussd_steps(created_at);"
	"CREATE TABLE bureau_sessions ("
	"  hash BLOB PRIMARY KEY,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL"
	");"
	"CREATE INDEX bureau_sessions_by_expiry ON bureau_sessions(expires_at);",

	/*
	 * 9: fewer index writes a message. The outbox is read through its two halves (direct and
	 * broadcast), so the index over both is dropped; an outbound row is indexed by the
	 * provider's id only once it has one. A farmer's consultations are found by status (the
	 * open ones, the recently answered ones) without walking every consultation they ever had.
	 */
	"DROP INDEX messages_outbox;"
	"DROP INDEX messages_out_provider_id;"
	"CREATE INDEX messages_out_provider_id ON messages(provider, provider_id)"
	"  WHERE direction = 'out' AND provider_id IS NOT NULL;"
	"DROP INDEX consultations_by_farmer;"
	"CREATE INDEX consultations_by_farmer ON consultations(farmer_id, status, last_answered_at);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

enum store_rc
store_rc_from(struct store *s, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_CONSTRAINT:
		snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(s->db));
		return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ?
		    STORE_DUP : STORE_ERR;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(s->db));
		return STORE_BUSY;
	case SQLITE_FULL:
		snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(s->db));
		return STORE_FULL;
	default:
		snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(s->db));
		return STORE_ERR;
	}
}

sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt_id id, const char *sql)
{
	sqlite3_stmt *st = s->stmt[id];
	int rc;

	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(s->err, sizeof(s->err), "prepare: %s", sqlite3_errmsg(s->db));
		log_warnx("store: %s", s->err);
		return NULL;
	}
	s->stmt[id] = st;
	return st;
}

enum store_rc
store_one_row(struct store *s, sqlite3_stmt *st, void (*read)(sqlite3_stmt *, void *),
    void *out)
{
	int rc;

	if (st == NULL)
		return STORE_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc_from(s, rc);
}

enum store_rc
store_exec_stmt(struct store *s, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return STORE_ERR;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return STORE_OK;
	return store_rc_from(s, rc);
}

int
store_bind_text(sqlite3_stmt *st, int idx, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
}

/* Bind ?1, ?2, … of st from ap as types says (see store_run). */
static void
bind_all(sqlite3_stmt *st, const char *types, va_list ap)
{
	int i;

	for (i = 0; types[i]; i++) {
		switch (types[i]) {
		case 'I':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'i':
			sqlite3_bind_int(st, i + 1, va_arg(ap, int));
			break;
		case 'd':
			store_bind_id(st, i + 1, va_arg(ap, int64_t));
			break;
		case 't':
		default:
			store_bind_text(st, i + 1, va_arg(ap, const char *));
			break;
		}
	}
}

enum store_rc
store_run(struct store *s, enum store_stmt_id id, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = store_stmt(s, id, sql);
	va_list ap;

	if (st == NULL)
		return STORE_ERR;
	va_start(ap, types);
	bind_all(st, types, ap);
	va_end(ap);
	return store_exec_stmt(s, st);
}

enum store_rc
store_value(struct store *s, enum store_stmt_id id, const char *sql, int64_t *out,
    const char *types, ...)
{
	sqlite3_stmt *st = store_stmt(s, id, sql);
	va_list ap;
	int rc;

	if (st == NULL)
		return STORE_ERR;
	va_start(ap, types);
	bind_all(st, types, ap);
	va_end(ap);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc_from(s, rc);
}

int
store_bind_id(sqlite3_stmt *st, int idx, int64_t id)
{
	if (id == 0)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_int64(st, idx, id);
}

char *
store_col_dup(sqlite3_stmt *st, int idx)
{
	const unsigned char *text = sqlite3_column_text(st, idx);

	return text ? xstrdup((const char *)text) : NULL;
}

void
store_col_copy(sqlite3_stmt *st, int idx, char *buf, size_t len)
{
	const unsigned char *text = sqlite3_column_text(st, idx);

	snprintf(buf, len, "%s", text ? (const char *)text : "");
}

static int
store_exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_schema_latest(void)
{
	return NMIGRATIONS;
}

int
store_schema_version(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int version = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

static int
store_migrate(struct store *s, char *err, size_t errlen)
{
	char pragma[64], why[256];
	int version = store_schema_version(s), i;

	if (version < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (version > NMIGRATIONS) {
		snprintf(err, errlen, "database schema %d is newer than this farmline (%d)", version,
		    NMIGRATIONS);
		return -1;
	}
	for (i = version; i < NMIGRATIONS; i++) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", i + 1);
		if (store_exec(s, "BEGIN IMMEDIATE", why, sizeof(why)) != 0 ||
		    store_exec(s, migrations[i], why, sizeof(why)) != 0 ||
		    store_exec(s, pragma, why, sizeof(why)) != 0 ||
		    store_exec(s, "COMMIT", why, sizeof(why)) != 0) {
			snprintf(err, errlen, "migration %d: %.200s", i + 1, why);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		log_info("store: applied migration %d", i + 1);
	}
	return 0;
}

/*
 * While another connection writes (the sender, or the writer, or a command), wait in short
 * steps: SQLite's own handler sleeps up to 100 ms at a time, which is what a request waits.
 */
static int
busy_wait(void *arg, int count)
{
	struct store *s = arg;
	int64_t step = count < 10 ? 100 : count < 100 ? 500 : 2000;	/* microseconds */
	struct timespec ts;

	if (count == 0)
		s->busy_waited_us = 0;
	if (s->busy_waited_us >= s->busy_timeout_us)
		return 0;	/* give up: SQLITE_BUSY */
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(step * 1000);
	nanosleep(&ts, NULL);
	s->busy_waited_us += step;
	return 1;
}

/* WAL pages (32 MB of 4 kB pages) from which a commit makes the WAL start over. */
#define WAL_RESTART_PAGES 8192
/* How long such a restart waits for readers of older snapshots, in microseconds. */
#define WAL_RESTART_WAIT_US 100000

/*
 * After each commit, in place of SQLite's auto-checkpoint: from 1,000 pages in the WAL a
 * passive checkpoint, as SQLite would do; from WAL_RESTART_PAGES a RESTART checkpoint, which
 * waits (at most WAL_RESTART_WAIT_US) for readers still on older snapshots, so that the next
 * commit writes the WAL from its start. Under steady load passive checkpoints seldom catch every
 * reader up at once, and the WAL grew to 700 MB in the memory benchmark. When the wait runs out,
 * the next try comes after WAL_RESTART_PAGES more pages.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *s = arg;
	int64_t saved;
	int rc;

	if (pages < WAL_RESTART_PAGES)
		s->wal_restart_at = WAL_RESTART_PAGES;
	if (pages < 1000)
		return SQLITE_OK;
	if (pages < s->wal_restart_at) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	saved = s->busy_timeout_us;
	s->busy_timeout_us = WAL_RESTART_WAIT_US;
	rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	s->busy_timeout_us = saved;
	if (rc != SQLITE_OK)
		s->wal_restart_at = pages + WAL_RESTART_PAGES;
	return SQLITE_OK;
}

int
store_open(const char *path, int64_t busy_timeout_ms, struct store **out, char *err,
    size_t errlen)
{
	struct store *s = NULL;
	char why[256];
	int existed = access(path, F_OK) == 0;
	int rc;

	s = xcalloc(1, sizeof(*s));
	/*
	 * A new database is created readable by its owner only, before SQLite opens it: SQLite
	 * gives the WAL and shared-memory files the same mode.
	 */
	if (!existed) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd < 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (fd >= 0)
			close(fd);
	}
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) :
		    sqlite3_errstr(rc));
		goto fail;
	}
	s->busy_timeout_us = busy_timeout_ms * 1000;
	sqlite3_busy_handler(s->db, busy_wait, s);
	s->wal_restart_at = WAL_RESTART_PAGES;
	sqlite3_wal_hook(s->db, wal_hook, s);
	sqlite3_extended_result_codes(s->db, 1);
	/* Durability first: an acknowledged message survives a power cut (synchronous=FULL). */
	/*
	 * temp_store = MEMORY: a savepoint's copies of the pages it touches stay in memory instead
	 * of a temporary file (it was most of what farmline wrote per message).
	 * journal_size_limit: the WAL file is cut back to 32 MB each time it starts over (see
	 * wal_hook); without it the file stays as large as it ever grew.
	 */
	if (store_exec(s, "PRAGMA journal_mode = WAL", why, sizeof(why)) != 0 ||
	    store_exec(s, "PRAGMA synchronous = FULL", why, sizeof(why)) != 0 ||
	    store_exec(s, "PRAGMA temp_store = MEMORY", why, sizeof(why)) != 0 ||
	    store_exec(s, "PRAGMA journal_size_limit = 33554432", why, sizeof(why)) != 0 ||
	    store_exec(s, "PRAGMA foreign_keys = ON", why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %.200s", path, why);
		goto fail;
	}
	if (store_migrate(s, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %.200s", path, why);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

/* The page cache of this connection, in MB (SQLite's default is 2). */
void
store_set_cache(struct store *s, int mb)
{
	char sql[64], why[128];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %d", -1024 * mb);
	if (store_exec(s, sql, why, sizeof(why)) != 0)
		log_warnx("store: %s", why);
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	free(s);
}

const char *
store_errmsg(struct store *s)
{
	return s->err;
}

enum store_rc
store_ping(struct store *s)
{
	return store_exec_stmt(s, store_stmt(s, ST_PING, "SELECT 1"));
}

enum store_rc
store_begin(struct store *s)
{
	return store_exec_stmt(s, store_stmt(s, ST_BEGIN, "BEGIN IMMEDIATE"));
}

enum store_rc
store_commit(struct store *s)
{
	return store_exec_stmt(s, store_stmt(s, ST_COMMIT, "COMMIT"));
}

enum store_rc
store_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return STORE_OK;	/* SQLite already rolled back (e.g. after SQLITE_FULL) */
	return store_exec_stmt(s, store_stmt(s, ST_ROLLBACK, "ROLLBACK"));
}

enum store_rc
store_savepoint(struct store *s)
{
	return store_exec_stmt(s, store_stmt(s, ST_SAVEPOINT, "SAVEPOINT msg"));
}

enum store_rc
store_release(struct store *s)
{
	return store_exec_stmt(s, store_stmt(s, ST_RELEASE, "RELEASE msg"));
}

enum store_rc
store_rollback_savepoint(struct store *s)
{
	enum store_rc rc;

	rc = store_exec_stmt(s, store_stmt(s, ST_ROLLBACK_TO, "ROLLBACK TO msg"));
	if (rc)
		return rc;
	return store_release(s);
}

static const char *const status_names[] = { "queued", "assigned", "answered", "closed" };
static const char *const role_names[] = { "expert", "triage", "commissioner" };

const char *
store_status_name(enum consult_status st)
{
	return (unsigned)st < 4 ? status_names[st] : "unknown";
}

const char *
store_role_name(enum store_role role)
{
	return (unsigned)role < 3 ? role_names[role] : "unknown";
}

int
store_role_parse(const char *name)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (strcmp(name, role_names[i]) == 0)
			return i;
	}
	return -1;
}
