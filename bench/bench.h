/*
 * What the benchmarks share: clocks, child processes (the real binary, Kannel, and small
 * servers forked from the benchmark itself), and a load generator for HTTP/1.1 on loopback
 * that runs either closed loop (N connections, each sending its next request when the last is
 * answered) or open loop (requests due at a fixed rate, latency counted from when each was
 * due, so a slow server cannot hide its queueing).
 *
 * Header-only: the Makefile links each bench/bench_*.c alone against build/libfarmline.a.
 */
#ifndef FARMLINE_BENCH_H
#define FARMLINE_BENCH_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_UNUSED __attribute__((unused))

/* The generic provider's secret, [http] inbound_token, every benchmark's gateway is given. */
#define BENCH_INBOUND_TOKEN "bench-inbound-token-0123456789"
/* The Kannel webhooks' secret, [kannel] token (the end of their paths). */
#define BENCH_KANNEL_TOKEN "bench-kannel-token-0123456789"

/* ---- clocks and small things */

static BENCH_UNUSED int64_t
bench_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static BENCH_UNUSED double
bench_now(void)
{
	return (double)bench_ns() / 1e9;
}

static BENCH_UNUSED void
bench_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static BENCH_UNUSED long
bench_cores(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* A number from the environment (BENCH_SECONDS=5 …), or def. */
static BENCH_UNUSED double
bench_env(const char *name, double def)
{
	const char *v = getenv(name);

	return v && *v ? atof(v) : def;
}

static BENCH_UNUSED const char *
bench_env_str(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

static BENCH_UNUSED void
bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/*
 * One figure for the summary table that `make bench` prints at the end (bench/run.sh reads
 * these lines): "figure: NAME VALUE UNIT OP GOAL", OP one of >= > <= < (or "-" with no goal).
 */
static BENCH_UNUSED void
bench_figure(const char *name, double value, const char *unit, const char *op, double goal)
{
	if (strcmp(op, "-") == 0)
		printf("figure: %s %.6g %s - -\n", name, value, unit);
	else
		printf("figure: %s %.6g %s %s %.6g\n", name, value, unit, op, goal);
	fflush(stdout);
}

/* ---- child processes: every one is stopped by pid, at exit or when the time limit ends */

#define BENCH_MAX_CHILDREN 32
static pid_t bench_children[BENCH_MAX_CHILDREN];
static char bench_tmp[512];

static BENCH_UNUSED void
bench_forget(pid_t pid)
{
	int i;

	for (i = 0; i < BENCH_MAX_CHILDREN; i++) {
		if (bench_children[i] == pid)
			bench_children[i] = 0;
	}
}

static BENCH_UNUSED void
bench_remember(pid_t pid)
{
	int i;

	for (i = 0; i < BENCH_MAX_CHILDREN; i++) {
		if (bench_children[i] == 0) {
			bench_children[i] = pid;
			return;
		}
	}
}

/* Stop one child: TERM, up to timeout_ms, then KILL; its exit status (or -1). */
static BENCH_UNUSED int
bench_stop(pid_t pid, int timeout_ms)
{
	int status = 0, waited = 0;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		bench_sleep_ms(10);
		waited += 10;
	}
	bench_forget(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
bench_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static BENCH_UNUSED void
bench_rmtree(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, bench_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
bench_cleanup(void)
{
	int i;

	for (i = 0; i < BENCH_MAX_CHILDREN; i++) {
		if (bench_children[i] > 0)
			bench_stop(bench_children[i], 3000);
	}
	if (bench_tmp[0] && getenv("BENCH_KEEP") == NULL)
		bench_rmtree(bench_tmp);
}

static void
bench_on_signal(int sig)
{
	static const char msg[] = "bench: time limit or signal: stopping what it started\n";
	int i;

	(void)!write(2, msg, sizeof(msg) - 1);
	for (i = 0; i < BENCH_MAX_CHILDREN; i++) {
		if (bench_children[i] > 0)
			kill(bench_children[i], SIGKILL);
	}
	_exit(sig == SIGALRM ? 3 : 1);
}

/*
 * Set up a benchmark: a temporary folder (kept with BENCH_KEEP=1), a time limit after which
 * everything it started is killed, cleanup at exit. Returns the folder.
 */
static BENCH_UNUSED const char *
bench_start(const char *name, int limit_s)
{
	const char *base = bench_env_str("TMPDIR", "/tmp");

	snprintf(bench_tmp, sizeof(bench_tmp), "%s/farmline-%s.XXXXXX", base, name);
	if (mkdtemp(bench_tmp) == NULL)
		bench_die("mkdtemp %s: %s", bench_tmp, strerror(errno));
	atexit(bench_cleanup);
	signal(SIGALRM, bench_on_signal);
	signal(SIGINT, bench_on_signal);
	signal(SIGTERM, bench_on_signal);
	signal(SIGHUP, bench_on_signal);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)bench_env("BENCH_LIMIT", limit_s));
	setvbuf(stdout, NULL, _IOLBF, 0);
	return bench_tmp;
}

/* The child side of a fork: die with the benchmark, whatever becomes of it. */
static BENCH_UNUSED void
bench_child_setup(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGALRM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	alarm(0);
}

/* Start argv[0] with stdout and stderr to log (appended); dir: where it runs (NULL: here). */
static BENCH_UNUSED pid_t
bench_spawn(char *const argv[], const char *log, const char *dir)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		bench_child_setup();
		fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		if (dir && chdir(dir) != 0)
			_exit(127);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	bench_remember(pid);
	return pid;
}

/* Run argv to its end; its exit status, or -1. */
static BENCH_UNUSED int
bench_run(char *const argv[], const char *log)
{
	pid_t pid = bench_spawn(argv, log, NULL);
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	bench_forget(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A free TCP port on 127.0.0.1 (the kernel's pick, released for the server to take). */
static BENCH_UNUSED int
bench_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		bench_die("no free port: %s", strerror(errno));
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static BENCH_UNUSED int
bench_connect(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* One GET on a fresh connection; the status, or -1. body (if given) gets up to len-1 bytes. */
static BENCH_UNUSED int
bench_http_get(int port, const char *path, char *body, size_t len)
{
	char buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd = bench_connect(port), status = -1;
	char *end;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    path);
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	if (got > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
		status = atoi(buf + 9);
	if (body && len > 0) {
		end = strstr(buf, "\r\n\r\n");
		snprintf(body, len, "%s", end ? end + 4 : "");
	}
	return status;
}

/* Wait until GET path answers want (or any status when want is 0). 0, or -1 after timeout. */
static BENCH_UNUSED int
bench_wait_http(int port, const char *path, int want, int timeout_ms)
{
	int waited = 0, st;

	while (waited < timeout_ms) {
		st = bench_http_get(port, path, NULL, 0);
		if (st > 0 && (want == 0 || st == want))
			return 0;
		bench_sleep_ms(50);
		waited += 50;
	}
	return -1;
}

/* A "Name:   N kB" line of /proc/<pid>/status (name with its colon), in kB, or -1. */
static BENCH_UNUSED long
bench_status_kb(pid_t pid, const char *name)
{
	char path[64], line[256];
	size_t n = strlen(name);
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, name, n) == 0) {
			kb = atol(line + n);
			break;
		}
	}
	fclose(fp);
	return kb;
}

/* VmRSS of a process in kB, or -1. */
static BENCH_UNUSED long
bench_rss_kb(pid_t pid)
{
	return bench_status_kb(pid, "VmRSS:");
}

/* CPU time (user + system) of a process so far, in seconds, or -1. */
static BENCH_UNUSED double
bench_cpu_s(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long ut = 0, st = 0;
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* after ") ": state is field 3; utime and stime are fields 14 and 15 */
	for (i = 2; i < 14 && p; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- farmline itself */

static BENCH_UNUSED const char *
bench_farmline_bin(void)
{
	return bench_env_str("FARMLINE_BIN", "build/farmline");
}

/*
 * A farmline config for a benchmark in dir: its own database, port, the rules of this tree,
 * no quiet hours, loop_limit at its maximum (the benchmark's numbers text again and again);
 * provider is the [provider] section's body, extra anything more (whole sections).
 */
static BENCH_UNUSED void
bench_farmline_conf(const char *path, const char *dir, int port, const char *provider,
    const char *extra)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		bench_die("%s: %s", path, strerror(errno));
	fprintf(fp, "# written by the benchmark\n"
	    "[general]\nlog_level = %s\n\n"
	    "[http]\nbind = 127.0.0.1\nport = %d\nthreads = %d\ninbound_token = "
	    BENCH_INBOUND_TOKEN "\n\n"
	    "[store]\npath = %s/farmline.db\nbatch_max = %d\n\n"
	    "[routing]\nrules = config/categories.conf\n\n"
	    "[provider]\n%s\n\n"
	    "[consult]\nloop_limit = 100000\n\n"
	    "[quiet]\nstart = 00:00\nend = 00:00\n\n%s\n",
	    bench_env_str("BENCH_LOG_LEVEL", "info"), port, (int)bench_env("BENCH_HTTP_THREADS", 2),
	    dir, (int)bench_env("BENCH_BATCH_MAX", 256), provider, extra ? extra : "");
	if (fclose(fp) != 0)
		bench_die("%s: %s", path, strerror(errno));
}

/* Start `farmline -c conf serve` (log appended to log) and wait for /healthz; its pid. */
static BENCH_UNUSED pid_t
bench_farmline_serve(const char *conf, const char *log, int port)
{
	char *argv[] = { (char *)bench_farmline_bin(), "-c", (char *)conf, "serve", NULL };
	pid_t pid;

	/* benchmarks may run as root (CI does): farmline refuses root unless told */
	setenv("FARMLINE_ALLOW_ROOT", "1", 1);
	pid = bench_spawn(argv, log, NULL);

	if (bench_wait_http(port, "/healthz", 200, 20000) != 0) {
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "tail -n 20 %s >&2", log);
		(void)!system(cmd);
		bench_die("farmline did not answer /healthz on port %d (log: %s)", port, log);
	}
	printf("  (farmline serve is pid %d, port %d, log %s)\n", (int)pid, port, log);
	return pid;
}

/*
 * With BENCH_PERF=DIR: `perf record` on pid (call graphs by DWARF) during the counted part of
 * a run, into DIR/NAME.perf.data; read it with `perf report -i …`. Its pid, or 0.
 */
static BENCH_UNUSED pid_t
bench_perf_start(pid_t pid, const char *name, double delay_s, double seconds)
{
	const char *dir = getenv("BENCH_PERF");
	char out[600], p[32], secs[32], log[600], script[1024];
	char *argv[] = { "/bin/sh", "-c", script, NULL };

	if (dir == NULL || *dir == '\0')
		return 0;
	snprintf(out, sizeof(out), "%s/%s.perf.data", dir, name);
	snprintf(log, sizeof(log), "%s/%s.perf.log", dir, name);
	snprintf(p, sizeof(p), "%d", (int)pid);
	snprintf(secs, sizeof(secs), "%.1f", seconds);
	snprintf(script, sizeof(script), "sleep %.1f; exec perf record -F 499 --call-graph dwarf,16384 "
	    "-p %s -o %s -- sleep %s", delay_s, p, out, secs);
	printf("  (perf record of pid %d into %s)\n", (int)pid, out);
	return bench_spawn(argv, log, NULL);
}

static BENCH_UNUSED void
bench_perf_stop(pid_t perf)
{
	int status;

	if (perf <= 0)
		return;
	waitpid(perf, &status, 0);	/* it stops by itself after its seconds */
	bench_forget(perf);
}

/* Bytes a process wrote so far: through write calls (wchar), and to the disk (write_bytes). */
static BENCH_UNUSED void
bench_io(pid_t pid, int64_t *wchar, int64_t *disk)
{
	char path[64], line[128];
	FILE *fp;

	*wchar = *disk = -1;
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "wchar:", 6) == 0)
			*wchar = atoll(line + 6);
		else if (strncmp(line, "write_bytes:", 12) == 0)
			*disk = atoll(line + 12);
	}
	fclose(fp);
}

