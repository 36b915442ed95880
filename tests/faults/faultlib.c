/*
 * The fault tests' shared parts: fixed-port worlds, a thread-safe
 * HTTP client, the /healthz monitor, queries, the number grep and the watchdog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/faults/faultlib.h"
#include "tests/lib/testutil.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t
fl_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- worlds ---- */

int
fl_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

struct world *
fl_start(const char *tag, struct fprov *fp, int delay_ms, int *http_port, const char *extra,
    int watchdog_s)
{
	struct world *w;

	memset(fp, 0, sizeof(*fp));
	fp->delay_ms = delay_ms;
	if (fp_start(fp, 0) != 0)
		return NULL;
	*http_port = fl_free_port();
	w = fl_world_new(tag, fp->port, *http_port, extra);
	fl_watchdog(watchdog_s, w);
	return w;
}

struct world *
fl_world_new(const char *tag, int fake_port, int http_port, const char *extra)
{
	struct world *w = calloc(1, sizeof(*w));
	char *data;

	if (w == NULL)
		abort();
	/* CI runs as root; the gateway starts as root only when told (farmline serve). */
	setenv("FARMLINE_ALLOW_ROOT", "1", 0);
	w->bin = getenv("FARMLINE_BIN") ? getenv("FARMLINE_BIN") : "build/farmline";
	w->dir = tu_mkdtemp(tag);
	if (asprintf(&data, "%s/data", w->dir) < 0 || asprintf(&w->db, "%s/farmline.db", data) < 0)
		abort();
	mkdir(data, 0700);
	free(data);
	pthread_mutex_init(&w->gw.lock, NULL);
	fl_world_write_conf(w, fake_port, http_port, extra, "/send");
	w->curl = curl_easy_init();
	return w;
}

void
fl_world_write_conf(struct world *w, int fake_port, int http_port, const char *extra,
    const char *send_path)
{
	char conf[8192];

	snprintf(conf, sizeof(conf),
	    "[http]\nbind = 127.0.0.1\nport = %d\ninbound_token = " H_INBOUND_TOKEN "\n"
	    "[store]\npath = %s\n"
	    "[routing]\nrules = config/categories.conf\n"
	    "[provider]\ntype = http\nurl = http://127.0.0.1:%d%s\n"
	    "[quiet]\nstart = 00:00\nend = 00:00\n"
	    "%s",
	    http_port, w->db, fake_port, send_path, extra ? extra : "");
	free(w->conf);
	w->conf = tu_write_file(w->dir, "farmline.conf", conf);
}

static struct world *wd_world;

void
fl_world_free(struct world *w)
{
	if (w == NULL)
		return;
	if (w == wd_world) {
		alarm(0);
		wd_world = NULL;
	}
	if (w->gw.pid > 0)
		h_gateway_stop(w);
	curl_easy_cleanup(w->curl);
	free(w->gw.log);
	if (getenv("FARMLINE_KEEP") == NULL)
		tu_rmtree(w->dir);
	else
		fprintf(stderr, "kept %s\n", w->dir);
	free(w->dir);
	free(w->db);
	free(w->conf);
	free(w);
}

/* ---- HTTP ---- */

static size_t
fl_collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	b->data = realloc(b->data, b->len + n + 1);
	if (b->data == NULL)
		abort();
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

long
fl_request(CURL *c, int port, const char *method, const char *path, const char *const *extra,
    const char *content_type, const void *body, size_t len, char **reply, double *ms,
    CURLcode *err)
{
	struct curl_slist *headers = NULL;
	struct body b = { calloc(1, 1), 0 };
	char *url, header[256];
	CURL *own = NULL;
	long status = 0;
	CURLcode cc;
	int64_t t0 = h_now_ms();

	if (c == NULL)
		c = own = curl_easy_init();
	if (asprintf(&url, "http://127.0.0.1:%d%s", port, path) < 0)
		abort();
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fl_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (h_wants_inbound_auth(path, extra))
		headers = curl_slist_append(headers, H_AUTH_HEADER);
	for (; extra && *extra; extra++)
		headers = curl_slist_append(headers, *extra);
	if (body) {
		if (content_type) {
			snprintf(header, sizeof(header), "Content-Type: %s", content_type);
			headers = curl_slist_append(headers, header);
		}
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	free(url);
	if (own)
		curl_easy_cleanup(own);
	if (err)
		*err = cc;
	if (ms)
		*ms = (double)(h_now_ms() - t0);
	if (reply)
		*reply = b.data;
	else
		free(b.data);
	return status;
}

long
fl_post_form(CURL *c, int port, const char *form, char **reply)
{
	return fl_request(c, port, "POST", "/sms/inbound", NULL,
	    "application/x-www-form-urlencoded", form, strlen(form), reply, NULL, NULL);
}

char *
fl_form_escape(const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(len * 3 + 1), *o = out;
	size_t i;

	if (out == NULL)
		abort();
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = '\0';
	return out;
}

/* ---- /healthz monitor ---- */

static void *
monitor_main(void *arg)
{
	struct fl_monitor *m = arg;
	CURL *c = curl_easy_init();
	char url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", m->port);
	while (!m->stop) {
		int64_t t0 = h_now_ms();
		long status = 0;
		double ms;

		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fl_collect);
		{
			struct body b = { NULL, 0 };

			curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
			if (curl_easy_perform(c) == CURLE_OK)
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			free(b.data);
		}
		ms = (double)(h_now_ms() - t0);
		pthread_mutex_lock(&m->lock);
		m->asked++;
		if (status == 0)
			m->no_answer++;
		else if (status != 200)
			m->not_ok++;
		if (ms > m->max_ms)
			m->max_ms = ms;
		m->sum_ms += ms;
		pthread_mutex_unlock(&m->lock);
		h_sleep_ms(m->interval_ms);
	}
	curl_easy_cleanup(c);
	return NULL;
}

