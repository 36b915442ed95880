/*
 * The writer alone: the ceiling that the one writer thread puts on ingest. The ingest mix
 * (bench/mix.h) goes straight to consult_handle, in groups of BENCH_WRITER_BATCH (64, what 64
 * connections give the gateway) inside one transaction with a savepoint per message, as
 * gateway/ingest.c does it, on a database with synchronous=FULL — no HTTP, no sender. Then the
 * same again with SQLite's statement profile on, to show where the time goes, statement by
 * statement (SQLite's profile clock ticks in milliseconds: one call's time is coarse, the
 * average over thousands of calls is sound).
 *
 *   build/bench/bench_writer      (BENCH_WRITER_MESSAGES=100000, BENCH_KEEP=1)
 */
#include "bench/bench.h"
#include "bench/mix.h"

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "consult/consult.h"
#include "common/phone.h"
#include "store/store_int.h"

static const char *const corpora[] = { "tests/corpus/questions-dev.tsv",
    "tests/corpus/questions-heldout.tsv", NULL };

#define MAX_SQL 256

struct sql_cost {
	const char *sql;	/* sqlite3_sql of a prepared statement: lives as long as it does */
	int64_t ns, calls;
};

static struct sql_cost costs[MAX_SQL];
static int ncosts;

static int
on_profile(unsigned type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql((sqlite3_stmt *)p);
	int64_t ns = *(int64_t *)x;
	int i;

	(void)type;
	(void)ctx;
	for (i = 0; i < ncosts; i++) {
		if (costs[i].sql == sql || strcmp(costs[i].sql, sql) == 0)
			break;
	}
	if (i == ncosts) {
		if (ncosts == MAX_SQL)
			return 0;
		costs[ncosts++].sql = sql;
	}
	costs[i].ns += ns;
	costs[i].calls++;
	return 0;
}