/* The load average and what else runs: the machine may be shared. */
static BENCH_UNUSED void
bench_print_load(const char *when)
{
	char buf[128] = "";
	FILE *fp = fopen("/proc/loadavg", "r");

	if (fp && fgets(buf, sizeof(buf), fp))
		buf[strcspn(buf, "\n")] = '\0';
	if (fp)
		fclose(fp);
	printf("  (load average %s: %s)\n", when, buf);
}

/* ---- small servers, each in a child process of its own (forked before any thread starts) */

/* Counters a fake provider keeps in memory shared with the benchmark. */
#define BENCH_BUCKET_NS 100000000LL	/* 100 ms */
#define BENCH_BUCKETS 12000		/* 20 minutes of them */

struct bench_counters {
	int64_t t0;			/* CLOCK_MONOTONIC base of the buckets (set by the parent) */
	int64_t requests;		/* answered 2xx */
	int64_t connections;		/* TCP connections accepted */
	int64_t first_ns, last_ns;	/* first and last request */
	int64_t buckets[BENCH_BUCKETS];	/* requests per 100 ms since t0 */
};

static BENCH_UNUSED struct bench_counters *
bench_counters_new(void)
{
	struct bench_counters *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (c == MAP_FAILED)
		bench_die("mmap: %s", strerror(errno));
	memset(c, 0, sizeof(*c));
	c->t0 = bench_ns();
	return c;
}

