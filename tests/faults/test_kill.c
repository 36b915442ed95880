/*
 * kill -9 under load. Clients post farmers' questions, each with a provider message id of its
 * own, while the gateway is killed at random moments and started again, over and over (most
 * kills while it serves, every fourth while it is still starting up). Then:
 * every request answered 200 is in the database exactly once; a request cut off by a kill is
 * there at most once (half of them are sent again with the same id, as a provider does); every
 * outbound SMS queued is accepted by the fake provider once the gateway is left running; and
 * when the provider got a message more than once, every delivery but the last was cut off by
 * a kill: the message was 'sending' when that run was killed (the database is read right
 * after each kill), and the next delivery came in a later run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/faults/faultlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENTS 4
#define KILLS 28
#define EARLY_EVERY 4		/* every fourth kill comes while the gateway starts... */
#define EARLY_MAX_MS 40		/* ...within this long of its exec */
#define RUN_MIN_MS 30		/* a run lasts this long at least before its kill... */
#define RUN_MAX_MS 900		/* ...and at most this long */
#define STALL_MS 10000		/* the outbox must shrink at least this often while it drains */
#define DRAIN_MAX_MS 120000
#define EXPERT "+8613900000001"
#define QUESTION "鸡苗拉稀不吃食怎么办"
#define CONF "[http]\nthreads = 4\n[provider]\ntimeout = 2s\n" \
    "[sender]\nretry_base = 100ms\nretry_max = 500ms\npoll_interval = 50ms\nmax_age = 1h\n" \
    "[consult]\nloop_limit = 1000\n"

struct req {
	char id[24];
	int attempts;
	int ok;			/* some attempt was answered 200 */
	int unanswered;		/* attempts that got no answer */
};

struct client {
	int idx;
	pthread_t thread;
	unsigned seed;
	struct req *reqs;
	int n, cap;
	int posts, ok, no_answer, unavailable, other, resent;
};

static volatile int load_stop;
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
	struct req *r = NULL;
	char form[512];
	int seq = 0;

	while (!load_stop) {
		long status;

		if (r == NULL) {
			if (cl->n == cl->cap) {
				cl->cap = cl->cap ? cl->cap * 2 : 256;
				cl->reqs = realloc(cl->reqs, (size_t)cl->cap * sizeof(*cl->reqs));
				if (cl->reqs == NULL)
					abort();
			}
			r = &cl->reqs[cl->n++];
			memset(r, 0, sizeof(*r));
			snprintf(r->id, sizeof(r->id), "k%d-%d", cl->idx, seq);
			seq++;
		}
		/* A farmer of this request's own; the text carries the id, to find it again. */
		snprintf(form, sizeof(form), "from=%%2B86138%d%07d&text=" QUESTION "+%s&id=%s",
		    cl->idx, (int)(r - cl->reqs), r->id, r->id);
		r->attempts++;
		cl->posts++;
		status = fl_post_form(c, http_port, form, NULL);
		if (status == 200) {
			cl->ok++;
			r->ok = 1;
			r = NULL;
		} else if (status == 0) {
			/* Cut off by a kill, or nobody listening: a provider may retry, or not. */
			cl->no_answer++;
			r->unanswered++;
			if (rand_r(&cl->seed) % 2 == 0)
				r = NULL;
			else
				cl->resent++;
			h_sleep_ms(10);
		} else if (status == 503) {
			cl->unavailable++;	/* sent again, as a provider does */
			cl->resent++;
			h_sleep_ms(10);
		} else {
			cl->other++;
			r = NULL;
		}
	}
	/* A request never answered and still pending stays as it is. */
	curl_easy_cleanup(c);
	return NULL;
}

/* The ids that were 'sending' at each kill. */
struct kill_rec {
	int64_t started, killed;
	long long *sending;
	int nsending;
};

static int
was_sending(const struct kill_rec *k, long long id)
{
	int j;

	for (j = 0; j < k->nsending; j++) {
		if (k->sending[j] == id)
			return 1;
	}
	return 0;
}

/* The next gateway posts to /send/<run>: the fake provider tells which run sent what. */
static void
start_run(int run)
{
	char path[32];

	snprintf(path, sizeof(path), "/send/%d", run);
	fl_world_write_conf(g_w, g_fp.port, http_port, CONF, path);
}

