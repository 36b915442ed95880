/*
 * The ingest queue: inbound messages wait here for the one writer thread, which processes
 * them in groups — one transaction, one savepoint per message, one fsync per group — and only
 * then reports each job done. Nothing is acknowledged before its group committed.
 */
#ifndef FL_INGEST_H
#define FL_INGEST_H

#include "consult/consult.h"

struct ingest;

/*
 * A piece of work for the writer: run(c, now, arg) inside its transaction (in a savepoint of
 * its own); then, once the transaction committed or failed, done(job, done_arg).
 */
struct ingest_job {
	enum store_rc (*run)(struct consult *c, int64_t now, void *arg);
	void *arg;
	enum store_rc rc;		/* STORE_OK: run succeeded and was committed */
	int cancelled;			/* never run: taken back by ingest_cancel_waiting */
	void (*done)(struct ingest_job *job, void *arg);	/* called from the writer thread */
	void *done_arg;
	struct ingest_job *next;
};

struct ingest_opts {
	int batch_max;		/* jobs in one transaction at most */
	int64_t tick_ms;	/* how often the periodic work runs, queue or no queue */
	int64_t late_ms;	/* past this behind its schedule, ingest_health says so (0: never) */
	int64_t ussd_keep_ms;	/* USSD steps older than this are deleted (0: kept for ever) */
};

/*
 * Start the writer thread over store s (which it then owns exclusively) and consult c.
 * After each commit that queued SMS, wake(wake_arg) is called. The periodic work is
 * consult_tick (escalations, reminders, queued assignments, failures) and the pruning of old
 * USSD steps. NULL when the thread cannot start.
 */
struct ingest *ingest_start(struct store *s, struct consult *c, const struct ingest_opts *o,
    void (*wake)(void *arg), void *wake_arg);
/* Queue a job; 0, or -1 when the writer is stopping (the job is not taken). */
int ingest_submit(struct ingest *ig, struct ingest_job *job);
/*
 * Whether the writer can store and keeps its schedule: -1 with the reason when its last
 * attempt failed (disk full, locked…), until an attempt works again, or when the periodic
 * work is more than late_ms behind; else 0.
 */
int ingest_health(struct ingest *ig, char *why, size_t len);
/*
 * Take back every job queued and not yet taken by the writer: each is done at once with
 * STORE_ERR and cancelled set (nothing of it was stored). The number taken back.
 */
int ingest_cancel_waiting(struct ingest *ig);
/* Jobs queued and not yet taken by the writer. */
int ingest_waiting(struct ingest *ig);
/*
 * Hand new routing rules to the writer, which takes them up between two messages — never in
 * the middle of one — and then frees the rules it used before. ig owns rules from this call.
 */
void ingest_set_rules(struct ingest *ig, struct route_rules *rules);
/* Finish every queued job, then stop the writer and free ig (not the rules in use). */
void ingest_stop(struct ingest *ig);

#endif