static BENCH_UNUSED void
bench_counters_reset(struct bench_counters *c)
{
	int64_t t0 = bench_ns();

	memset(c, 0, sizeof(*c));
	__atomic_store_n(&c->t0, t0, __ATOMIC_SEQ_CST);
}

struct bench_server {
	struct bench_counters *counters;	/* NULL: nothing counted */
	const char *reply;
	size_t reply_len;
};

static enum MHD_Result
bench_server_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct bench_server *srv = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	static int first_call_marker;
	int64_t now, b;

	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	if (*con_cls == NULL) {
		*con_cls = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		*upload_size = 0;	/* the body is read and dropped */
		return MHD_YES;
	}
	if (srv->counters) {
		struct bench_counters *c = srv->counters;

		now = bench_ns();
		__atomic_add_fetch(&c->requests, 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(&c->first_ns, __ATOMIC_RELAXED) == 0)
			__atomic_store_n(&c->first_ns, now, __ATOMIC_RELAXED);
		__atomic_store_n(&c->last_ns, now, __ATOMIC_RELAXED);
		b = (now - __atomic_load_n(&c->t0, __ATOMIC_RELAXED)) / BENCH_BUCKET_NS;
		if (b >= 0 && b < BENCH_BUCKETS)
			__atomic_add_fetch(&c->buckets[b], 1, __ATOMIC_RELAXED);
	}
	resp = MHD_create_response_from_buffer(srv->reply_len, (void *)srv->reply,
	    MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
bench_server_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct bench_server *srv = cls;

	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED && srv->counters)
		__atomic_add_fetch(&srv->counters->connections, 1, __ATOMIC_RELAXED);
}

