/*
 * The periodic work keeps its schedule under a sustained flood. Many clients post questions
 * without pause, more than a group (batch_max) always waiting, and no expert is registered:
 * every question is queued. Mid-flood an expert is registered; the writer's periodic work
 * must assign the questions that were queued before, while the flood goes on, and /healthz
 * must answer 200 throughout (it says 503 when the periodic work is late). The periodic work
 * once ran only when nothing was queued: under a flood, never.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/faults/faultlib.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENTS 32
#define BEFORE_MS 3000		/* flood before the expert is registered */
#define ASSIGN_BOUND_MS 15000	/* questions queued before must be assigned within this... */
#define ASSIGN_WANT 300		/* ...this many of them at least (the work takes 100 a round) */
#define EXPERT "+8613900000001"
#define CONF "[http]\nthreads = 4\ntimers_late = 10s\n[store]\nbatch_max = 8\n" \
    "[consult]\nloop_limit = 100000\n"

struct client {
	pthread_t thread;
	int idx;
	int posts, ok, other;
};

static volatile int flood_stop;
static int http_port;
static struct fprov g_fp;
static struct world *g_w;
static struct client g_cl[CLIENTS];
static int clients_running;

static void *
client_main(void *arg)
{
	struct client *cl = arg;
	CURL *c = curl_easy_init();
	char form[256];
	int seq = 0;

	while (!flood_stop) {
		/* A farmer of its own each time: a new question, never a follow-up. */
		snprintf(form, sizeof(form), "from=%%2B8613%02d%07d&text=鸡苗拉稀不吃食怎么办+%d",
		    cl->idx, seq, seq);
		seq++;
		cl->posts++;
		if (fl_post_form(c, http_port, form, NULL) == 200)
			cl->ok++;
		else
			cl->other++;
	}
	curl_easy_cleanup(c);
	return NULL;
}

static void
test_periodic_work_keeps_its_schedule_under_a_flood(void **state)
{
	struct fl_monitor mon;
	int64_t t0, added_at, first_at = -1, ended;
	long long before, assigned = 0, total;
	int i, posts = 0, ok = 0, other = 0;
	char *out, *when;

	(void)state;
	h_gateway_restart(g_w);
	fl_monitor_start(&mon, http_port, 200);
	t0 = h_now_ms();
	for (i = 0; i < CLIENTS; i++) {
		g_cl[i].idx = i;
		pthread_create(&g_cl[i].thread, NULL, client_main, &g_cl[i]);
	}
	clients_running = 1;
	h_sleep_ms(BEFORE_MS);

	/* Registered through the command line, as the bureau does, while the flood goes on. */
	assert_int_equal(h_run_cli(g_w, &out, "expert", "add", "--phone", EXPERT, "--name",
	    "王专家", "--categories", "poultry", NULL), 0);
	free(out);
	added_at = h_now_ms();
	when = fl_qs(g_w->db, "SELECT max(created_at) FROM consultations");
	before = fl_q(g_w->db, "SELECT count(*) FROM consultations WHERE created_at <= %s",
	    when ? when : "0");
	while (h_now_ms() - added_at < ASSIGN_BOUND_MS) {
		assigned = fl_q(g_w->db, "SELECT count(*) FROM consultations WHERE created_at <= "
		    "%s AND status = 'assigned'", when ? when : "0");
		if (assigned > 0 && first_at < 0)
			first_at = h_now_ms() - added_at;
		if (before > 0 && assigned >= (before < ASSIGN_WANT ? before : ASSIGN_WANT))
			break;
		h_sleep_ms(100);
	}
	ended = h_now_ms();
	flood_stop = 1;
	for (i = 0; i < CLIENTS; i++) {
		pthread_join(g_cl[i].thread, NULL);
		posts += g_cl[i].posts;
		ok += g_cl[i].ok;
		other += g_cl[i].other;
	}
	clients_running = 0;
	fl_monitor_stop(&mon);
	total = fl_q(g_w->db, "SELECT count(*) FROM consultations");

	printf("flood: %d clients, %d posts in %.1f s (%.0f a second), %d answered 200, %d not\n",
	    CLIENTS, posts, (double)(ended - t0) / 1000, posts * 1000.0 / (double)(ended - t0),
	    ok, other);
	printf("flood: %lld questions queued before the expert was registered; %lld of them "
	    "assigned while the flood went on (%d wanted), the first %lld ms after the "
	    "registration, the last seen %lld ms after (bound %d ms)\n", before, assigned,
	    ASSIGN_WANT, (long long)first_at, (long long)(ended - added_at), ASSIGN_BOUND_MS);
	printf("flood: /healthz asked %d times during the flood: %d not 200, %d not answered, "
	    "slowest %.0f ms; %lld consultations in all\n", mon.asked, mon.not_ok, mon.no_answer,
	    mon.max_ms, total);
	free(when);
	assert_true(before > 0);
	assert_true(first_at >= 0);
	assert_true(assigned >= (before < ASSIGN_WANT ? before : ASSIGN_WANT));
	assert_int_equal(mon.not_ok, 0);
	assert_true(h_gateway_stop(g_w) == 0);
}

static int
setup(void **state)
{
	(void)state;
	g_w = fl_start("flood", &g_fp, 0, &http_port, CONF, 120);
	if (g_w == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	flood_stop = 1;
	for (i = 0; clients_running && i < CLIENTS; i++)
		pthread_join(g_cl[i].thread, NULL);
	fl_world_free(g_w);
	fp_free(&g_fp);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_periodic_work_keeps_its_schedule_under_a_flood,
		    setup, teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("faults: periodic work under a flood", tests, NULL, NULL);
}
