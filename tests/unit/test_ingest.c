/*
 * The writer thread (gateway/ingest.c) with a temporary database and a fake clock: what
 * /healthz hears when the periodic work falls behind its schedule, and jobs taken back
 * before they ran.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/clock.h"
#include "consult/consult.h"
#include "gateway/ingest.h"
#include "routing/classify.h"
#include "routing/normalize.h"
#include "store/store.h"
#include "store/store_ussd.h"
#include "tests/lib/testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LATE_MS 30000
#define KEEP_MS (7 * 86400000LL)

static const char rules_text[] = "[routing]\nthreshold = 2\n"
    "[poultry]\nname = 家禽\npattern = 10 鸡|鸭|鹅\n";

struct fixture {
	char *dir, *path;
	struct store *s;
	struct route_rules *rules;
	struct route_norm *norm;
	struct consult *c;
	struct ingest *ig;
	/* A job that holds the writer until released. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int running, released, done;
};

static int64_t fake_ms;

static int64_t
fake_now(void)
{
	return __atomic_load_n(&fake_ms, __ATOMIC_SEQ_CST);
}

static enum store_rc
hold_writer(struct consult *c, int64_t now, void *arg)
{
	struct fixture *f = arg;

	(void)c;
	(void)now;
	pthread_mutex_lock(&f->lock);
	f->running = 1;
	pthread_cond_broadcast(&f->cond);
	while (!f->released)
		pthread_cond_wait(&f->cond, &f->lock);
	pthread_mutex_unlock(&f->lock);
	return STORE_OK;
}

static void
job_done(struct ingest_job *job, void *arg)
{
	struct fixture *f = arg;

	(void)job;
	pthread_mutex_lock(&f->lock);
	f->done++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct consult_opts o = {
		.signature = "【测试】", .service_number = "10690000", .provider = "http",
		.followup_window_ms = 3 * 86400000LL, .new_question_score = 10, .low_rating = 2,
		.max_segments = 3, .loop_limit = 20, .remind_after_ms = 2 * 3600000LL,
		.reassign_after_ms = 8 * 3600000LL, .off_duty_grace_ms = 3600000LL,
		.escalation_check_ms = 0,
	};
	char err[512], *rules;

	f->dir = tu_mkdtemp("ingest");
	rules = tu_write_file(f->dir, "rules.conf", rules_text);
	if (asprintf(&f->path, "%s/test.db", f->dir) < 0 ||
	    store_open(f->path, 1000, &f->s, err, sizeof(err)) != 0 ||
	    route_rules_load(rules, &f->rules, err, sizeof(err)) != 0 ||
	    route_norm_open(&f->norm, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	free(rules);
	f->c = consult_new(f->s, f->rules, f->norm, &o);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	__atomic_store_n(&fake_ms, 1700000000000LL, __ATOMIC_SEQ_CST);
	clock_set_source(fake_now);
	f->ig = ingest_start(f->s, f->c, &(struct ingest_opts){ .batch_max = 8, .tick_ms = 1000,
	    .late_ms = LATE_MS, .ussd_keep_ms = KEEP_MS }, NULL, NULL);
	assert_non_null(f->ig);
	*state = f;
	return 0;
}

static void release(struct fixture *f);

static int
teardown(void **state)
{
	struct fixture *f = *state;

	release(f);	/* a test that failed while the writer was held */
	ingest_stop(f->ig);
	clock_set_source(NULL);
	consult_free(f->c);
	route_norm_close(f->norm);
	route_rules_free(f->rules);
	store_close(f->s);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static struct ingest_job
holding_job(struct fixture *f)
{
	struct ingest_job j;

	memset(&j, 0, sizeof(j));
	j.run = hold_writer;
	j.arg = f;
	j.done = job_done;
	j.done_arg = f;
	return j;
}

static void
wait_for(struct fixture *f, int *flag, int want)
{
	pthread_mutex_lock(&f->lock);
	while (*flag < want)
		pthread_cond_wait(&f->cond, &f->lock);
	pthread_mutex_unlock(&f->lock);
}

