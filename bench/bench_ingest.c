/*
 * Ingest: the real binary (build/farmline serve) under the realistic mix of bench/mix.h — 80%
 * farmer questions from 10,000 numbers, 15% expert answers to open tickets, 5% ratings — each
 * answered 200 only once processed and committed (synchronous=FULL, group commit). Outbound
 * SMS go to a fake provider on loopback that answers 200 at once, so the outbox drains.
 *
 * The same load also runs against a bare libmicrohttpd handler (same daemon flags and thread
 * pool as farmline, 200 at once), and farmline's throughput is printed as a share of it.
 *
 *   latency     open loop: requests due at a fixed rate (BENCH_RATE, 2,000/s) whatever the
 *               answers do, each timed from when it was due; p50/p99/p99.9/max
 *   throughput  closed loop: BENCH_CONNS (64) keep-alive connections, each sending its next
 *               request when its last is answered, for BENCH_SECONDS (15) after 2 s not counted
 *
 *   build/bench/bench_ingest      (from the top of the tree; FARMLINE_BIN, BENCH_KEEP=1)
 */
#include "bench/bench.h"
#include "bench/mix.h"

#include <sqlite3.h>

static const char *const corpora[] = { "tests/corpus/questions-dev.tsv",
    "tests/corpus/questions-heldout.tsv", NULL };

