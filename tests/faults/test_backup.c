/*
 * `farmline backup` while the gateway serves under load, then a restore. Clients post
 * questions, each with a provider id of its own; mid-load a backup is taken; the load goes on
 * until the gateway stops. The copy is then put in a fresh gateway's place, as README's
 * restore does, and that gateway must start on it and hold every message acknowledged
 * before the backup started. The copy is readable by its owner only, and a second backup to
 * the same file is refused without --force.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/faults/faultlib.h"
#include "tests/lib/testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CLIENTS 4
#define BEFORE_MS 2000		/* load before the backup */
#define AFTER_MS 1000		/* and after it */
#define CONF "[http]\nthreads = 4\n[consult]\nloop_limit = 100000\n"

struct client {
	pthread_t thread;
	int idx;
	char **ids;		/* provider ids answered 200, in order */
	int64_t *at;		/* when each answer came (h_now_ms) */
	int n, cap, posts;
};

static volatile int load_stop;
static int http_port;
static struct fprov g_fp;
static struct world *g_w, *g_fresh;
static struct client g_cl[CLIENTS];
static int clients_running;

static void *
client_main(void *arg)
{
	struct client *cl = arg;
	CURL *c = curl_easy_init();
	char form[256], id[32];
	int seq = 0;

	while (!load_stop) {
		snprintf(id, sizeof(id), "b%d-%d", cl->idx, seq);
		snprintf(form, sizeof(form), "from=%%2B8613%02d%07d&text=玉米叶子发黄+%s&id=%s",
		    cl->idx, seq, id, id);
		seq++;
		cl->posts++;
		if (fl_post_form(c, http_port, form, NULL) != 200)
			continue;
		if (cl->n == cl->cap) {
			cl->cap = cl->cap ? cl->cap * 2 : 256;
			cl->ids = realloc(cl->ids, (size_t)cl->cap * sizeof(*cl->ids));
			cl->at = realloc(cl->at, (size_t)cl->cap * sizeof(*cl->at));
			if (cl->ids == NULL || cl->at == NULL)
				abort();
		}
		cl->ids[cl->n] = strdup(id);
		cl->at[cl->n++] = h_now_ms();
	}
	curl_easy_cleanup(c);
	return NULL;
}

static void
test_a_backup_taken_under_load_restores_every_message_acknowledged_before_it(void **state)
{
	struct stat st;
	char *out = NULL, *copy, *integrity;
	int64_t started, took;
	long long in_copy, in_restored;
	int i, j, before = 0, after = 0, missing = 0, posts = 0, rc;

	(void)state;
	h_gateway_restart(g_w);
	for (i = 0; i < CLIENTS; i++) {
		g_cl[i].idx = i;
		pthread_create(&g_cl[i].thread, NULL, client_main, &g_cl[i]);
	}
	clients_running = 1;
	h_sleep_ms(BEFORE_MS);

	if (asprintf(&copy, "%s/nightly.db", g_w->dir) < 0)
		abort();
	started = h_now_ms();
	rc = h_run_cli(g_w, &out, "backup", copy, NULL);
	took = h_now_ms() - started;
	printf("backup: %s", out);
	free(out);
	assert_int_equal(rc, 0);
	h_sleep_ms(AFTER_MS);
	load_stop = 1;
	for (i = 0; i < CLIENTS; i++)
		pthread_join(g_cl[i].thread, NULL);
	clients_running = 0;
	assert_int_equal(h_gateway_stop(g_w), 0);

	/* Only its owner may read it. */
	assert_int_equal(stat(copy, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The restore: stop, copy back, start (README). Here into a fresh gateway. */
	in_copy = fl_q(copy, "SELECT count(*) FROM messages WHERE direction = 'in'");
	h_copy_file(copy, g_fresh->db);
	/* A second copy to the same file is refused, unless --force. */
	assert_int_not_equal(h_run_cli(g_w, &out, "backup", copy, NULL), 0);
	tu_assert_contains(out, "--force");
	free(out);
	assert_int_equal(h_run_cli(g_w, &out, "backup", "--force", copy, NULL), 0);
	free(out);
	h_gateway_restart(g_fresh);
	for (i = 0; i < CLIENTS; i++) {
		posts += g_cl[i].posts;
		for (j = 0; j < g_cl[i].n; j++) {
			if (g_cl[i].at[j] >= started) {
				after++;
				continue;
			}
			before++;
			if (fl_q(g_fresh->db, "SELECT count(*) FROM messages WHERE direction = 'in' AND "
			    "provider_id = %Q", g_cl[i].ids[j]) != 1)
				missing++;
		}
	}
	in_restored = fl_q(g_fresh->db, "SELECT count(*) FROM messages WHERE direction = 'in'");
	integrity = fl_qs(g_fresh->db, "PRAGMA integrity_check");
	assert_int_equal(h_gateway_stop(g_fresh), 0);
	printf("backup: %d posts; %d answered 200 before the backup started (%d of them missing "
	    "from the restored database), %d after; the backup took %lld ms under load\n", posts,
	    before, missing, after, (long long)took);
	printf("backup: the restored gateway started on the copy: %lld inbound messages (%lld "
	    "in the copy taken under load); integrity_check %s\n", in_restored, in_copy,
	    integrity ? integrity : "(none)");
	assert_true(before > 0);
	assert_int_equal(missing, 0);
	assert_non_null(integrity);
	assert_string_equal(integrity, "ok");
	free(integrity);
	free(copy);
}

static int
setup(void **state)
{
	(void)state;
	g_w = fl_start("backup", &g_fp, 0, &http_port, CONF, 120);
	if (g_w == NULL)
		return -1;
	g_fresh = fl_world_new("restore", g_fp.port, fl_free_port(), CONF);
	return 0;
}

static int
teardown(void **state)
{
	int i, j;

	(void)state;
	load_stop = 1;
	for (i = 0; clients_running && i < CLIENTS; i++)
		pthread_join(g_cl[i].thread, NULL);
	for (i = 0; i < CLIENTS; i++) {
		for (j = 0; j < g_cl[i].n; j++)
			free(g_cl[i].ids[j]);
		free(g_cl[i].ids);
		free(g_cl[i].at);
	}
	fl_world_free(g_fresh);
	fl_world_free(g_w);
	fp_free(&g_fp);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_a_backup_taken_under_load_restores_every_message_acknowledged_before_it,
		    setup, teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("faults: backup under load and restore", tests, NULL,
	    NULL);
}