void
fl_monitor_start(struct fl_monitor *m, int port, int interval_ms)
{
	memset(m, 0, sizeof(*m));
	m->port = port;
	m->interval_ms = interval_ms;
	pthread_mutex_init(&m->lock, NULL);
	pthread_create(&m->thread, NULL, monitor_main, m);
}

void
fl_monitor_stop(struct fl_monitor *m)
{
	m->stop = 1;
	pthread_join(m->thread, NULL);
}

/* ---- queries ---- */

static sqlite3 *
fl_db_open(const char *db)
{
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", db, sqlite3_errmsg(h));
		abort();
	}
	sqlite3_busy_timeout(h, 5000);
	return h;
}

static sqlite3_stmt *
fl_prepare(sqlite3 *h, const char *fmt, va_list ap)
{
	char *sql = sqlite3_vmprintf(fmt, ap);
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(h));
		abort();
	}
	sqlite3_free(sql);
	return st;
}

long long
fl_q(const char *db, const char *fmt, ...)
{
	sqlite3 *h = fl_db_open(db);
	sqlite3_stmt *st;
	long long v = -1;
	va_list ap;

	va_start(ap, fmt);
	st = fl_prepare(h, fmt, ap);
	va_end(ap);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

char *
fl_qs(const char *db, const char *fmt, ...)
{
	sqlite3 *h = fl_db_open(db);
	sqlite3_stmt *st;
	char *v = NULL;
	va_list ap;

	va_start(ap, fmt);
	st = fl_prepare(h, fmt, ap);
	va_end(ap);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		int n = sqlite3_column_bytes(st, 0);

		v = malloc((size_t)n + 1);
		memcpy(v, sqlite3_column_blob(st, 0), (size_t)n);
		v[n] = '\0';
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

int
fl_qlist(const char *db, long long **out, const char *fmt, ...)
{
	sqlite3 *h = fl_db_open(db);
	sqlite3_stmt *st;
	int n = 0, cap = 64;
	va_list ap;

	*out = malloc((size_t)cap * sizeof(**out));
	va_start(ap, fmt);
	st = fl_prepare(h, fmt, ap);
	va_end(ap);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap *= 2;
			*out = realloc(*out, (size_t)cap * sizeof(**out));
		}
		(*out)[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

int
fl_qpairs(const char *db, struct fl_pair **out, const char *fmt, ...)
{
	sqlite3 *h = fl_db_open(db);
	sqlite3_stmt *st;
	int n = 0, cap = 64;
	va_list ap;

	*out = malloc((size_t)cap * sizeof(**out));
	va_start(ap, fmt);
	st = fl_prepare(h, fmt, ap);
	va_end(ap);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *key = sqlite3_column_text(st, 0);

		if (n == cap) {
			cap *= 2;
			*out = realloc(*out, (size_t)cap * sizeof(**out));
		}
		(*out)[n].key = strdup(key ? (const char *)key : "");
		(*out)[n].n = sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static int
cmp_pair(const void *key, const void *elem)
{
	return strcmp(key, ((const struct fl_pair *)elem)->key);
}

long long
fl_pair_count(const struct fl_pair *pairs, int n, const char *key)
{
	const struct fl_pair *p = bsearch(key, pairs, (size_t)n, sizeof(*pairs), cmp_pair);

	return p ? p->n : 0;
}

void
fl_pairs_free(struct fl_pair *pairs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(pairs[i].key);
	free(pairs);
}

/* ---- the number grep ---- */

int
fl_grep_numbers(const char *log, const char *what)
{
	const char *line = log, *end, *p;
	int found = 0;

	while (line && *line) {
		int run = 0, hit = 0;

		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		for (p = line; p < end && !hit; p++) {
			run = *p >= '0' && *p <= '9' ? run + 1 : 0;
			hit = run >= 11;
		}
		if (hit) {
			if (found < 5)
				printf("  %s: a full number in the log: %.*s\n", what,
				    (int)(end - line > 300 ? 300 : end - line), line);
			found++;
		}
		line = *end ? end + 1 : end;
	}
	return found;
}

/* ---- watchdog ---- */

static char wd_mount[1024];

static void
on_alarm(int sig)
{
	static const char msg[] = "\nwatchdog: the fault test took too long; stopping it\n";
	ssize_t ignored;

	(void)sig;
	if (wd_world && wd_world->gw.pid > 0)
		kill(wd_world->gw.pid, SIGKILL);
	if (wd_mount[0])
		umount2(wd_mount, MNT_DETACH);
	ignored = write(2, msg, sizeof(msg) - 1);
	(void)ignored;
	_exit(3);
}

void
fl_watchdog(int seconds, struct world *w)
{
	const char *env = getenv("FAULT_WATCHDOG");

	if (env && atoi(env) > 0)
		seconds = atoi(env);
	wd_world = w;
	/* A closed stdout must not end a test before its teardown. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)seconds);
}

void
fl_watchdog_umount(const char *path)
{
	snprintf(wd_mount, sizeof(wd_mount), "%s", path ? path : "");
}

unsigned
fl_seed(const char *test)
{
	const char *env = getenv("FAULT_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) :
	    (unsigned)(fl_wall_ms() ^ (getpid() << 16));

	printf("%s: seed %u (FAULT_SEED=%u repeats this run's choices)\n", test, seed, seed);
	return seed;
}