/*
 * A libmicrohttpd server in a child process that answers every request 200 with reply at once:
 * the same daemon flags as farmline's (gateway/http.c), threads in its pool. counters (shared
 * memory, may be NULL) count requests and connections. Its pid; it stops on SIGTERM.
 */
static BENCH_UNUSED pid_t
bench_server_fork(int port, unsigned threads, const char *reply, struct bench_counters *counters)
{
	static struct bench_server srv;
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;
	pid_t pid;

	srv.counters = counters;
	srv.reply = reply;
	srv.reply_len = strlen(reply);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid > 0) {
		bench_remember(pid);
		return pid;
	}
	bench_child_setup();
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* before MHD's threads: they inherit the mask */
	/* a pool of one is no pool: libmicrohttpd warns, and uses its one polling thread */
	d = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, bench_server_request, &srv,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_NOTIFY_CONNECTION, bench_server_connection, &srv,
	    threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "bench server: cannot listen on port %d\n", port);
		_exit(1);
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	_exit(0);
}

/* ---- the load generator */

#define LG_REQ_MAX 8192
#define LG_IN_MAX 16384

/* One request: the bytes to send, and the caller's notes about it. */
struct lg_slot {
	char req[LG_REQ_MAX];
	size_t len;
	int kind, a, b;		/* the caller's */
	int64_t c;
};

struct lg_conn {
	int fd;
	int busy;		/* a request is out on it */
	size_t off;		/* of the request written */
	int want_out;		/* EPOLLOUT is on */
	char in[LG_IN_MAX];
	size_t inlen;
	int64_t due_ns;		/* when the request was due (open loop) or sent (closed) */
	struct lg_slot slot;
};

struct lg_opts {
	int port;
	int open_loop;		/* 1: rate requests/s; 0: conns connections back to back */
	double rate;
	int conns;		/* closed: connections; open: the most it may open */
	double warmup_s;	/* not counted */
	double duration_s;	/* counted */
	int64_t max_requests;	/* closed loop: stop after this many answers in all (0: no cap) */
	/* Fill in the next request. */
	void (*build)(void *arg, struct lg_slot *s);
	/* An answer (status 0: the connection failed before one came). */
	void (*done)(void *arg, const struct lg_slot *s, int status, const char *body, size_t len);
	void *arg;
};

