/*
 * A provider outage in three acts, each PHASE_MS long: the fake provider answers 503, then
 * stalls longer than [provider] timeout, then is not there at all (its listener closed, so
 * connections are refused). Questions come in before and during it. Afterwards every message
 * is delivered exactly once; the fake provider's arrival times show the backoff doubling from
 * retry_base up to retry_max (plus the timeout while it stalls); the database's attempts,
 * last_error and next_attempt_at columns show each act; nothing was marked failed, since
 * max_age is longer than the outage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/faults/faultlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHASE_MS 4000
#define BASE_MS 100		/* [sender] retry_base */
#define MAX_MS 1600		/* [sender] retry_max */
#define TIMEOUT_MS 500		/* [provider] timeout */
#define STALL_MS 1500		/* how long the stalling provider takes: more than the timeout */
#define SLACK_MS 250		/* scheduling, polling, the fake's own answer */
#define EXPERT "+8613900000001"

static struct fprov g_fp;
static struct world *g_w;

static const char *const questions[] = {
	"鸡苗拉稀不吃食怎么办", "鸭子不下蛋是什么原因", "鹅苗死亡很多怎么办", "小鸡眼睛肿了",
	"蛋鸡产蛋率下降怎么回事", "鸽子拉绿色粪便",
};

static void
ask(struct world *w, int farmer)
{
	char form[256], *reply = NULL;
	long status;

	snprintf(form, sizeof(form), "from=%%2B861380000%04d&text=%s", farmer,
	    questions[farmer % 6]);
	status = fl_post_form(NULL, w->gw.port, form, &reply);
	if (status != 200)
		fail_msg("question %d: %ld %s", farmer, status, reply ? reply : "");
	free(reply);
}

/* Backoff before attempt n+1 after n failed attempts, without jitter. */
static int64_t
backoff(int n)
{
	int64_t d = BASE_MS;

	while (--n > 0 && d < MAX_MS)
		d *= 2;
	return d > MAX_MS ? MAX_MS : d;
}

/* One message's arrivals at the fake provider, against the backoff. */
struct gaps {
	int attempts, accepted, checked, bad;
	int64_t delivered;	/* when it was accepted */
	char line[256];		/* the gaps, for the eye */
};

static void
follow(const struct fp_hit *hits, int n, long long id, struct gaps *g)
{
	int64_t prev = 0, gap, lo, hi, wait;
	size_t len = 0;
	int i, prev_stalled = 0;

	for (i = 0; i < n; i++) {
		if (hits[i].id != id)
			continue;
		if (hits[i].status == 200) {
			g->accepted++;
			g->delivered = hits[i].at;
			continue;
		}
		g->attempts++;
		/* Arrivals before the provider went away are every attempt made: attempt k
		 * waited for the backoff after k - 1 failures (and the timeout, if stalled). */
		if (prev) {
			gap = hits[i].at - prev;
			wait = prev_stalled ? TIMEOUT_MS : 0;
			lo = backoff(g->attempts - 1) + wait - 10;
			hi = backoff(g->attempts - 1) * 11 / 10 + wait + SLACK_MS;
			g->checked++;
			if (gap < lo || gap > hi) {
				g->bad++;
				printf("  message %lld: attempt %d came %lld ms after the one"
				    " before, want %lld..%lld\n", id, g->attempts, (long long)gap,
				    (long long)lo, (long long)hi);
			}
			if (len < sizeof(g->line) - 16)
				len += (size_t)snprintf(g->line + len, sizeof(g->line) - len,
				    " %lld%s", (long long)gap, prev_stalled ? "*" : "");
		}
		prev = hits[i].at;
		prev_stalled = hits[i].status == 0;
	}
}

struct phase_state {
	const char *name;
	long long failed, attempts_min, attempts_max, msgs;
	long long with_error;	/* messages whose last_error tells this act */
	long long next_max;	/* the latest next_attempt_at, from the snapshot */
};

static void
snapshot(struct world *w, struct phase_state *p, const char *name, const char *error_like)
{
	int64_t now = fl_wall_ms();

	p->name = name;
	p->msgs = fl_q(w->db, "SELECT count(*) FROM messages WHERE direction = 'out'");
	p->failed = fl_q(w->db, "SELECT count(*) FROM messages WHERE status = 'failed'");
	p->attempts_min = fl_q(w->db, "SELECT min(attempts) FROM messages WHERE direction = 'out'");
	p->attempts_max = fl_q(w->db, "SELECT max(attempts) FROM messages WHERE direction = 'out'");
	p->with_error = fl_q(w->db, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " last_error LIKE %Q", error_like);
	p->next_max = fl_q(w->db, "SELECT coalesce(max(next_attempt_at), 0) FROM messages"
	    " WHERE direction = 'out' AND status = 'queued'") - now;
	printf("outage: after %-8s %lld messages, attempts %lld..%lld, last_error like '%s': %lld,"
	    " next attempt within %lld ms, failed %lld\n", name, p->msgs, p->attempts_min,
	    p->attempts_max, error_like, p->with_error, p->next_max, p->failed);
}