static int64_t
db_count(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(h, 5000) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void
print_latency(const char *who, const struct lg_result *r, double rate)
{
	printf("  %-9s offered %.0f/s, %.0f s counted: %lld requests timed; in all %lld answered "
	    "200, %lld other, %lld failed, %lld unanswered; %d connections\n", who, rate,
	    r->window_s, (long long)r->nlat, (long long)r->ok, (long long)r->non200,
	    (long long)r->errors, (long long)r->late, r->conns_used);
	printf("  %-9s latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", who,
	    lg_percentile(r, 50), lg_percentile(r, 90), lg_percentile(r, 99),
	    lg_percentile(r, 99.9), lg_percentile(r, 100));
}

static void
print_throughput(const char *who, const struct lg_result *r, int conns)
{
	printf("  %-9s %d connections, %.1f s counted: %.0f messages/s  (latency ms p50 %.2f "
	    "p99 %.2f; %lld non-200, %lld failed)\n", who, conns, r->window_s, r->throughput,
	    lg_percentile(r, 50), lg_percentile(r, 99), (long long)r->non200,
	    (long long)r->errors);
}

int
main(void)
{
	const char *dir = bench_start("ingest", 900);
	double rate = bench_env("BENCH_RATE", 2000), lat_s = bench_env("BENCH_LATENCY_SECONDS", 20);
	double tput_s = bench_env("BENCH_SECONDS", 15);
	int conns = (int)bench_env("BENCH_CONNS", 64), nfarmers = 10000;
	int fport = bench_free_port(), bport = bench_free_port(), pport = bench_free_port();
	char conf[600], db[600], log[600], csv[600], provider[256], sql_out[256];
	struct bench_counters *pc = bench_counters_new();
	struct lg_result bare_lat, bare_tput, fl_lat, fl_tput;
	struct lg_opts o;
	struct mix m, mb;
	double t0, cpu0, cpu1, drain_s = -1;
	int64_t in_rows, left, fl_ok_before, wchar0, wchar1, disk0, disk1;
	pid_t fl, bare, prov, perf;
	int rc;

	printf("ingest: %ld cores on this machine; farmline %s, load generator, fake provider and "
	    "bare handler all on this machine over loopback\n", bench_cores(), bench_farmline_bin());
	bench_print_load("at the start");
	prov = bench_server_fork(pport, 1, "{\"id\":\"fake\"}", pc);
	bare = bench_server_fork(bport, (unsigned)bench_env("BENCH_HTTP_THREADS", 2),
	    "{\"ok\":true,\"message_id\":1,\"ticket\":1,\"action\":\"question\"}", NULL);
	(void)prov;
	(void)bare;

	mix_init(&m, "config/categories.conf", corpora, nfarmers, 1);
	mix_init(&mb, "config/categories.conf", corpora, nfarmers, 1);
	mb.bare = 1;
	printf("ingest: %d questions from the corpora, %d farmer numbers, %d experts (one a "
	    "category) and 1 triage staff member\n", m.nq, nfarmers, m.nexperts - 1);

	snprintf(conf, sizeof(conf), "%s/farmline.conf", dir);
	snprintf(db, sizeof(db), "%s/farmline.db", dir);
	snprintf(log, sizeof(log), "%s/farmline.log", dir);
	snprintf(csv, sizeof(csv), "%s/experts.csv", dir);
	snprintf(provider, sizeof(provider), "type = http\nurl = http://127.0.0.1:%d/send\n"
	    "parallel = 16\n%s", pport, bench_env_str("BENCH_PROVIDER_EXTRA", ""));
	bench_farmline_conf(conf, dir, fport, provider, NULL);
	if (mix_write_experts(&m, csv) != 0)
		bench_die("%s: %s", csv, strerror(errno));
	{
		char *argv[] = { (char *)bench_farmline_bin(), "-c", conf, "expert", "import", csv,
		    NULL };

		if (bench_run(argv, log) != 0)
			bench_die("farmline expert import failed (log: %s)", log);
	}
	fl = bench_farmline_serve(conf, log, fport);

	/* ---- latency, open loop */
	printf("latency: open loop, %.0f requests/s due whatever the answers (timed from when each "
	    "was due; 3 s not counted first)\n", rate);
	memset(&o, 0, sizeof(o));
	o.open_loop = 1;
	o.rate = rate;
	o.conns = 512;
	o.warmup_s = 3;
	o.duration_s = lat_s;
	o.build = mix_build;
	o.done = mix_done;

	o.port = bport;
	o.arg = &mb;
	lg_run(&o, &bare_lat);
	print_latency("bare", &bare_lat, rate);

	o.port = fport;
	o.arg = &m;
	perf = bench_perf_start(fl, "ingest-latency", o.warmup_s, o.duration_s);
	lg_run(&o, &fl_lat);
	bench_perf_stop(perf);
	print_latency("farmline", &fl_lat, rate);
	mix_report(&m, "  ");

	/* the outbox drains before the throughput run starts */
	t0 = bench_now();
	snprintf(sql_out, sizeof(sql_out), "SELECT count(*) FROM messages WHERE direction = 'out' "
	    "AND status IN ('queued', 'sending')");
	while ((left = db_count(db, sql_out)) > 0 &&
	    bench_now() - t0 < bench_env("BENCH_DRAIN_SECONDS", 120))
		bench_sleep_ms(200);
	if (left == 0)
		drain_s = bench_now() - t0;
	printf("  outbox after the latency run: %s %.1f s after it ended; the fake provider has "
	    "accepted %lld SMS over %lld connections\n", left == 0 ? "empty" : "NOT empty",
	    bench_now() - t0, (long long)pc->requests, (long long)pc->connections);

	/* ---- throughput, closed loop */
	printf("throughput: closed loop, %d keep-alive connections each sending its next request "
	    "when the last is answered (2 s not counted first)\n", conns);
	memset(&o, 0, sizeof(o));
	o.conns = conns;
	o.warmup_s = 2;
	o.duration_s = tput_s;
	o.build = mix_build;
	o.done = mix_done;

	o.port = bport;
	o.arg = &mb;
	lg_run(&o, &bare_tput);
	print_throughput("bare", &bare_tput, conns);

	o.port = fport;
	o.arg = &m;
	fl_ok_before = m.status_200;
	cpu0 = bench_cpu_s(fl);
	bench_io(fl, &wchar0, &disk0);
	perf = bench_perf_start(fl, "ingest", o.warmup_s, o.duration_s);
	lg_run(&o, &fl_tput);
	bench_perf_stop(perf);
	cpu1 = bench_cpu_s(fl);
	bench_io(fl, &wchar1, &disk1);
	print_throughput("farmline", &fl_tput, conns);
	printf("  farmline used %.2f CPU seconds for %lld answered requests: %.0f us of CPU a "
	    "message (both cores: %.0f%%)\n", cpu1 - cpu0,
	    (long long)(m.status_200 - fl_ok_before),
	    (cpu1 - cpu0) * 1e6 / (double)(m.status_200 - fl_ok_before + 1),
	    100.0 * (cpu1 - cpu0) / (tput_s + 2) / (double)bench_cores());
	printf("  farmline wrote %.1f kB a message through write calls (WAL, sub-journals, "
	    "checkpoints, log) and %.1f kB a message reached the disk\n",
	    (double)(wchar1 - wchar0) / 1024.0 / (double)(m.status_200 - fl_ok_before + 1),
	    (double)(disk1 - disk0) / 1024.0 / (double)(m.status_200 - fl_ok_before + 1));
	printf("  farmline's share of the bare handler: %.1f%%\n",
	    100.0 * fl_tput.throughput / (bare_tput.throughput > 0 ? bare_tput.throughput : 1));
	left = db_count(db, sql_out);
	printf("  outbox right after the throughput run: %lld SMS waiting (the fake provider has "
	    "accepted %lld in all)\n", (long long)left, (long long)pc->requests);
	mix_report(&m, "  ");

	/* ---- nothing acknowledged is missing */
	rc = bench_stop(fl, 30000);
	in_rows = db_count(db, "SELECT count(*) FROM messages WHERE direction = 'in'");
	printf("check: %lld requests answered 200 by farmline, %lld inbound rows in its database%s;"
	    " farmline exited %d on SIGTERM\n", (long long)m.status_200, (long long)in_rows,
	    in_rows == m.status_200 ? " (equal)" : " (DIFFERENT)", rc);

	bench_print_load("at the end");
	bench_figure("ingest.throughput", fl_tput.throughput, "msg/s", ">=", 10000);
	bench_figure("ingest.bare_throughput", bare_tput.throughput, "msg/s", "-", 0);
	bench_figure("ingest.share_of_bare", 100.0 * fl_tput.throughput /
	    (bare_tput.throughput > 0 ? bare_tput.throughput : 1), "%", "-", 0);
	bench_figure("ingest.p99_at_2000", lg_percentile(&fl_lat, 99), "ms", "<", 20);
	bench_figure("ingest.p50_at_2000", lg_percentile(&fl_lat, 50), "ms", "-", 0);
	bench_figure("ingest.bare_p99_at_2000", lg_percentile(&bare_lat, 99), "ms", "-", 0);
	if (drain_s >= 0)
		bench_figure("ingest.outbox_drain_after_latency_run", drain_s, "s", "-", 0);
	free(bare_lat.lat_us);
	free(bare_tput.lat_us);
	free(fl_lat.lat_us);
	free(fl_tput.lat_us);
	return in_rows == m.status_200 ? 0 : 1;
}