struct lg_result {
	int64_t sent, answered, ok, non200, errors, late;	/* late: open loop, never answered */
	int64_t counted;		/* answers within the counted window */
	double window_s;		/* how long the counted window really was */
	double throughput;		/* counted / window_s */
	uint32_t *lat_us;		/* latencies of counted requests, sorted */
	size_t nlat;
	int conns_used;
};

static BENCH_UNUSED double
lg_percentile(const struct lg_result *r, double p)
{
	size_t i;

	if (r->nlat == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)(r->nlat - 1) + 0.5);
	if (i >= r->nlat)
		i = r->nlat - 1;
	return (double)r->lat_us[i] / 1000.0;
}

static int
lg_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct lg {
	struct lg_opts o;
	struct lg_result *r;
	int ep;
	struct lg_conn *conns;
	int nconns;
	int *idle;		/* stack of idle connection indexes */
	int nidle;
	int64_t *pending;	/* open loop: due times of requests waiting for a connection */
	size_t pend_head, pend_tail, pend_cap;
	int64_t t0, t_count, t_end;
	int64_t in_flight;
	size_t latcap;
};

static void
lg_record(struct lg *g, int64_t due, int64_t now)
{
	struct lg_result *r = g->r;
	int64_t us;

	if (due < g->t_count || due >= g->t_end)
		return;
	if (r->nlat == g->latcap) {
		g->latcap = g->latcap ? g->latcap * 2 : 65536;
		r->lat_us = realloc(r->lat_us, g->latcap * sizeof(*r->lat_us));
		if (r->lat_us == NULL)
			bench_die("out of memory");
	}
	us = (now - due) / 1000;
	r->lat_us[r->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void
lg_watch(struct lg *g, struct lg_conn *c, int out)
{
	struct epoll_event ev;

	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.u32 = (uint32_t)(c - g->conns);
	epoll_ctl(g->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = out;
}

/* Open connection i; 0 or -1. */
static int
lg_open(struct lg *g, int i)
{
	struct lg_conn *c = &g->conns[i];
	struct epoll_event ev;
	int fd = bench_connect(g->o.port);

	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c->fd = fd;
	c->busy = 0;
	c->inlen = 0;
	c->off = 0;
	c->want_out = 0;
	ev.events = EPOLLIN;
	ev.data.u32 = (uint32_t)i;
	epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

static void
lg_flush(struct lg *g, struct lg_conn *c)
{
	ssize_t n;

	while (c->off < c->slot.len) {
		n = write(c->fd, c->slot.req + c->off, c->slot.len - c->off);
		if (n > 0) {
			c->off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->want_out)
				lg_watch(g, c, 1);
			return;
		}
		return;		/* an error: the read side sees it */
	}
	if (c->want_out)
		lg_watch(g, c, 0);
}

/* Send a request on c; offered: it was already counted (it waited for a connection). */
static void
lg_send(struct lg *g, struct lg_conn *c, int64_t due, int offered)
{
	c->busy = 1;
	c->off = 0;
	c->inlen = 0;
	c->due_ns = due;
	g->o.build(g->o.arg, &c->slot);
	if (!offered) {
		g->r->sent++;
		g->in_flight++;
	}
	lg_flush(g, c);
}

/* Take a connection for a request: an idle one, or a new one while under the cap. */
static struct lg_conn *
lg_take(struct lg *g)
{
	if (g->nidle > 0)
		return &g->conns[g->idle[--g->nidle]];
	if (g->nconns < g->o.conns && lg_open(g, g->nconns) == 0)
		return &g->conns[g->nconns++];
	return NULL;
}

static void
lg_pending_push(struct lg *g, int64_t due)
{
	if (g->pend_tail - g->pend_head == g->pend_cap) {
		size_t cap = g->pend_cap ? g->pend_cap * 2 : 4096, i, n = g->pend_tail - g->pend_head;
		int64_t *p = malloc(cap * sizeof(*p));

		if (p == NULL)
			bench_die("out of memory");
		for (i = 0; i < n; i++)
			p[i] = g->pending[(g->pend_head + i) % (g->pend_cap ? g->pend_cap : 1)];
		free(g->pending);
		g->pending = p;
		g->pend_cap = cap;
		g->pend_head = 0;
		g->pend_tail = n;
	}
	g->pending[g->pend_tail++ % g->pend_cap] = due;
}

/* After an answer (or a failure) on c: what it does next. */
static void
lg_next(struct lg *g, struct lg_conn *c, int64_t now)
{
	int i = (int)(c - g->conns);

	if (g->o.open_loop) {
		if (g->pend_tail > g->pend_head) {
			lg_send(g, c, g->pending[g->pend_head++ % g->pend_cap], 1);
			return;
		}
		g->idle[g->nidle++] = i;
		return;
	}
	if (now < g->t_end && (g->o.max_requests == 0 || g->r->sent < g->o.max_requests)) {
		lg_send(g, c, now, 0);
		return;
	}
	g->idle[g->nidle++] = i;
}

/* Parse what c holds; 1 when a whole answer was taken. */
static int
lg_parse(struct lg *g, struct lg_conn *c, int64_t now, int *closing)
{
	char *hdr_end, *p;
	size_t hdr_len, clen = 0;
	int status;

	c->in[c->inlen < LG_IN_MAX ? c->inlen : LG_IN_MAX - 1] = '\0';
	hdr_end = strstr(c->in, "\r\n\r\n");
	if (hdr_end == NULL)
		return 0;
	hdr_len = (size_t)(hdr_end - c->in) + 4;
	*hdr_end = '\0';
	for (p = strchr(c->in, '\n'); p; p = strchr(p + 1, '\n')) {
		if (strncasecmp(p + 1, "content-length:", 15) == 0)
			clen = (size_t)strtoul(p + 16, NULL, 10);
		else if (strncasecmp(p + 1, "connection: close", 17) == 0)
			*closing = 1;
	}
	*hdr_end = '\r';
	if (c->inlen < hdr_len + clen)
		return 0;
	status = atoi(c->in + 9);
	c->in[hdr_len + clen < LG_IN_MAX ? hdr_len + clen : LG_IN_MAX - 1] = '\0';
	g->r->answered++;
	if (status == 200)
		g->r->ok++;
	else
		g->r->non200++;
	/* closed loop: answers that came within the window; open loop: requests due in it */
	if (g->o.open_loop ? c->due_ns >= g->t_count && c->due_ns < g->t_end :
	    now >= g->t_count && now < g->t_end)
		g->r->counted++;
	lg_record(g, c->due_ns, now);
	g->o.done(g->o.arg, &c->slot, status, c->in + hdr_len, clen);
	c->busy = 0;
	g->in_flight--;
	c->inlen = 0;
	return 1;
}

static void
lg_fail(struct lg *g, struct lg_conn *c, int64_t now)
{
	int i = (int)(c - g->conns);

	epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	if (c->busy) {
		g->r->errors++;
		g->in_flight--;
		g->o.done(g->o.arg, &c->slot, 0, "", 0);
		c->busy = 0;
	}
	/* reconnect and carry on */
	if (lg_open(g, i) == 0)
		lg_next(g, c, now);
}

static void
lg_readable(struct lg *g, struct lg_conn *c, int64_t now)
{
	ssize_t n;
	int closing = 0;

	for (;;) {
		if (c->inlen >= LG_IN_MAX - 1) {
			lg_fail(g, c, now);
			return;
		}
		n = read(c->fd, c->in + c->inlen, LG_IN_MAX - 1 - c->inlen);
		if (n > 0) {
			c->inlen += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		lg_fail(g, c, now);	/* EOF or error */
		return;
	}
	if (!c->busy)
		return;
	if (lg_parse(g, c, now, &closing)) {
		if (closing) {
			epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			if (lg_open(g, (int)(c - g->conns)) != 0) {
				g->r->errors++;
				return;
			}
		}
		lg_next(g, c, now);
	}
}

/*
 * Run the load: warmup_s not counted, then duration_s counted; in the open loop, what was due
 * in the counted window is waited for up to 10 s after it. Fills r (free r->lat_us after).
 */
static BENCH_UNUSED void
lg_run(const struct lg_opts *o, struct lg_result *r)
{
	struct epoll_event evs[256];
	struct itimerspec its;
	struct lg g;
	int64_t now, period = 0, due_idx = 0, drain_until;
	int tfd = -1, n, i;

	memset(&g, 0, sizeof(g));
	memset(r, 0, sizeof(*r));
	g.o = *o;
	g.r = r;
	if (g.o.conns < 1)
		g.o.conns = 1;
	g.ep = epoll_create1(EPOLL_CLOEXEC);
	g.conns = calloc((size_t)g.o.conns, sizeof(*g.conns));
	g.idle = calloc((size_t)g.o.conns, sizeof(*g.idle));
	if (g.ep < 0 || g.conns == NULL || g.idle == NULL)
		bench_die("load generator: out of memory");
	for (i = 0; i < g.o.conns; i++)
		g.conns[i].fd = -1;
	/* Connections are opened before the clock starts: closed loop all, open loop 16. */
	for (i = 0; i < (o->open_loop ? (g.o.conns < 16 ? g.o.conns : 16) : g.o.conns); i++) {
		if (lg_open(&g, i) != 0)
			bench_die("load generator: cannot connect to port %d: %s", o->port,
			    strerror(errno));
		g.nconns++;
		g.idle[g.nidle++] = i;
	}
	g.t0 = bench_ns();
	g.t_count = g.t0 + (int64_t)(o->warmup_s * 1e9);
	g.t_end = g.t_count + (int64_t)(o->duration_s * 1e9);
	if (o->open_loop) {
		period = (int64_t)(1e9 / o->rate);
		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		memset(&its, 0, sizeof(its));
		its.it_value.tv_nsec = 1;
		its.it_interval.tv_sec = period / 1000000000;
		its.it_interval.tv_nsec = period % 1000000000;
		timerfd_settime(tfd, 0, &its, NULL);
		{
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };

			epoll_ctl(g.ep, EPOLL_CTL_ADD, tfd, &ev);
		}
	} else {
		while (g.nidle > 0)
			lg_send(&g, &g.conns[g.idle[--g.nidle]], g.t0, 0);
	}
	drain_until = g.t_end + 10 * 1000000000LL;
	for (;;) {
		now = bench_ns();
		if (o->open_loop) {
			/* Everything due by now: on a free connection, or waiting for one. */
			while (now < g.t_end && g.t0 + due_idx * period <= now) {
				int64_t due = g.t0 + due_idx * period;
				struct lg_conn *c;

				due_idx++;
				if (g.pend_tail > g.pend_head || (c = lg_take(&g)) == NULL) {
					lg_pending_push(&g, due);
					r->sent++;	/* counted as offered */
					g.in_flight++;
					continue;
				}
				lg_send(&g, c, due, 0);
			}
			if (now >= g.t_end && (g.in_flight == 0 || now >= drain_until))
				break;
		} else if (g.in_flight == 0 && (now >= g.t_end ||
		    (o->max_requests && r->sent >= o->max_requests))) {
			break;
		} else if (now >= drain_until) {
			break;
		}
		n = epoll_wait(g.ep, evs, 256, 5);
		now = bench_ns();
		for (i = 0; i < n; i++) {
			struct lg_conn *c;

			if (evs[i].data.u32 == UINT32_MAX) {
				uint64_t x;

				(void)!read(tfd, &x, sizeof(x));
				continue;
			}
			c = &g.conns[evs[i].data.u32];
			if (c->fd < 0)
				continue;
			if (evs[i].events & EPOLLOUT)
				lg_flush(&g, c);
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				lg_readable(&g, c, now);
		}
	}
	now = bench_ns();
	if (o->open_loop) {
		/* Requests scheduled in the window that were never sent count as unanswered. */
		r->late = g.in_flight;
		r->window_s = o->duration_s;
		/* their latency is at least the time waited: record them so p99 sees them */
		while (g.pend_tail > g.pend_head)
			lg_record(&g, g.pending[g.pend_head++ % g.pend_cap], now);
		for (i = 0; i < g.nconns; i++) {
			if (g.conns[i].fd >= 0 && g.conns[i].busy)
				lg_record(&g, g.conns[i].due_ns, now);
		}
	} else {
		r->window_s = (double)((now < g.t_end ? now : g.t_end) - g.t_count) / 1e9;
	}
	r->throughput = r->window_s > 0 ? (double)r->counted / r->window_s : 0;
	qsort(r->lat_us, r->nlat, sizeof(*r->lat_us), lg_cmp_u32);
	r->conns_used = g.nconns;
	for (i = 0; i < g.nconns; i++) {
		if (g.conns[i].fd >= 0)
			close(g.conns[i].fd);
	}
	if (tfd >= 0)
		close(tfd);
	close(g.ep);
	free(g.conns);
	free(g.idle);
	free(g.pending);
}

#endif
