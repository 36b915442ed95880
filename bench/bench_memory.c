/*
 * Memory: farmline's resident memory (VmRSS, /proc/<pid>/status) while 1,000,000 messages of
 * the ingest mix (bench/mix.h) go through it, closed loop over BENCH_CONNS (64) connections,
 * outbound SMS drained by a fake provider on loopback. Prints RSS after 0, 250k, 500k, 750k and
 * 1M messages, and the growth over the second half-million against the first.
 *
 *   build/bench/bench_memory      (BENCH_MESSAGES=1000000, FARMLINE_BIN, BENCH_KEEP=1)
 */
#include "bench/bench.h"
#include "bench/mix.h"

static const char *const corpora[] = { "tests/corpus/questions-dev.tsv",
    "tests/corpus/questions-heldout.tsv", NULL };

#define MARKS 5

struct watch {
	struct mix *m;
	pid_t pid;
	int64_t total, step;
	int64_t done;
	int next;
	long rss[MARKS];
	double at[MARKS];
	int64_t queued_in_db[MARKS];
	char wal[620];
};

/*
 * What the resident memory is made of: anonymous (heap, stacks), file pages (the binary and
 * its libraries) and shared memory (SQLite's WAL index, the -shm file, mapped by every
 * connection), and how large the WAL file is then.
 */
static void
print_mark(const struct watch *w, int64_t done, long rss, const char *rest)
{
	struct stat sb;

	printf("  %8lld messages: VmRSS %6.1f MB (anon %.1f, file %.1f, shmem %.1f; WAL %.1f MB)"
	    "  %s\n", (long long)done, (double)rss / 1024.0,
	    (double)bench_status_kb(w->pid, "RssAnon:") / 1024.0,
	    (double)bench_status_kb(w->pid, "RssFile:") / 1024.0,
	    (double)bench_status_kb(w->pid, "RssShmem:") / 1024.0,
	    stat(w->wal, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0.0, rest);
}

static void
watch_build(void *arg, struct lg_slot *s)
{
	struct watch *w = arg;

	mix_build(w->m, s);
}

static void
watch_done(void *arg, const struct lg_slot *s, int status, const char *body, size_t len)
{
	struct watch *w = arg;

	mix_done(w->m, s, status, body, len);
	w->done++;
	if (w->next < MARKS && w->done == w->step * w->next) {
		char rest[80];

		w->rss[w->next] = bench_rss_kb(w->pid);
		w->at[w->next] = bench_now();
		snprintf(rest, sizeof(rest), "(%.0f messages/s since the last mark)",
		    (double)w->step / (w->at[w->next] - w->at[w->next - 1]));
		print_mark(w, w->done, w->rss[w->next], rest);
		w->next++;
	}
}

int
main(void)
{
	const char *dir = bench_start("memory", 3600);
	int64_t total = (int64_t)bench_env("BENCH_MESSAGES", 1000000);
	int conns = (int)bench_env("BENCH_CONNS", 64), pport = bench_free_port();
	int fport = bench_free_port();
	char conf[600], log[600], csv[600], provider[256], dbpath[600];
	struct bench_counters *pc = bench_counters_new();
	struct lg_result r;
	struct lg_opts o;
	struct watch w;
	struct stat sb;
	struct mix m;
	double first, second, t0;
	long peak;
	pid_t fl;
	int rc, i;

	printf("memory: %ld cores on this machine; %lld messages of the ingest mix through %s\n",
	    bench_cores(), (long long)total, bench_farmline_bin());
	bench_print_load("at the start");
	bench_server_fork(pport, 1, "{\"id\":\"fake\"}", pc);
	mix_init(&m, "config/categories.conf", corpora, 10000, 7);

	snprintf(conf, sizeof(conf), "%s/farmline.conf", dir);
	snprintf(log, sizeof(log), "%s/farmline.log", dir);
	snprintf(csv, sizeof(csv), "%s/experts.csv", dir);
	snprintf(dbpath, sizeof(dbpath), "%s/farmline.db", dir);
	snprintf(provider, sizeof(provider), "type = http\nurl = http://127.0.0.1:%d/send\n"
	    "parallel = 16", pport);
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

	memset(&w, 0, sizeof(w));
	w.m = &m;
	w.pid = fl;
	w.total = total;
	w.step = total / (MARKS - 1);
	bench_sleep_ms(500);
	w.rss[0] = bench_rss_kb(fl);
	w.at[0] = t0 = bench_now();
	w.next = 1;
	snprintf(w.wal, sizeof(w.wal), "%s-wal", dbpath);
	print_mark(&w, 0, w.rss[0], "(started, /healthz answered)");

	memset(&o, 0, sizeof(o));
	o.port = fport;
	o.conns = conns;
	o.duration_s = 3000;
	o.max_requests = total;
	o.build = watch_build;
	o.done = watch_done;
	o.arg = &w;
	lg_run(&o, &r);
	printf("  %lld messages in %.0f s (%.0f/s); %lld answered 200, %lld other, %lld failed; the "
	    "fake provider accepted %lld SMS over %lld connections\n", (long long)r.answered,
	    bench_now() - t0, (double)r.answered / (bench_now() - t0), (long long)r.ok,
	    (long long)r.non200, (long long)r.errors, (long long)pc->requests,
	    (long long)pc->connections);
	mix_report(&m, "  ");
	if (stat(dbpath, &sb) == 0)
		printf("  database %.0f MB after the run\n", (double)sb.st_size / 1048576.0);
	rc = bench_stop(fl, 30000);
	printf("  farmline exited %d on SIGTERM\n", rc);
	bench_print_load("at the end");

	if (w.next < MARKS)
		bench_die("only %lld of %lld messages were answered", (long long)w.done,
		    (long long)total);
	first = (double)(w.rss[2] - w.rss[0]) / 1024.0;
	second = (double)(w.rss[4] - w.rss[2]) / 1024.0;
	printf("  growth: first half-million %+.1f MB, second half-million %+.1f MB\n", first,
	    second);
	bench_figure("memory.rss_after_1M", (double)w.rss[4] / 1024.0, "MB", "<", 64);
	for (i = 1, peak = w.rss[0]; i < MARKS; i++)
		peak = w.rss[i] > peak ? w.rss[i] : peak;
	bench_figure("memory.rss_peak_of_marks", (double)peak / 1024.0, "MB", "<", 64);
	bench_figure("memory.growth_first_half", first, "MB", "-", 0);
	bench_figure("memory.growth_second_half", second, "MB", "<=", 1);
	free(r.lat_us);
	return 0;
}
