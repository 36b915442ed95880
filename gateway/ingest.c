/*
 * The writer thread: group commit of inbound messages, and the periodic tick.
 */
#include "gateway/ingest.h"

#include "common/clock.h"
#include "common/log.h"
#include "routing/classify.h"
#include "store/store_ussd.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct ingest {
	struct store *s;
	struct consult *c;
	int batch_max;
	int64_t tick_ms;
	int64_t late_ms;		/* the periodic work is late past this (0: never said) */
	int64_t ussd_keep_ms;		/* USSD steps are deleted after this (0: kept) */
	int64_t next_prune;		/* when old USSD steps are looked for next (writer) */
	void (*wake)(void *);
	void *wake_arg;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ingest_job *head, *tail;
	int waiting;			/* jobs queued, not yet taken */
	int64_t failed_at;		/* the last commit that failed (0: none since one worked) */
	char failed_why[160];
	int64_t tick_due;		/* when the periodic work is due next */
	int64_t tick_ran;		/* when it last finished (0: not yet) */
	struct route_rules *new_rules;	/* waiting to be taken up */
	int stopping;
};

/* Take up new rules, if any were handed in; called by the writer with the lock held. */
static void
swap_rules(struct ingest *ig)
{
	struct route_rules *fresh = ig->new_rules;

	if (fresh == NULL)
		return;
	ig->new_rules = NULL;
	route_rules_free((struct route_rules *)consult_set_rules(ig->c, fresh));
}

static void
finish(struct ingest_job *batch)
{
	struct ingest_job *j, *next;

	for (j = batch; j; j = next) {
		next = j->next;
		j->next = NULL;
		j->done(j, j->done_arg);
	}
}

/* Process a group of jobs in one transaction. */
static void
run_batch(struct ingest *ig, struct ingest_job *batch)
{
	struct ingest_job *j;
	enum store_rc rc;
	int64_t now = clock_now_ms();
	int ok = 0;

	rc = store_begin(ig->s);
	for (j = batch; j; j = j->next) {
		if (rc) {
			j->rc = rc;
			continue;
		}
		j->rc = store_savepoint(ig->s);
		if (j->rc == STORE_OK)
			j->rc = j->run(ig->c, now, j->arg);
		if (j->rc == STORE_OK) {
			j->rc = store_release(ig->s);
		} else {
			log_warnx("ingest: message not stored: %s", store_errmsg(ig->s));
			if (store_rollback_savepoint(ig->s) != STORE_OK) {
				/* SQLite has already rolled the whole transaction back. */
				rc = j->rc;
			}
		}
		if (j->rc == STORE_OK)
			ok++;
	}
	if (rc == STORE_OK && ok > 0) {
		rc = store_commit(ig->s);
		if (rc)
			log_warnx("ingest: commit failed: %s", store_errmsg(ig->s));
	}
	if (rc) {
		store_rollback(ig->s);
		for (j = batch; j; j = j->next) {
			if (j->rc == STORE_OK)
				j->rc = rc;
		}
		consult_take_queued(ig->c);
	} else if (ok == 0) {
		store_rollback(ig->s);
	}
	/* What /healthz says: whether the last attempt to store something worked. */
	pthread_mutex_lock(&ig->lock);
	if (rc == STORE_OK && ok > 0) {
		ig->failed_at = 0;
	} else if (rc != STORE_OK || ok == 0) {
		ig->failed_at = now;
		snprintf(ig->failed_why, sizeof(ig->failed_why), "%s", store_errmsg(ig->s));
	}
	pthread_mutex_unlock(&ig->lock);
	if (consult_take_queued(ig->c) > 0 && ig->wake)
		ig->wake(ig->wake_arg);
	finish(batch);
}

#define PRUNE_EVERY_MS 60000
#define PRUNE_MAX 2000		/* steps deleted in one go: the transaction stays short */

/*
 * The periodic work, in one transaction: consult_tick (queued assignments, escalations,
 * reminders, failed deliveries) and, once a minute, USSD steps older than [ussd] keep.
 */
static void
run_tick(struct ingest *ig)
{
	int64_t now = clock_now_ms();
	int assigned = 0, pruned = 0;
	enum store_rc rc;

	log_flush_suppressed();	/* warnings left out in a minute now over */
	rc = store_begin(ig->s);
	if (rc == STORE_OK)
		rc = consult_tick(ig->c, now, &assigned);
	if (rc == STORE_OK && ig->ussd_keep_ms > 0 && now >= ig->next_prune) {
		rc = store_ussd_prune(ig->s, now - ig->ussd_keep_ms, PRUNE_MAX, &pruned);
		/* A full go means more are waiting: the next tick goes on. */
		ig->next_prune = pruned == PRUNE_MAX ? now : now + PRUNE_EVERY_MS;
	}
	if (rc == STORE_OK && (assigned > 0 || pruned > 0))
		rc = store_commit(ig->s);
	if (rc == STORE_OK && assigned == 0 && pruned == 0)
		store_rollback(ig->s);	/* nothing was written */
	if (rc) {
		log_warnx("ingest: periodic work failed: %s", store_errmsg(ig->s));
		store_rollback(ig->s);
		consult_take_queued(ig->c);
		return;
	}
	if (assigned)
		log_info("ingest: %d waiting consultation(s) assigned", assigned);
	if (pruned)
		log_debug("ingest: %d USSD step(s) older than [ussd] keep deleted", pruned);
	if (consult_take_queued(ig->c) > 0 && ig->wake)
		ig->wake(ig->wake_arg);
}

