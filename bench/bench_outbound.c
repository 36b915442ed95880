/*
 * Outbound: farmline's sender against a fake provider on loopback (a libmicrohttpd server that
 * answers 200 {"id":…} at once and counts requests and TCP connections).
 *
 *   1. uncapped: BENCH_OUTBOX (100,000) farmers are put in the database, `farmline broadcast`
 *      queues one SMS to each, `farmline serve` starts, and the time from the first request
 *      the provider gets to the last gives SMS/s; requests per connection show the reuse.
 *   2. capped: the same with [provider] rate = BENCH_RATE_CAP (500); the rate the provider
 *      saw over BENCH_CAP_SECONDS (20) after the first 2 s, and its worst 1 s windows.
 *
 *   build/bench/bench_outbound    (FARMLINE_BIN, BENCH_KEEP=1)
 */
#include "bench/bench.h"

#include <math.h>
#include <sqlite3.h>

#define BROADCAST_TEXT "明天上午九点在镇农技站举办蔬菜病虫害防治培训，请带上病叶样本，欢迎参加"

static void
sql_or_die(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		bench_die("sqlite: %s: %s", sql, err ? err : "?");
}

/* n farmers, as if each had texted once. */
static void
add_farmers(const char *dbpath, int n)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	char phone[32];
	int i;

	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		bench_die("%s: %s", dbpath, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	sql_or_die(db, "BEGIN");
	if (sqlite3_prepare_v2(db, "INSERT INTO farmers (phone, created_at) VALUES (?1, ?2)", -1,
	    &st, NULL) != SQLITE_OK)
		bench_die("sqlite: %s", sqlite3_errmsg(db));
	for (i = 0; i < n; i++) {
		snprintf(phone, sizeof(phone), "+86137%08d", 10000000 + i);
		sqlite3_bind_text(st, 1, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL) * 1000);
		if (sqlite3_step(st) != SQLITE_DONE)
			bench_die("sqlite: %s", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sql_or_die(db, "COMMIT");
	sqlite3_close(db);
}

static int64_t
db_count(const char *dbpath, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(h, 5000) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* A fresh database with n farmers and a broadcast to all of them queued; the config path. */
static void
prepare(const char *dir, const char *name, int port, int pport, int rate, int n, char *conf,
    size_t conflen, char *dbpath, size_t dblen, char *log, size_t loglen)
{
	char sub[480], provider[256];

	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	if (mkdir(sub, 0700) != 0)
		bench_die("%s: %s", sub, strerror(errno));
	snprintf(conf, conflen, "%s/farmline.conf", sub);
	snprintf(dbpath, dblen, "%s/farmline.db", sub);
	snprintf(log, loglen, "%s/farmline.log", sub);
	snprintf(provider, sizeof(provider), "type = http\nurl = http://127.0.0.1:%d/send\n"
	    "parallel = %d\nrate = %d", pport, (int)bench_env("BENCH_PARALLEL", 16), rate);
	bench_farmline_conf(conf, sub, port, provider, NULL);
	{
		/* any command opens the database and applies the migrations */
		char *argv[] = { (char *)bench_farmline_bin(), "-c", conf, "expert", "list", NULL };

		if (bench_run(argv, log) != 0)
			bench_die("farmline expert list failed (log: %s)", log);
	}
	add_farmers(dbpath, n);
	{
		char *argv[] = { (char *)bench_farmline_bin(), "-c", conf, "broadcast", "--text",
		    BROADCAST_TEXT, NULL };
		double t0 = bench_now();

		if (bench_run(argv, log) != 0)
			bench_die("farmline broadcast failed (log: %s)", log);
		printf("  %s: %d farmers, `farmline broadcast` queued %lld SMS in %.1f s\n", name, n,
		    (long long)db_count(dbpath, "SELECT count(*) FROM messages WHERE direction = "
		    "'out' AND status = 'queued'"), bench_now() - t0);
	}
}

int
main(void)
{
	const char *dir = bench_start("outbound", 900);
	int n = (int)bench_env("BENCH_OUTBOX", 100000), cap = (int)bench_env("BENCH_RATE_CAP", 500);
	double cap_s = bench_env("BENCH_CAP_SECONDS", 20), t0, secs, rate, cap_rate;
	int pport = bench_free_port(), fport = bench_free_port(), rc, i;
	char conf[600], dbpath[600], log[600];
	struct bench_counters *pc = bench_counters_new();
	int64_t got, sent, lo = INT64_MAX, hi = 0, b0, b1, in_window, conns;
	double cpu0, cpu1;
	pid_t fl;

	printf("outbound: %ld cores on this machine; farmline's sender (%s) against a fake provider "
	    "on loopback that answers 200 at once\n", bench_cores(), bench_farmline_bin());
	bench_print_load("at the start");
	bench_server_fork(pport, 1, "{\"id\":\"fake\"}", pc);

	/* ---- 1: as fast as it goes */
	prepare(dir, "uncapped", fport, pport, 0, n, conf, sizeof(conf), dbpath, sizeof(dbpath),
	    log, sizeof(log));
	bench_counters_reset(pc);
	fl = bench_farmline_serve(conf, log, fport);
	cpu0 = bench_cpu_s(fl);
	t0 = bench_now();
	while ((got = __atomic_load_n(&pc->requests, __ATOMIC_RELAXED)) < n &&
	    bench_now() - t0 < 60 + n / 500.0)
		bench_sleep_ms(50);
	cpu1 = bench_cpu_s(fl);
	secs = (double)(pc->last_ns - pc->first_ns) / 1e9;
	rate = got > 1 && secs > 0 ? (double)(got - 1) / secs : 0;
	bench_sleep_ms(500);	/* the last outcomes recorded */
	rc = bench_stop(fl, 30000);
	conns = pc->connections;
	sent = db_count(dbpath, "SELECT count(*) FROM messages WHERE direction = 'out' AND "
	    "status = 'sent'");
	printf("  uncapped: the provider accepted %lld SMS in %.2f s: %.0f SMS/s, over %lld TCP "
	    "connections (%.0f requests a connection; [provider] parallel = %d)\n", (long long)got,
	    secs, rate, (long long)pc->connections,
	    (double)got / (double)(pc->connections ? pc->connections : 1),
	    (int)bench_env("BENCH_PARALLEL", 16));
	printf("  uncapped: %lld rows marked sent in the database; farmline used %.1f CPU seconds "
	    "(%.0f us a message); exited %d on SIGTERM\n", (long long)sent, cpu1 - cpu0,
	    (cpu1 - cpu0) * 1e6 / (double)(got ? got : 1), rc);

	/* ---- 2: with a cap */
	prepare(dir, "capped", fport, pport, cap, (int)(cap * (cap_s + 10)), conf, sizeof(conf),
	    dbpath, sizeof(dbpath), log, sizeof(log));
	bench_counters_reset(pc);
	fl = bench_farmline_serve(conf, log, fport);
	t0 = bench_now();
	while (pc->first_ns == 0 && bench_now() - t0 < 30)
		bench_sleep_ms(20);
	/* the window: whole 100 ms buckets from 2 s after the first request */
	b0 = (pc->first_ns - pc->t0) / BENCH_BUCKET_NS + 20;
	b1 = b0 + (int64_t)(cap_s * 10);
	while ((bench_ns() - pc->t0) / BENCH_BUCKET_NS <= b1 + 1 && bench_now() - t0 < cap_s + 40)
		bench_sleep_ms(100);
	rc = bench_stop(fl, 30000);
	in_window = 0;
	for (i = (int)b0; i < (int)b1 && i < BENCH_BUCKETS; i++)
		in_window += pc->buckets[i];
	for (i = (int)b0; i + 10 <= (int)b1 && i + 10 < BENCH_BUCKETS; i++) {
		int64_t sec = 0;
		int k;

		for (k = 0; k < 10; k++)
			sec += pc->buckets[i + k];
		lo = sec < lo ? sec : lo;
		hi = sec > hi ? sec : hi;
	}
	cap_rate = (double)in_window / cap_s;
	printf("  capped at %d/s: %lld SMS in the %.0f s after the first 2: %.1f SMS/s (%+.2f%%); "
	    "every 1 s window within it held %lld to %lld; %lld connections; exited %d\n", cap,
	    (long long)in_window, cap_s, cap_rate, 100.0 * (cap_rate - cap) / cap, (long long)lo,
	    (long long)hi, (long long)pc->connections, rc);
	bench_print_load("at the end");

	bench_figure("outbound.uncapped", rate, "SMS/s", ">=", 5000);
	bench_figure("outbound.connections", (double)conns, "conns", "-", 0);
	bench_figure("outbound.requests_per_connection", (double)got / (double)(conns ? conns : 1),
	    "req/conn", "-", 0);
	bench_figure("outbound.cap_error", 100.0 * fabs(cap_rate - cap) / cap, "%", "<=", 5);
	return 0;
}