static int
by_time(const void *a, const void *b)
{
	const struct sql_cost *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

/* n messages in groups of batch; messages/s. */
static double
run(struct mix *m, struct store *s, struct consult *c, int64_t n, int batch, int64_t *commits)
{
	struct consult_result res;
	struct lg_slot slot;
	char from[32], ansbuf[512];
	const char *text;
	double t0 = bench_now();
	static int64_t id;
	int64_t done = 0;
	int i;

	while (done < n) {
		int64_t now;

		if (store_begin(s) != STORE_OK)
			bench_die("BEGIN: %s", store_errmsg(s));
		now = clock_now_ms();
		for (i = 0; i < batch && done < n; i++, done++) {
			char pid[32];
			struct sms_in in;

			mix_pick(m, &slot, from, sizeof(from), &text, ansbuf, sizeof(ansbuf));
			snprintf(pid, sizeof(pid), "w%lld", (long long)++id);
			memset(&in, 0, sizeof(in));
			in.provider = "http";
			in.provider_id = pid;
			in.from = from;
			in.to = "10690000";
			in.text = text;
			if (store_savepoint(s) != STORE_OK ||
			    consult_handle(c, &in, now, &res) != STORE_OK ||
			    store_release(s) != STORE_OK)
				bench_die("message not stored: %s", store_errmsg(s));
			mix_result(m, &slot, res.action, strlen(res.action), res.ticket);
		}
		if (store_commit(s) != STORE_OK)
			bench_die("COMMIT: %s", store_errmsg(s));
		consult_take_queued(c);
		(*commits)++;
	}
	return (double)n / (bench_now() - t0);
}

int
main(void)
{
	const char *dir = bench_start("writer", 900);
	int64_t n = (int64_t)bench_env("BENCH_WRITER_MESSAGES", 100000), commits = 0, total_ns = 0;
	int batch = (int)bench_env("BENCH_WRITER_BATCH", 64), i;
	char conf[600], csv[600], log[600], err[512];
	struct route_rules *rules;
	struct route_norm *norm;
	struct consult_opts co;
	struct config cfg;
	struct consult *c;
	struct store *s;
	struct mix m;
	double rate, traced, cpu0, cpu1, t0;
	int64_t wchar0, wchar1, disk0, disk1;

	printf("writer: %ld cores on this machine; the ingest mix straight into consult_handle, "
	    "%d messages a transaction, a savepoint each, synchronous=FULL, one thread\n",
	    bench_cores(), batch);
	snprintf(conf, sizeof(conf), "%s/farmline.conf", dir);
	snprintf(csv, sizeof(csv), "%s/experts.csv", dir);
	snprintf(log, sizeof(log), "%s/farmline.log", dir);
	bench_farmline_conf(conf, dir, 0, "type = console", NULL);
	mix_init(&m, "config/categories.conf", corpora, 10000, 3);
	if (mix_write_experts(&m, csv) != 0)
		bench_die("%s: %s", csv, strerror(errno));
	{
		char *argv[] = { (char *)bench_farmline_bin(), "-c", conf, "expert", "import", csv,
		    NULL };

		if (bench_run(argv, log) != 0)
			bench_die("farmline expert import failed (log: %s)", log);
	}

	config_defaults(&cfg);
	if (config_load(&cfg, conf, err, sizeof(err)) != 0)
		bench_die("%s", err);
	log_init("bench", LOG_LEVEL_WARN);
	setenv("TZ", cfg.timezone, 1);
	tzset();
	phone_set_country(cfg.country_code);
	if (store_open(cfg.db_path, cfg.busy_timeout_ms, &s, err, sizeof(err)) != 0 ||
	    route_rules_load(cfg.rules_path, &rules, err, sizeof(err)) != 0 ||
	    route_norm_open(&norm, err, sizeof(err)) != 0 ||
	    consult_opts_from_config(&cfg, &co, err, sizeof(err)) != 0)
		bench_die("%s", err);
	store_set_cache(s, cfg.cache_mb);
	c = consult_new(s, rules, norm, &co);

	cpu0 = bench_cpu_s(getpid());
	bench_io(getpid(), &wchar0, &disk0);
	t0 = bench_now();
	rate = run(&m, s, c, n, batch, &commits);
	cpu1 = bench_cpu_s(getpid());
	bench_io(getpid(), &wchar1, &disk1);
	printf("  %lld messages in %.1f s: %.0f messages/s (%.0f us a message, %.0f us of it CPU); "
	    "%lld commits\n", (long long)n, bench_now() - t0, rate, 1e6 / rate,
	    (cpu1 - cpu0) * 1e6 / (double)n, (long long)commits);
	printf("  written through write calls: %.1f kB a message; reached the disk: %.1f kB a "
	    "message\n", (double)(wchar1 - wchar0) / 1024.0 / (double)n,
	    (double)(disk1 - disk0) / 1024.0 / (double)n);
	for (i = 0; i < MIX_KINDS; i++) {
		int k;

		printf("    farmline's action for %-8s:", mix_kind_names[i]);
		for (k = 0; k < m.nactions; k++) {
			if (m.action_count[i][k])
				printf(" %s %lld", m.action_name[k], (long long)m.action_count[i][k]);
		}
		printf("\n");
	}

	/* again, with the statement profile */
	sqlite3_trace_v2(s->db, SQLITE_TRACE_PROFILE, on_profile, NULL);
	traced = run(&m, s, c, n / 5, batch, &commits);
	sqlite3_trace_v2(s->db, 0, NULL, NULL);
	qsort(costs, (size_t)ncosts, sizeof(costs[0]), by_time);
	for (i = 0; i < ncosts; i++)
		total_ns += costs[i].ns;
	printf("  where the time goes (%lld more messages with SQLite's statement profile on: "
	    "%.0f/s; %.0f us a message inside SQLite of %.0f in all):\n", (long long)(n / 5), traced,
	    (double)total_ns / 1000.0 / (double)(n / 5), 1e6 / traced);
	printf("  %8s %9s %9s %6s  statement\n", "us/msg", "calls/msg", "us/call", "share");
	for (i = 0; i < ncosts && i < 25; i++) {
		char one[111];
		const char *p;
		size_t k = 0;

		for (p = costs[i].sql; *p && k < sizeof(one) - 1; p++) {
			if (*p == ' ' && k > 0 && one[k - 1] == ' ')
				continue;
			one[k++] = *p;
		}
		one[k] = '\0';
		printf("  %8.1f %9.2f %9.1f %5.1f%%  %s\n",
		    (double)costs[i].ns / 1000.0 / (double)(n / 5),
		    (double)costs[i].calls / (double)(n / 5),
		    (double)costs[i].ns / 1000.0 / (double)costs[i].calls,
		    100.0 * (double)costs[i].ns / (double)total_ns, one);
	}
	consult_free(c);
	store_close(s);
	route_norm_close(norm);
	route_rules_free(rules);
	config_free(&cfg);
	bench_figure("writer.ceiling", rate, "msg/s", "-", 0);
	bench_figure("writer.us_per_message", 1e6 / rate, "us", "-", 0);
	return 0;
}