static void
release(struct fixture *f)
{
	pthread_mutex_lock(&f->lock);
	f->released = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* The writer takes up its schedule again at once; this waits for it (a wait, not a timing). */
static int
health_after_catching_up(struct fixture *f, char *why, size_t len)
{
	int i, rc = -1;

	for (i = 0; i < 2000 && rc != 0; i++) {
		struct timespec ts = { 0, 5000000L };

		rc = ingest_health(f->ig, why, len);
		if (rc != 0)
			nanosleep(&ts, NULL);
	}
	return rc;
}

static void
test_health_says_the_periodic_work_is_late_while_the_writer_is_held(void **state)
{
	struct fixture *f = *state;
	struct ingest_job j = holding_job(f);
	char why[256] = "";

	assert_int_equal(ingest_submit(f->ig, &j), 0);
	wait_for(f, &f->running, 1);
	assert_int_equal(ingest_health(f->ig, why, sizeof(why)), 0);

	/* A minute goes by while the writer is held: the work due every second has not run. */
	__atomic_add_fetch(&fake_ms, 60000, __ATOMIC_SEQ_CST);
	assert_int_equal(ingest_health(f->ig, why, sizeof(why)), -1);
	tu_assert_contains(why, "periodic work");
	tu_assert_contains(why, "late");

	release(f);
	wait_for(f, &f->done, 1);
	assert_int_equal(health_after_catching_up(f, why, sizeof(why)), 0);
}

static void
test_health_stays_green_while_the_work_keeps_its_schedule(void **state)
{
	struct fixture *f = *state;
	char why[256] = "";

	/* Less than the bound behind: not yet said. */
	__atomic_add_fetch(&fake_ms, LATE_MS - 2000, __ATOMIC_SEQ_CST);
	assert_int_equal(ingest_health(f->ig, why, sizeof(why)), 0);
}

static void
test_jobs_taken_back_are_done_as_not_stored(void **state)
{
	struct fixture *f = *state;
	struct ingest_job holder = holding_job(f), queued[3];
	int i;

	assert_int_equal(ingest_submit(f->ig, &holder), 0);
	wait_for(f, &f->running, 1);
	for (i = 0; i < 3; i++) {
		queued[i] = holding_job(f);
		assert_int_equal(ingest_submit(f->ig, &queued[i]), 0);
	}
	assert_int_equal(ingest_waiting(f->ig), 3);
	assert_int_equal(ingest_cancel_waiting(f->ig), 3);
	assert_int_equal(ingest_waiting(f->ig), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(queued[i].rc, STORE_ERR);
		assert_true(queued[i].cancelled);
	}
	assert_int_equal(f->done, 3);
	release(f);
	wait_for(f, &f->done, 4);
	assert_int_equal(holder.rc, STORE_OK);
	assert_false(holder.cancelled);
}

static void
test_the_periodic_work_deletes_ussd_steps_older_than_keep(void **state)
{
	struct fixture *f = *state;
	int64_t now = fake_now();
	long long left = -1;
	int i;
	struct store *own;
	char err[256];

	/* Through a connection of the test's own, between two rounds of the writer's work. */
	assert_int_equal(store_open(f->path, 5000, &own, err, sizeof(err)), 0);
	assert_int_equal(store_ussd_put(own, "old", "", "+8613800000001", "CON 旧", now - KEEP_MS -
	    1000), STORE_OK);
	assert_int_equal(store_ussd_put(own, "new", "", "+8613800000001", "CON 新", now - KEEP_MS +
	    120000), STORE_OK);
	store_close(own);
	/* A minute later, the next round of the periodic work looks for old steps. */
	__atomic_add_fetch(&fake_ms, 61000, __ATOMIC_SEQ_CST);
	for (i = 0; i < 2000 && left != 1; i++) {
		struct timespec ts = { 0, 5000000L };

		left = tu_query_int(f->path, "SELECT count(*) FROM ussd_steps");
		if (left != 1)
			nanosleep(&ts, NULL);
	}
	assert_int_equal(left, 1);
	assert_int_equal(tu_query_int(f->path, "SELECT count(*) FROM ussd_steps WHERE "
	    "session_id = 'new'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_health_says_the_periodic_work_is_late_while_the_writer_is_held, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_health_stays_green_while_the_work_keeps_its_schedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jobs_taken_back_are_done_as_not_stored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_periodic_work_deletes_ussd_steps_older_than_keep, setup, teardown),
	};

	return cmocka_run_group_tests_name("ingest", tests, NULL, NULL);
}