static void
test_provider_outage_backs_off_and_delivers_everything(void **state)
{
	struct phase_state a, b, c;
	struct fp_hit *hits;
	long long *ids;
	int64_t t0 = h_now_ms(), t_a, t_b, t_c, t_d, until, last_delivery = 0;
	int i, j, n, nids, port, farmer = 0, gaps_checked = 0, gaps_bad = 0, twice = 0, never = 0;
	int arrivals[3] = { 0, 0, 0 };
	long long attempts_total;
	char *out;

	(void)state;
	port = g_fp.port;
	assert_int_equal(h_run_cli(g_w, &out, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	free(out);
	h_gateway_restart(g_w);

	/* Act 1: 503. */
	t_a = fl_wall_ms();
	for (i = 0; i < 4; i++)
		ask(g_w, farmer++);
	h_sleep_ms(PHASE_MS);
	snapshot(g_w, &a, "503", "HTTP 503%");

	/* Act 2: answers that come later than [provider] timeout. */
	fp_set_mode(&g_fp, FP_SLOW);
	t_b = fl_wall_ms();
	ask(g_w, farmer++);
	h_sleep_ms(PHASE_MS);
	snapshot(g_w, &b, "timeouts", "%imeout%");

	/* Act 3: nobody listening. */
	fp_stop(&g_fp);
	t_c = fl_wall_ms();
	ask(g_w, farmer++);
	h_sleep_ms(PHASE_MS);
	snapshot(g_w, &c, "refused", "%connect%");

	/* The provider is back. */
	fp_set_mode(&g_fp, FP_ACCEPT);
	assert_int_equal(fp_start(&g_fp, port), 0);
	t_d = fl_wall_ms();
	until = h_now_ms() + MAX_MS * 3 + 5000;
	while (fl_q(g_w->db, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'") > 0 && h_now_ms() < until)
		h_sleep_ms(20);
	attempts_total = fl_q(g_w->db, "SELECT sum(attempts) FROM messages"
	    " WHERE direction = 'out'");
	assert_int_equal(h_gateway_stop(g_w), 0);

	/* Each message: its arrivals at the fake provider, in order. */
	nids = fl_qlist(g_w->db, &ids, "SELECT id FROM messages WHERE direction = 'out'"
	    " ORDER BY id");
	n = fp_snapshot(&g_fp, &hits);
	for (i = 0; i < n; i++)
		arrivals[hits[i].at < t_b ? 0 : hits[i].at < t_c ? 1 : 2]++;
	for (j = 0; j < nids; j++) {
		struct gaps g;

		memset(&g, 0, sizeof(g));
		follow(hits, n, ids[j], &g);
		gaps_checked += g.checked;
		gaps_bad += g.bad;
		twice += g.accepted > 1;
		never += g.accepted == 0;
		if (g.delivered > last_delivery)
			last_delivery = g.delivered;
		if (j < 2 || (j == nids - 1))
			printf("outage: message %lld: gaps between its attempts (ms; * after a"
			    " timeout):%s; %d attempts seen by the provider before it went away\n",
			    ids[j], g.line[0] ? g.line : " (none seen)", g.attempts);
	}
	printf("outage: the provider saw %d requests answered 503, %d stalled past the timeout,"
	    " %d after it came back; %lld attempts in all (the database's count)\n", arrivals[0],
	    arrivals[1], arrivals[2], attempts_total);
	printf("outage: %d messages, %d delivered twice, %d never; the last %.1f s after the"
	    " provider came back; %d gaps checked against the backoff, %d off; %.1f s in all\n",
	    nids, twice, never, (double)(last_delivery - t_d) / 1000.0, gaps_checked, gaps_bad,
	    (double)(h_now_ms() - t0) / 1000.0);
	{
		char *log = h_gateway_log(g_w);

		assert_int_equal(fl_grep_numbers(log, "outage"), 0);
		free(log);
	}

	/* Nothing failed early; every act shows in the database. */
	assert_int_equal(a.failed + b.failed + c.failed, 0);
	assert_int_equal(fl_q(g_w->db, "SELECT count(*) FROM messages WHERE status = 'failed'"), 0);
	assert_int_equal(a.with_error, a.msgs);
	assert_true(b.with_error > 0);
	assert_int_equal(c.with_error, c.msgs);
	assert_true(a.attempts_min >= 5);	/* 0, 100, 300, 700, 1500, 3100 ms */
	assert_true(c.attempts_min > 1);
	/* The backoff never waits longer than retry_max (and its tenth of jitter). */
	assert_true(a.next_max <= MAX_MS * 11 / 10 + SLACK_MS);
	assert_true(b.next_max <= MAX_MS * 11 / 10 + TIMEOUT_MS + SLACK_MS);
	assert_true(c.next_max <= MAX_MS * 11 / 10 + SLACK_MS);
	/* Attempts went on while nobody listened: more than the provider saw. */
	assert_true(attempts_total > arrivals[0] + arrivals[1] + nids);
	/* Everything delivered once, soon after the provider came back. */
	assert_int_equal(nids, farmer * 2);
	assert_int_equal(never, 0);
	assert_int_equal(twice, 0);
	assert_true(last_delivery - t_d <= MAX_MS * 11 / 10 + SLACK_MS * 2);
	assert_true(gaps_checked >= 20);
	assert_int_equal(gaps_bad, 0);
	(void)t_a;

	free(hits);
	free(ids);
}

static int
setup(void **state)
{
	char conf[512];

	(void)state;
	memset(&g_fp, 0, sizeof(g_fp));
	g_fp.mode = FP_FAIL;
	g_fp.slow_ms = STALL_MS;
	if (fp_start(&g_fp, 0) != 0)
		return -1;
	snprintf(conf, sizeof(conf),
	    "[provider]\ntimeout = %dms\n"
	    "[sender]\nretry_base = %dms\nretry_max = %dms\npoll_interval = 50ms\nmax_age = 1h\n",
	    TIMEOUT_MS, BASE_MS, MAX_MS);
	g_w = fl_world_new("outage", g_fp.port, 0, conf);
	fl_watchdog(90, g_w);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fl_world_free(g_w);
	fp_free(&g_fp);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_provider_outage_backs_off_and_delivers_everything, setup, teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("faults: provider outage", tests, NULL, NULL);
}