/* A delivery, for the eye: which gateway run posted it, and when against that run's kill. */
static const char *
when(const struct kill_rec *k, int nk, const struct fp_hit *h)
{
	static char buf[160];

	if (h->run < 0 || h->run >= nk)
		snprintf(buf, sizeof(buf), "by the gateway left running after the last kill");
	else
		snprintf(buf, sizeof(buf), "by run %d (killed about %lld ms later; 'sending'"
		    " then: %s)", h->run + 1, (long long)(k[h->run].killed - h->at),
		    was_sending(&k[h->run], h->id) ? "yes" : "no");
	return buf;
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct fp_hit *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static int
cmp_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
test_kill_nine_under_load_loses_nothing_acknowledged(void **state)
{
	struct kill_rec kills[KILLS];
	struct fp_hit *hits;
	unsigned seed = fl_seed("kill");
	int64_t t0 = h_now_ms(), until;
	long long *out_ids, left, half, queued;
	int64_t drain_start, drain_ms;
	double drain_rate;
	int i, j, k, nhits, nout, posts = 0, ok = 0, no_answer = 0, unavailable = 0, other = 0;
	int resent = 0, acked = 0, acked_bad = 0, unacked = 0, unacked_stored = 0, unacked_bad = 0;
	int dups = 0, dup_extra = 0, dup_bad = 0, never = 0, ghosts = 0;
	int64_t dup_max_gap = 0;
	int dup_most = 0, early = 0;
	char *out, *integrity;
	struct fl_pair *by_id, *by_text, *asked;
	int nby_id, nby_text, nasked;

	(void)state;
	assert_int_equal(h_run_cli(g_w, &out, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	free(out);

	start_run(0);
	h_gateway_restart(g_w);
	for (i = 0; i < CLIENTS; i++) {
		g_cl[i].idx = i;
		g_cl[i].seed = seed + (unsigned)i;
		pthread_create(&g_cl[i].thread, NULL, client_main, &g_cl[i]);
	}
	clients_running = 1;
	for (k = 0; k < KILLS; k++) {
		if (k % EARLY_EVERY == EARLY_EVERY - 1) {
			/* While it starts: migrations, recovery of 'sending', the first sends. */
			start_run(k);
			h_gateway_spawn(g_w);
			kills[k].started = fl_wall_ms();
			h_sleep_ms((int)(rand_r(&seed) % EARLY_MAX_MS));
			early++;
		} else {
			if (k > 0) {
				start_run(k);
				h_gateway_restart(g_w);
			}
			kills[k].started = fl_wall_ms();
			h_sleep_ms(RUN_MIN_MS + (int)(rand_r(&seed) % (RUN_MAX_MS - RUN_MIN_MS)));
		}
		kills[k].killed = fl_wall_ms();
		h_gateway_kill(g_w);
		kills[k].nsending = fl_qlist(g_w->db, &kills[k].sending, "SELECT id FROM messages"
		    " WHERE direction = 'out' AND status = 'sending'");
	}
	load_stop = 1;
	for (i = 0; i < CLIENTS; i++)
		pthread_join(g_cl[i].thread, NULL);
	clients_running = 0;

	/* Left running: everything queued goes out. A loaded machine only slows it down: the
	 * wait goes on while the queue shrinks, and ends when it stops shrinking for STALL_MS. */
	start_run(KILLS);
	h_gateway_restart(g_w);
	drain_start = h_now_ms();
	queued = fl_q(g_w->db, "SELECT count(*) FROM messages WHERE direction = 'out'"
	    " AND status IN ('queued', 'sending')");
	until = h_now_ms() + STALL_MS;
	left = queued;
	while (left > 0 && h_now_ms() < until && h_now_ms() < drain_start + DRAIN_MAX_MS) {
		long long now_left;

		h_sleep_ms(100);
		now_left = fl_q(g_w->db, "SELECT count(*) FROM messages WHERE direction = 'out'"
		    " AND status IN ('queued', 'sending')");
		if (now_left < left)
			until = h_now_ms() + STALL_MS;
		left = now_left;
	}
	drain_ms = h_now_ms() - drain_start;
	assert_int_equal(h_gateway_stop(g_w), 0);
	drain_rate = drain_ms > 0 ? (double)(queued - left) * 1000.0 / (double)drain_ms : 0;
	printf("kill: %d kills (%d while serving, %d while starting up, within %d ms of exec),"
	    " %d clients, %.1f s of load\n", KILLS, KILLS - early, early, EARLY_MAX_MS, CLIENTS,
	    (double)(kills[KILLS - 1].killed - kills[0].started) / 1000.0);

	/* Inbound: each request by its id and by its text (which carries the id). */
	nby_id = fl_qpairs(g_w->db, &by_id, "SELECT provider_id, count(*) FROM messages"
	    " WHERE direction = 'in' AND provider = 'http' GROUP BY provider_id ORDER BY 1");
	nby_text = fl_qpairs(g_w->db, &by_text, "SELECT body, count(*) FROM messages"
	    " WHERE direction = 'in' GROUP BY body ORDER BY 1");
	nasked = fl_qpairs(g_w->db, &asked, "SELECT question, count(*) FROM consultations"
	    " GROUP BY question ORDER BY 1");
	for (i = 0; i < CLIENTS; i++) {
		posts += g_cl[i].posts;
		ok += g_cl[i].ok;
		no_answer += g_cl[i].no_answer;
		unavailable += g_cl[i].unavailable;
		other += g_cl[i].other;
		resent += g_cl[i].resent;
		for (j = 0; j < g_cl[i].n; j++) {
			struct req *r = &g_cl[i].reqs[j];
			char text[128];
			long long n_id, n_text, n_asked;

			snprintf(text, sizeof(text), QUESTION " %s", r->id);
			n_id = fl_pair_count(by_id, nby_id, r->id);
			n_text = fl_pair_count(by_text, nby_text, text);
			n_asked = fl_pair_count(asked, nasked, text);
			if (r->ok) {
				acked++;
				if (n_id != 1 || n_text != 1 || n_asked != 1) {
					if (acked_bad < 5)
						printf("  acknowledged %s: %lld rows by id, %lld by"
						    " text, %lld consultations\n", r->id, n_id,
						    n_text, n_asked);
					acked_bad++;
				}
			} else if (r->attempts > 0) {
				unacked++;
				unacked_stored += n_id == 1;
				if (n_id > 1 || n_text > 1 || n_asked > 1 || n_id != n_text) {
					if (unacked_bad < 5)
						printf("  unanswered %s: %lld rows by id, %lld by"
						    " text\n", r->id, n_id, n_text);
					unacked_bad++;
				}
			}
		}
	}
	printf("kill: %d requests: %d answered 200, %d got no answer (cut off by a kill or nobody"
	    " listening), %d answered 503, %d other; %d sent again with the same id\n", posts, ok,
	    no_answer, unavailable, other, resent);
	printf("kill: %d acknowledged messages, %d not stored exactly once; %d never acknowledged,"
	    " %d of them stored (once), %d stored more than once\n", acked, acked_bad, unacked,
	    unacked_stored, unacked_bad);

	/* Outbound: every row accepted by the provider; duplicates only for what a kill cut. */
	nout = fl_qlist(g_w->db, &out_ids, "SELECT id FROM messages WHERE direction = 'out'"
	    " ORDER BY id");
	nhits = fp_snapshot(&g_fp, &hits);
	qsort(hits, (size_t)nhits, sizeof(*hits), cmp_hit);
	for (i = 0, j = 0; i < nout; i++) {
		int accepted = 0;

		while (j < nhits && hits[j].id < out_ids[i])
			j++;
		for (k = j; k < nhits && hits[k].id == out_ids[i]; k++)
			accepted += hits[k].status == 200;
		if (accepted == 0) {
			if (never < 5)
				printf("  outbound message %lld never reached the provider\n",
				    out_ids[i]);
			never++;
		}
	}
	for (i = 0; i < nhits; i = j) {
		int n = 0;

		for (j = i; j < nhits && hits[j].id == hits[i].id; j++)
			n += hits[j].status == 200;
		if (bsearch(&hits[i].id, out_ids, (size_t)nout, sizeof(*out_ids), cmp_id) == NULL)
			ghosts++;
		if (n > 1) {
			int prev = -2, bad = 0, last = -1;

			/* The run of each delivery comes from the URL the gateway posted to (its
			 * configuration names its run), not from the clock. Every delivery but the
			 * last was cut off by a kill: the message was 'sending' when that run was
			 * killed; and no run delivered it twice. */
			dups++;
			dup_extra += n - 1;
			if (n > dup_most)
				dup_most = n;
			for (k = i; k < j; k++) {
				if (hits[k].status != 200)
					continue;
				if (hits[k].run == prev)
					bad = 1;
				prev = hits[k].run;
				last = k;
			}
			for (k = i; k < j; k++) {
				const struct kill_rec *kr;

				if (hits[k].status != 200 || k == last)
					continue;
				if (hits[k].run < 0 || hits[k].run >= KILLS) {
					bad = 1;
					continue;
				}
				kr = &kills[hits[k].run];
				if (!was_sending(kr, hits[k].id))
					bad = 1;
				else if (kr->killed - hits[k].at > dup_max_gap)
					dup_max_gap = kr->killed - hits[k].at;
			}
			if (bad) {
				if (dup_bad < 5) {
					printf("  message %lld reached the provider %d times,"
					    " not each time cut off by a kill:\n", hits[i].id, n);
					for (k = i; k < j; k++)
						printf("    answered %d, %s\n", hits[k].status,
						    when(kills, KILLS, &hits[k]));
				}
				dup_bad++;
			}
		}
	}
	printf("kill: %d outbound SMS queued, %d never accepted by the provider; %lld waiting at"
	    " the last start, %lld of them still after %.1f s (%.0f SMS/s); %d provider"
	    " requests\n", nout, never, queued, left, (double)drain_ms / 1000.0, drain_rate,
	    nhits);
	printf("kill: %d messages delivered twice or more (%d extra deliveries, at most %d of one),"
	    " %d of them not each time in flight at a kill; a delivery cut off at most %lld ms"
	    " before its kill\n", dups, dup_extra, dup_most, dup_bad, (long long)dup_max_gap);

	/* Each question's transaction came whole: its acknowledgement and its notice with it. */
	half = fl_q(g_w->db, "SELECT count(*) FROM consultations c WHERE (SELECT count(*) FROM"
	    " messages m WHERE m.consultation_id = c.id AND m.direction = 'out' AND m.kind = 'ack')"
	    " <> 1 OR (SELECT count(*) FROM messages m WHERE m.consultation_id = c.id AND"
	    " m.direction = 'out' AND m.kind = 'notify') <> 1 OR (SELECT count(*) FROM messages m"
	    " WHERE m.consultation_id = c.id AND m.direction = 'in') <> 1");
	printf("kill: %lld consultations, %lld without exactly one question in, one"
	    " acknowledgement and one notice out\n", fl_q(g_w->db, "SELECT count(*) FROM"
	    " consultations"), half);
	integrity = fl_qs(g_w->db, "PRAGMA integrity_check");
	printf("kill: integrity_check: %s; %.1f s in all\n", integrity ? integrity : "(none)",
	    (double)(h_now_ms() - t0) / 1000.0);
	{
		char *log = h_gateway_log(g_w);

		assert_int_equal(fl_grep_numbers(log, "kill"), 0);
		free(log);
	}

	assert_true(ok > 0);
	assert_int_equal(acked_bad, 0);
	assert_int_equal(unacked_bad, 0);
	assert_int_equal(other, 0);
	assert_int_equal(left, 0);
	assert_int_equal(never, 0);
	assert_int_equal(ghosts, 0);
	assert_int_equal(half, 0);
	assert_int_equal(dup_bad, 0);
	assert_int_equal(fl_q(g_w->db, "SELECT count(*) FROM messages WHERE direction = 'out'"
	    " AND status <> 'sent'"), 0);
	assert_non_null(integrity);
	assert_string_equal(integrity, "ok");

	free(integrity);
	fl_pairs_free(by_id, nby_id);
	fl_pairs_free(by_text, nby_text);
	fl_pairs_free(asked, nasked);
	free(hits);
	free(out_ids);
	for (k = 0; k < KILLS; k++)
		free(kills[k].sending);
}

static int
setup(void **state)
{
	(void)state;
	/* Accepted on arrival, answered a little later: a kill may fall in between. */
	g_w = fl_start("kill", &g_fp, 5, &http_port, CONF, 280);
	if (g_w == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	load_stop = 1;
	for (i = 0; clients_running && i < CLIENTS; i++)
		pthread_join(g_cl[i].thread, NULL);
	for (i = 0; i < CLIENTS; i++)
		free(g_cl[i].reqs);
	fl_world_free(g_w);
	fp_free(&g_fp);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_kill_nine_under_load_loses_nothing_acknowledged, setup, teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("faults: kill -9", tests, NULL, NULL);
}
