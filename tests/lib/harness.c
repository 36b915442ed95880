/*
 * The integration harness: fake provider, gateway process, HTTP, waits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/lib/harness.h"
#include "tests/lib/testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t
h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
h_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *
read_log(void *arg)
{
	struct gateway *gw = arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(gw->err_fd, buf, sizeof(buf))) > 0) {
		pthread_mutex_lock(&gw->lock);
		gw->log = realloc(gw->log, gw->log_len + (size_t)n + 1);
		memcpy(gw->log + gw->log_len, buf, (size_t)n);
		gw->log_len += (size_t)n;
		gw->log[gw->log_len] = '\0';
		pthread_mutex_unlock(&gw->lock);
	}
	return NULL;
}

/* Run farmline with args to completion; returns its exit status, output in *out. */
int
h_run_cli(struct world *w, char **out, const char *arg1, ...)
{
	const char *argv[32];
	int pipefd[2], status, argc = 0;
	char buf[4096], *text = calloc(1, 1);
	size_t len = 0;
	ssize_t n;
	va_list ap;
	pid_t pid;

	argv[argc++] = w->bin;
	argv[argc++] = "-c";
	argv[argc++] = w->conf;
	argv[argc++] = arg1;
	va_start(ap, arg1);
	while (argc < 31 && (argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(w->bin, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0) {
		text = realloc(text, len + (size_t)n + 1);
		memcpy(text + len, buf, (size_t)n);
		len += (size_t)n;
		text[len] = '\0';
	}
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (out)
		*out = text;
	else
		free(text);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
h_gateway_start(struct world *w)
{
	struct gateway *gw = &w->gw;
	int pipefd[2];
	int64_t until = h_now_ms() + WAIT_MS;
	char *at;

	assert_int_equal(pipe(pipefd), 0);
	gw->pid = fork();
	assert_true(gw->pid >= 0);
	if (gw->pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(w->bin, w->bin, "-c", w->conf, "serve", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	gw->err_fd = pipefd[0];
	gw->port = 0;
	pthread_create(&gw->reader, NULL, read_log, gw);
	while (gw->port == 0 && h_now_ms() < until) {
		pthread_mutex_lock(&gw->lock);
		at = gw->log ? strstr(gw->log, "listening on 127.0.0.1 port ") : NULL;
		if (at)
			gw->port = atoi(at + strlen("listening on 127.0.0.1 port "));
		pthread_mutex_unlock(&gw->lock);
		if (gw->port == 0)
			h_sleep_ms(20);
	}
	if (gw->port == 0)
		fail_msg("the gateway did not start: %s", gw->log ? gw->log : "(no output)");
}

/* SIGINT, and the exit status it stopped with (-1 if it had to be killed). */
int
h_gateway_stop(struct world *w)
{
	struct gateway *gw = &w->gw;
	int64_t until = h_now_ms() + WAIT_MS;
	int status;
	pid_t r;

	kill(gw->pid, SIGINT);
	while ((r = waitpid(gw->pid, &status, WNOHANG)) == 0 && h_now_ms() < until)
		h_sleep_ms(20);
	if (r == 0) {
		kill(gw->pid, SIGKILL);
		waitpid(gw->pid, &status, 0);
		status = -1;
	}
	pthread_join(gw->reader, NULL);
	close(gw->err_fd);
	gw->pid = 0;
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static size_t
collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	b->data = realloc(b->data, b->len + n + 1);
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static size_t
collect_header(char *data, size_t size, size_t nmemb, void *arg)
{
	return collect(data, size, nmemb, arg);
}

int
h_wants_inbound_auth(const char *path, const char *const *extra)
{
	static const char *const generic[] = { "/sms/inbound", "/sms/http", "/dlr/http", NULL };
	int i;

	for (; extra && *extra; extra++) {
		if (strncasecmp(*extra, "Authorization:", 14) == 0)
			return 0;
	}
	for (i = 0; generic[i]; i++) {
		size_t n = strlen(generic[i]);

		if (strncmp(path, generic[i], n) == 0 && (path[n] == '\0' || path[n] == '?'))
			return 1;
	}
	return 0;
}

/* An HTTP request to the gateway; returns the status, the body in *reply (caller frees). */
long
h_http_ex(struct world *w, const char *method, const char *path, const char *const *extra,
    const char *content_type, const char *body, size_t len, char **reply, char **resp_headers)
{
	struct curl_slist *headers = NULL;
	struct body b = { calloc(1, 1), 0 }, hb = { calloc(1, 1), 0 };
	char url[512], header[256];
	long status = 0;
	CURLcode cc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", w->gw.port, path);
	curl_easy_reset(w->curl);
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	curl_easy_setopt(w->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, (long)WAIT_MS);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(w->curl, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(w->curl, CURLOPT_HEADERDATA, &hb);
	if (h_wants_inbound_auth(path, extra))
		headers = curl_slist_append(headers, H_AUTH_HEADER);
	for (; extra && *extra; extra++)
		headers = curl_slist_append(headers, *extra);
	if (body) {
		snprintf(header, sizeof(header), "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, header);
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, headers);
	cc = curl_easy_perform(w->curl);
	if (cc != CURLE_OK)
		fail_msg("%s %s: %s", method, path, curl_easy_strerror(cc));
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	if (reply)
		*reply = b.data;
	else
		free(b.data);
	if (resp_headers)
		*resp_headers = hb.data;
	else
		free(hb.data);
	return status;
}

long
h_http(struct world *w, const char *method, const char *path, const char *content_type,
    const char *body, size_t len, char **reply)
{
	return h_http_ex(w, method, path, NULL, content_type, body, len, reply, NULL);
}

/* POST a form to /sms/inbound; fields are written raw, as `curl -d` sends them. */
long
h_post_form(struct world *w, const char *form, json_t **reply)
{
	char *text;
	long status = h_http(w, "POST", "/sms/inbound", "application/x-www-form-urlencoded", form,
	    strlen(form), &text);

	*reply = json_loads(text, 0, NULL);
	if (*reply == NULL)
		fail_msg("not JSON: %s", text);
	free(text);
	return status;
}

/* Wait until sql gives want (the gateway records what the provider said just after it said it). */
long long
h_db_wait(struct world *w, const char *sql, long long want)
{
	int64_t until = h_now_ms() + WAIT_MS;
	long long v;

	while ((v = tu_query_int(w->db, sql)) != want && h_now_ms() < until)
		h_sleep_ms(20);
	return v;
}

struct world *
h_world_new(const char *tag, const char *extra_conf)
{
	struct world *w = calloc(1, sizeof(*w));
	char conf[4096];

	w->bin = getenv("FARMLINE_BIN") ? getenv("FARMLINE_BIN") : "build/farmline";
	w->dir = tu_mkdtemp(tag);
	if (asprintf(&w->db, "%s/data/farmline.db", w->dir) < 0)
		return NULL;
	pthread_mutex_init(&w->gw.lock, NULL);
	if (fp_start(&w->fake, 0))
		return NULL;
	snprintf(conf, sizeof(conf),
	    "[http]\nbind = 127.0.0.1\nport = 0\nmax_body = 64k\ninbound_token = "
	    H_INBOUND_TOKEN "\n"
	    "[store]\npath = %s\n"
	    "[routing]\nrules = config/categories.conf\n"
	    "[provider]\ntype = http\nurl = http://127.0.0.1:%d/send\ntimeout = 5s\n"
	    "[sender]\nretry_base = 200ms\nretry_max = 1s\npoll_interval = 50ms\n%s%s",
	    w->db, w->fake.port,
	    /* Tests run at any hour: notices must not wait for the morning unless a test says so. */
	    extra_conf && strstr(extra_conf, "[quiet]") ? "" : "[quiet]\nstart = 00:00\nend = 00:00\n",
	    extra_conf ? extra_conf : "");
	w->conf = tu_write_file(w->dir, "farmline.conf", conf);
	w->curl = curl_easy_init();
	return w;
}

void
h_world_free(struct world *w)
{
	if (w->gw.pid > 0)
		h_gateway_stop(w);
	fp_free(&w->fake);
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



/* Wait until the gateway's log holds needle. */
int
h_log_wait(struct world *w, const char *needle)
{
	int64_t until = h_now_ms() + WAIT_MS;
	int found = 0;

	while (!found && h_now_ms() < until) {
		pthread_mutex_lock(&w->gw.lock);
		found = w->gw.log && strstr(w->gw.log, needle);
		pthread_mutex_unlock(&w->gw.lock);
		if (!found)
			h_sleep_ms(20);
	}
	return found;
}

void
h_copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

/* Start `farmline serve` and return at once; the log keeps what earlier runs wrote. */
void
h_gateway_spawn(struct world *w)
{
	struct gateway *gw = &w->gw;
	int pipefd[2];

	assert_int_equal(pipe(pipefd), 0);
	gw->pid = fork();
	assert_true(gw->pid >= 0);
	if (gw->pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(w->bin, w->bin, "-c", w->conf, "serve", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	gw->err_fd = pipefd[0];
	gw->port = 0;
	pthread_create(&gw->reader, NULL, read_log, gw);
}

/* Start `farmline serve` again: like h_gateway_start, but the listening line must come after
 * what the earlier runs wrote, which the log keeps. */
void
h_gateway_restart(struct world *w)
{
	static const char listening[] = "listening on 127.0.0.1 port ";
	struct gateway *gw = &w->gw;
	int64_t until = h_now_ms() + WAIT_MS;
	size_t from;
	char *at;

	pthread_mutex_lock(&gw->lock);
	from = gw->log_len;
	pthread_mutex_unlock(&gw->lock);
	h_gateway_spawn(w);
	while (gw->port == 0 && h_now_ms() < until) {
		pthread_mutex_lock(&gw->lock);
		at = gw->log && gw->log_len > from ? strstr(gw->log + from, listening) : NULL;
		if (at)
			gw->port = atoi(at + strlen(listening));
		pthread_mutex_unlock(&gw->lock);
		if (gw->port == 0)
			h_sleep_ms(5);
	}
	if (gw->port == 0)
		fail_msg("the gateway did not start again: %s",
		    gw->log && gw->log_len > from ? gw->log + from : "(no output)");
}

/* SIGKILL: no chance to finish anything, as in a power cut. */
void
h_gateway_kill(struct world *w)
{
	struct gateway *gw = &w->gw;
	int status;

	if (gw->pid <= 0)
		return;
	kill(gw->pid, SIGKILL);
	waitpid(gw->pid, &status, 0);
	pthread_join(gw->reader, NULL);
	close(gw->err_fd);
	gw->pid = 0;
}

char *
h_gateway_log(struct world *w)
{
	char *copy;

	pthread_mutex_lock(&w->gw.lock);
	copy = strdup(w->gw.log ? w->gw.log : "");
	pthread_mutex_unlock(&w->gw.lock);
	return copy;
}