/*
 * The periodic work runs when it is due, whatever is queued: between two groups under a
 * flood, so that escalations, reminders and queued assignments keep their schedule (they
 * once ran only when the queue was empty). Jobs are taken in groups of batch_max at most.
 */
static void *
writer_main(void *arg)
{
	struct ingest *ig = arg;
	struct ingest_job *batch, *last;
	struct timespec until;
	int64_t now;
	int n;

	pthread_mutex_lock(&ig->lock);
	ig->tick_due = clock_now_ms();
	for (;;) {
		swap_rules(ig);
		now = clock_now_ms();
		if (!ig->stopping && now >= ig->tick_due) {
			pthread_mutex_unlock(&ig->lock);
			run_tick(ig);
			pthread_mutex_lock(&ig->lock);
			ig->tick_ran = clock_now_ms();
			ig->tick_due = ig->tick_ran + ig->tick_ms;
			continue;
		}
		if (ig->head == NULL) {
			if (ig->stopping)
				break;
			clock_deadline(ig->tick_due - now, &until);
			pthread_cond_timedwait(&ig->cond, &ig->lock, &until);
			continue;
		}
		/* Take up to batch_max jobs. */
		batch = last = ig->head;
		for (n = 1; n < ig->batch_max && last->next; n++)
			last = last->next;
		ig->waiting -= n;
		ig->head = last->next;
		if (ig->head == NULL)
			ig->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&ig->lock);
		run_batch(ig, batch);
		pthread_mutex_lock(&ig->lock);
	}
	pthread_mutex_unlock(&ig->lock);
	return NULL;
}

struct ingest *
ingest_start(struct store *s, struct consult *c, const struct ingest_opts *o,
    void (*wake)(void *), void *wake_arg)
{
	struct ingest *ig = calloc(1, sizeof(*ig));

	if (ig == NULL)
		return NULL;
	ig->s = s;
	ig->c = c;
	ig->batch_max = o->batch_max > 0 ? o->batch_max : 1;
	ig->tick_ms = o->tick_ms > 0 ? o->tick_ms : 1000;
	ig->late_ms = o->late_ms;
	ig->ussd_keep_ms = o->ussd_keep_ms;
	ig->tick_due = clock_now_ms();
	ig->wake = wake;
	ig->wake_arg = wake_arg;
	pthread_mutex_init(&ig->lock, NULL);
	pthread_cond_init(&ig->cond, NULL);
	if (pthread_create(&ig->thread, NULL, writer_main, ig) != 0) {
		pthread_mutex_destroy(&ig->lock);
		pthread_cond_destroy(&ig->cond);
		free(ig);
		return NULL;
	}
	return ig;
}

int
ingest_submit(struct ingest *ig, struct ingest_job *job)
{
	pthread_mutex_lock(&ig->lock);
	if (ig->stopping) {
		pthread_mutex_unlock(&ig->lock);
		return -1;
	}
	job->next = NULL;
	if (ig->tail)
		ig->tail->next = job;
	else
		ig->head = job;
	ig->tail = job;
	ig->waiting++;
	pthread_cond_signal(&ig->cond);
	pthread_mutex_unlock(&ig->lock);
	return 0;
}

int
ingest_health(struct ingest *ig, char *why, size_t len)
{
	int64_t late;
	int bad;

	pthread_mutex_lock(&ig->lock);
	late = clock_now_ms() - ig->tick_due;
	bad = ig->failed_at != 0;
	if (bad) {
		snprintf(why, len, "%s", ig->failed_why);
	} else if (ig->late_ms > 0 && late > ig->late_ms) {
		bad = 1;
		snprintf(why, len, "the periodic work (escalations, reminders, queued assignments) "
		    "is %lld s late; it last ran %lld s ago", (long long)(late / 1000),
		    ig->tick_ran ? (long long)((clock_now_ms() - ig->tick_ran) / 1000) : -1LL);
	}
	pthread_mutex_unlock(&ig->lock);
	return bad ? -1 : 0;
}

int
ingest_waiting(struct ingest *ig)
{
	int n;

	pthread_mutex_lock(&ig->lock);
	n = ig->waiting;
	pthread_mutex_unlock(&ig->lock);
	return n;
}

int
ingest_cancel_waiting(struct ingest *ig)
{
	struct ingest_job *list, *j;
	int n = 0;

	pthread_mutex_lock(&ig->lock);
	list = ig->head;
	ig->head = ig->tail = NULL;
	ig->waiting = 0;
	pthread_mutex_unlock(&ig->lock);
	for (j = list; j; j = j->next) {
		j->rc = STORE_ERR;
		j->cancelled = 1;
		n++;
	}
	finish(list);
	return n;
}

void
ingest_set_rules(struct ingest *ig, struct route_rules *rules)
{
	pthread_mutex_lock(&ig->lock);
	route_rules_free(ig->new_rules);	/* two reloads before the writer woke */
	ig->new_rules = rules;
	pthread_cond_signal(&ig->cond);
	pthread_mutex_unlock(&ig->lock);
}

void
ingest_stop(struct ingest *ig)
{
	if (ig == NULL)
		return;
	pthread_mutex_lock(&ig->lock);
	ig->stopping = 1;
	pthread_cond_signal(&ig->cond);
	pthread_mutex_unlock(&ig->lock);
	pthread_join(ig->thread, NULL);
	route_rules_free(ig->new_rules);
	pthread_mutex_destroy(&ig->lock);
	pthread_cond_destroy(&ig->cond);
	free(ig);
}
