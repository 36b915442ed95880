/*
 * The whole path through the real binary: an expert is registered, a farmer's question comes in
 * over HTTP, the acknowledgement and the expert's notice reach a fake provider on loopback, the
 * expert's answer reaches the farmer, bad input is refused with reasons, the gateway stops on
 * SIGINT and starts again with everything kept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gateway/sms.h"
#include "tests/lib/testutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FARMER "+8613800000001"
#define FARMER2 "+8613800000007"
#define EXPERT "+8613900000002"
#define EXPERT2 "+8613900000003"
#define WAIT_MS 15000		/* how long to wait for something that should happen at once */

/* The fake provider: records every message posted to it; can refuse the next few with 503. */
struct sent {
	char *to, *text;
};

struct fake {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t lock;
	struct sent msgs[256];
	int n;
	int fail_next;		/* answer 503 to this many requests */
	int refused;
};

struct body {
	char *data;
	size_t len;
};

static enum MHD_Result
fake_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct fake *fk = cls;
	struct body *b = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int status = 200;
	const char *reply = "{\"id\":\"fake\"}";

	(void)url;
	(void)method;
	(void)version;
	if (b == NULL) {
		*con_cls = calloc(1, sizeof(struct body));
		return MHD_YES;
	}
	if (*upload_size) {
		b->data = realloc(b->data, b->len + *upload_size + 1);
		memcpy(b->data + b->len, upload, *upload_size);
		b->len += *upload_size;
		b->data[b->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&fk->lock);
	if (fk->fail_next > 0) {
		fk->fail_next--;
		fk->refused++;
		status = 503;
		reply = "{\"error\":\"busy\"}";
	} else if (fk->n < 256 && b->data) {
		json_t *root = json_loads(b->data, 0, NULL);

		fk->msgs[fk->n].to = strdup(json_string_value(json_object_get(root, "to")));
		fk->msgs[fk->n].text = strdup(json_string_value(json_object_get(root, "text")));
		fk->n++;
		json_decref(root);
	}
	pthread_mutex_unlock(&fk->lock);
	resp = MHD_create_response_from_buffer(strlen(reply), (void *)reply,
	    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
fake_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct body *b = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (b) {
		free(b->data);
		free(b);
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until the fake provider holds at least n messages; returns how many it has. */
static int
fake_wait(struct fake *fk, int n)
{
	int64_t until = now_ms() + WAIT_MS;
	int have;

	for (;;) {
		pthread_mutex_lock(&fk->lock);
		have = fk->n;
		pthread_mutex_unlock(&fk->lock);
		if (have >= n || now_ms() > until)
			return have;
		sleep_ms(20);
	}
}

/* The text of the first message to "to" containing needle, from index from on; NULL if none. */
static const char *
fake_find(struct fake *fk, const char *to, const char *needle)
{
	const char *found = NULL;
	int i;

	pthread_mutex_lock(&fk->lock);
	for (i = 0; i < fk->n && !found; i++) {
		if (strcmp(fk->msgs[i].to, to) == 0 && strstr(fk->msgs[i].text, needle))
			found = fk->msgs[i].text;
	}
	pthread_mutex_unlock(&fk->lock);
	return found;
}

static int
fake_count_to(struct fake *fk, const char *to)
{
	int i, n = 0;

	pthread_mutex_lock(&fk->lock);
	for (i = 0; i < fk->n; i++)
		n += strcmp(fk->msgs[i].to, to) == 0;
	pthread_mutex_unlock(&fk->lock);
	return n;
}

/* The gateway process. */
struct gateway {
	pid_t pid;
	int port;
	int err_fd;
	pthread_t reader;
	pthread_mutex_t lock;
	char *log;		/* everything it wrote on stderr */
	size_t log_len;
};

struct world {
	char *dir, *conf, *db;
	const char *bin;
	struct fake fake;
	struct gateway gw;
	CURL *curl;
};

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
static int
run_cli(struct world *w, char **out, const char *arg1, ...)
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

static void
gateway_start(struct world *w)
{
	struct gateway *gw = &w->gw;
	int pipefd[2];
	int64_t until = now_ms() + WAIT_MS;
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
	while (gw->port == 0 && now_ms() < until) {
		pthread_mutex_lock(&gw->lock);
		at = gw->log ? strstr(gw->log, "listening on 127.0.0.1 port ") : NULL;
		if (at)
			gw->port = atoi(at + strlen("listening on 127.0.0.1 port "));
		pthread_mutex_unlock(&gw->lock);
		if (gw->port == 0)
			sleep_ms(20);
	}
	if (gw->port == 0)
		fail_msg("the gateway did not start: %s", gw->log ? gw->log : "(no output)");
}

/* SIGINT, and the exit status it stopped with (-1 if it had to be killed). */
static int
gateway_stop(struct world *w)
{
	struct gateway *gw = &w->gw;
	int64_t until = now_ms() + WAIT_MS;
	int status;
	pid_t r;

	kill(gw->pid, SIGINT);
	while ((r = waitpid(gw->pid, &status, WNOHANG)) == 0 && now_ms() < until)
		sleep_ms(20);
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

/* An HTTP request to the gateway; returns the status, the body in *reply (caller frees). */
static long
http(struct world *w, const char *method, const char *path, const char *content_type,
    const char *body, size_t len, char **reply)
{
	struct curl_slist *headers = NULL;
	struct body b = { calloc(1, 1), 0 };
	char url[256], header[256];
	long status = 0;
	CURLcode cc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", w->gw.port, path);
	curl_easy_reset(w->curl);
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	curl_easy_setopt(w->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, (long)WAIT_MS);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &b);
	if (body) {
		snprintf(header, sizeof(header), "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, header);
		curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	cc = curl_easy_perform(w->curl);
	if (cc != CURLE_OK)
		fail_msg("%s %s: %s", method, path, curl_easy_strerror(cc));
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	if (reply)
		*reply = b.data;
	else
		free(b.data);
	return status;
}

/* POST a form to /sms/inbound; fields are written raw, as `curl -d` sends them. */
static long
post_form(struct world *w, const char *form, json_t **reply)
{
	char *text;
	long status = http(w, "POST", "/sms/inbound", "application/x-www-form-urlencoded", form,
	    strlen(form), &text);

	*reply = json_loads(text, 0, NULL);
	if (*reply == NULL)
		fail_msg("not JSON: %s", text);
	free(text);
	return status;
}

/* Wait until sql gives want (the gateway records what the provider said just after it said it). */
static long long
db_wait(struct world *w, const char *sql, long long want)
{
	int64_t until = now_ms() + WAIT_MS;
	long long v;

	while ((v = tu_query_int(w->db, sql)) != want && now_ms() < until)
		sleep_ms(20);
	return v;
}

static void
assert_contains(const char *haystack, const char *needle)
{
	if (haystack == NULL || strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", haystack ? haystack : "(nothing)", needle);
}

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct sockaddr_in loopback;
	char conf[2048];

	w->bin = getenv("FARMLINE_BIN") ? getenv("FARMLINE_BIN") : "build/farmline";
	w->dir = tu_mkdtemp("story");
	if (asprintf(&w->db, "%s/data/farmline.db", w->dir) < 0)
		return -1;
	pthread_mutex_init(&w->fake.lock, NULL);
	pthread_mutex_init(&w->gw.lock, NULL);
	memset(&loopback, 0, sizeof(loopback));
	loopback.sin_family = AF_INET;
	loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	w->fake.d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, fake_request,
	    &w->fake, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&loopback,
	    MHD_OPTION_NOTIFY_COMPLETED, fake_completed, NULL, MHD_OPTION_END);
	if (w->fake.d == NULL)
		return -1;
	w->fake.port = MHD_get_daemon_info(w->fake.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	snprintf(conf, sizeof(conf),
	    "[http]\nbind = 127.0.0.1\nport = 0\nmax_body = 64k\n"
	    "[store]\npath = %s\n"
	    "[routing]\nrules = config/categories.conf\n"
	    "[provider]\ntype = http\nurl = http://127.0.0.1:%d/send\ntimeout = 5s\n"
	    "[sender]\nretry_base = 200ms\nretry_max = 1s\npoll_interval = 50ms\n",
	    w->db, w->fake.port);
	w->conf = tu_write_file(w->dir, "farmline.conf", conf);
	w->curl = curl_easy_init();
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;
	int i;

	if (w->gw.pid > 0)
		gateway_stop(w);
	MHD_stop_daemon(w->fake.d);
	for (i = 0; i < w->fake.n; i++) {
		free(w->fake.msgs[i].to);
		free(w->fake.msgs[i].text);
	}
	curl_easy_cleanup(w->curl);
	free(w->gw.log);
	tu_rmtree(w->dir);
	free(w->dir);
	free(w->db);
	free(w->conf);
	free(w);
	return 0;
}

static void
test_question_answer_restart_story(void **state)
{
	struct world *w = *state;
	json_t *r;
	char form[512], *out, ticket[32];
	const char *ack, *notice, *answer;
	long long t1, t2;
	int have;

	/* The bureau registers an expert before anything comes in. */
	assert_int_equal(run_cli(w, &out, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	free(out);
	assert_int_equal(run_cli(w, NULL, "expert", "add", "--phone", EXPERT2, "--name", "李专家",
	    "--categories", "livestock", NULL), 0);
	gateway_start(w);

	/* The farmer asks. */
	assert_int_equal(post_form(w, "from=" FARMER "&text=鹅苗死亡很多怎么办", &r), 200);
	t1 = json_integer_value(json_object_get(r, "ticket"));
	assert_true(t1 > 0);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "question");
	json_decref(r);
	snprintf(ticket, sizeof(ticket), "%lld", t1);

	have = fake_wait(&w->fake, 2);
	assert_int_equal(have, 2);
	ack = fake_find(&w->fake, FARMER, ticket);
	assert_contains(ack, "家禽");
	assert_int_equal(sms_segments(ack), 1);
	notice = fake_find(&w->fake, EXPERT, ticket);
	assert_contains(notice, "家禽");
	assert_contains(notice, "138****0001");
	assert_contains(notice, "鹅苗死亡很多怎么办");

	/* The expert replies from the phone with the ticket. */
	snprintf(form, sizeof(form), "from=" EXPERT "&text=%lld 建议先隔离病鹅……", t1);
	assert_int_equal(post_form(w, form, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "answer");
	json_decref(r);
	assert_int_equal(fake_wait(&w->fake, 4), 4);
	answer = fake_find(&w->fake, FARMER, "建议先隔离病鹅……");
	assert_contains(answer, "王专家");
	snprintf(form, sizeof(form), "SELECT status = 'answered' AND answered_by = (SELECT id FROM"
	    " experts WHERE phone = '" EXPERT "') AND first_answered_at >= created_at FROM"
	    " consultations WHERE id = %lld", t1);
	assert_int_equal(tu_query_int(w->db, form), 1);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM assignments WHERE outcome = 'answered'"
	    " AND ended_at IS NOT NULL"), 1);

	/* A second question, answered without a ticket: the expert's only open one. */
	assert_int_equal(post_form(w, "from=" FARMER2 "&text=小鸡拉稀怎么办&id=prov-77", &r), 200);
	t2 = json_integer_value(json_object_get(r, "ticket"));
	json_decref(r);
	/* The provider sends it again: acknowledged alike, processed once. */
	assert_int_equal(post_form(w, "from=" FARMER2 "&text=小鸡拉稀怎么办&id=prov-77", &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "ticket")), t2);
	json_decref(r);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations"), 2);
	assert_int_equal(post_form(w, "from=" EXPERT "&text=用土霉素拌料", &r), 200);
	assert_int_equal(json_integer_value(json_object_get(r, "ticket")), t2);
	json_decref(r);
	fake_wait(&w->fake, 8);
	assert_contains(fake_find(&w->fake, FARMER2, "用土霉素拌料"), "王专家");
	assert_int_equal(fake_count_to(&w->fake, FARMER2), 2);

	/* The provider refuses for a while: the message is retried, not lost or failed. */
	pthread_mutex_lock(&w->fake.lock);
	w->fake.fail_next = 2;
	pthread_mutex_unlock(&w->fake.lock);
	assert_int_equal(post_form(w, "from=+8613800000009&text=猪拉稀怎么办", &r), 200);
	json_decref(r);
	fake_wait(&w->fake, 10);
	assert_non_null(fake_find(&w->fake, "+8613800000009", "畜牧"));
	assert_int_equal(w->fake.refused, 2);
	assert_true(tu_query_int(w->db, "SELECT max(attempts) FROM messages WHERE direction = 'out'") >= 2);
	assert_int_equal(db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'", 0), 0);

	/* The bureau's figures. */
	if (run_cli(w, &out, "stats", NULL) != 0)
		fail_msg("stats failed: %s", out);
	assert_contains(out, "家禽");
	assert_contains(out, "已答复");
	assert_contains(out, "王专家");
	assert_contains(out, "鹅苗死亡很多怎么办");
	assert_contains(out, "100.0%");
	free(out);

	/* The provider is down when the gateway stops: what was pending goes out after the restart. */
	pthread_mutex_lock(&w->fake.lock);
	w->fake.fail_next = 1000000;
	w->fake.refused = 0;
	pthread_mutex_unlock(&w->fake.lock);
	assert_int_equal(post_form(w, "from=+8613800000010&text=羊咳嗽流鼻涕", &r), 200);
	json_decref(r);
	while (tu_query_int(w->db, "SELECT count(*) FROM messages WHERE recipient = '+8613800000010' AND"
	    " attempts > 0 AND status = 'queued'") == 0)
		sleep_ms(20);

	/* Ctrl-C stops it cleanly; started again, everything is there. */
	assert_int_equal(gateway_stop(w), 0);
	assert_contains(w->gw.log, "stopped");
	/* No log line carries a whole phone number. */
	if (strstr(w->gw.log, "13800000001") || strstr(w->gw.log, "13900000002"))
		fail_msg("a full phone number in the log:\n%s", w->gw.log);
	free(w->gw.log);
	w->gw.log = NULL;
	w->gw.log_len = 0;
	pthread_mutex_lock(&w->fake.lock);
	w->fake.fail_next = 0;
	pthread_mutex_unlock(&w->fake.lock);
	gateway_start(w);
	assert_int_equal(http(w, "GET", "/healthz", NULL, NULL, 0, NULL), 200);
	fake_wait(&w->fake, 12);
	assert_non_null(fake_find(&w->fake, "+8613800000010", "畜牧"));
	assert_int_equal(fake_count_to(&w->fake, "+8613800000010"), 1);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE status = 'answered'"),
	    2);
	assert_int_equal(db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status <> 'sent'", 0), 0);
	if (run_cli(w, &out, "stats", "--format", "json", NULL) != 0)
		fail_msg("stats failed: %s", out);
	r = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "total"),
	    "consultations")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "total"),
	    "answered")), 2);
	json_decref(r);
	assert_int_equal(gateway_stop(w), 0);
}

static void
test_bad_input_is_refused_with_reasons_and_nothing_valid_is_lost(void **state)
{
	struct world *w = *state;
	char *big, *reply, form[128];
	json_t *r;
	size_t i, n;

	assert_int_equal(run_cli(w, NULL, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL), 0);
	assert_int_equal(run_cli(w, NULL, "expert", "add", "--phone", EXPERT2, "--name", "李专家",
	    "--categories", "livestock", NULL), 0);
	gateway_start(w);

	assert_int_equal(post_form(w, "text=hello", &r), 400);
	assert_contains(json_string_value(json_object_get(r, "error")), "missing field: from");
	json_decref(r);
	assert_int_equal(post_form(w, "from=" FARMER, &r), 400);
	assert_contains(json_string_value(json_object_get(r, "error")), "missing field: text");
	json_decref(r);
	assert_int_equal(post_form(w, "from=" FARMER "&text=", &r), 400);
	assert_contains(json_string_value(json_object_get(r, "error")), "empty");
	json_decref(r);
	assert_int_equal(post_form(w, "from=12345&text=hi", &r), 400);
	assert_contains(json_string_value(json_object_get(r, "error")), "not a phone number");
	json_decref(r);
	assert_int_equal(post_form(w, "from=" FARMER "&text=%FF%FE%00", &r), 400);
	assert_contains(json_string_value(json_object_get(r, "error")), "UTF-8");
	json_decref(r);

	n = strlen("from=" FARMER "&text=");
	big = malloc(n + 2001 * 3 + 1);
	memcpy(big, "from=" FARMER "&text=", n);
	for (i = 0; i < 2001; i++)
		memcpy(big + n + i * 3, "鸡", 3);
	big[n + 2001 * 3] = '\0';
	assert_int_equal(post_form(w, big, &r), 400);
	assert_contains(json_string_value(json_object_get(r, "error")), "longer than 2000");
	json_decref(r);
	free(big);

	big = malloc(70 * 1024 + 1);
	memset(big, 'a', 70 * 1024);
	memcpy(big, "from=" FARMER "&text=", n);
	big[70 * 1024] = '\0';
	assert_int_equal(post_form(w, big, &r), 413);
	json_decref(r);
	free(big);

	assert_int_equal(http(w, "POST", "/sms/inbound", "text/plain", "hi", 2, NULL), 415);
	assert_int_equal(http(w, "GET", "/sms/inbound", NULL, NULL, 0, NULL), 405);
	assert_int_equal(http(w, "GET", "/nowhere", NULL, NULL, 0, &reply), 404);
	assert_contains(reply, "error");
	free(reply);
	assert_int_equal(http(w, "GET", "/healthz", NULL, NULL, 0, NULL), 200);

	/* An unknown ticket and someone else's ticket: 200 (stored), and the expert is told. */
	assert_int_equal(post_form(w, "from=" FARMER "&text=鹅苗死亡很多怎么办", &r), 200);
	json_decref(r);
	assert_int_equal(post_form(w, "from=" EXPERT "&text=#99999 答复", &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "rejected");
	json_decref(r);
	snprintf(form, sizeof(form), "from=" EXPERT2 "&text=#1 我来答");
	assert_int_equal(post_form(w, form, &r), 200);
	assert_string_equal(json_string_value(json_object_get(r, "action")), "rejected");
	json_decref(r);
	fake_wait(&w->fake, 4);
	assert_non_null(fake_find(&w->fake, EXPERT, "没有编号为99999的问题"));
	assert_non_null(fake_find(&w->fake, EXPERT2, "#1不是分配给您的问题"));
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM messages WHERE kind = 'answer'"), 0);

	/* Through all that, the valid question was kept and the gateway kept serving. */
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations"), 1);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM messages WHERE direction = 'in'"), 3);
	assert_int_equal(http(w, "GET", "/healthz", NULL, NULL, 0, NULL), 200);
	assert_int_equal(gateway_stop(w), 0);
}

static void
test_bad_config_stops_start_up_naming_file_line_and_key(void **state)
{
	struct world *w = *state;
	char *bad, *out;
	const char *bin = w->bin;
	int status, pipefd[2];
	char buf[1024];
	ssize_t n;
	pid_t pid;

	bad = tu_write_file(w->dir, "bad.conf", "[http]\nport = 8080\nthreads = 0\n");
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execl(bin, bin, "-c", bad, "serve", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	assert_contains(buf, "bad.conf:3: [http] threads: 0 out of range 1..64");
	free(bad);

	/* expert add with an unknown category says which ones exist. */
	assert_int_equal(run_cli(w, &out, "expert", "add", "--phone", EXPERT, "--name", "王",
	    "--categories", "chickens", NULL), 1);
	assert_contains(out, "unknown category \"chickens\"");
	assert_contains(out, "poultry");
	free(out);
}

/* Wait until the gateway's log holds needle. */
static int
log_wait(struct world *w, const char *needle)
{
	int64_t until = now_ms() + WAIT_MS;
	int found = 0;

	while (!found && now_ms() < until) {
		pthread_mutex_lock(&w->gw.lock);
		found = w->gw.log && strstr(w->gw.log, needle);
		pthread_mutex_unlock(&w->gw.lock);
		if (!found)
			sleep_ms(20);
	}
	return found;
}

static void
copy_file(const char *from, const char *to)
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

static void
test_rules_reload_on_sighup_and_a_bad_file_keeps_the_old_ones(void **state)
{
	struct world *w = *state;
	char *rules, conf[2048];
	json_t *r;
	FILE *fp;

	if (asprintf(&rules, "%s/categories.conf", w->dir) < 0)
		fail();
	copy_file("config/categories.conf", rules);
	snprintf(conf, sizeof(conf), "[store]\npath = %s\n[http]\nport = 0\n[routing]\nrules = %s\n"
	    "[provider]\ntype = http\nurl = http://127.0.0.1:%d/send\n", w->db, rules,
	    w->fake.port);
	free(w->conf);
	w->conf = tu_write_file(w->dir, "farmline.conf", conf);
	gateway_start(w);

	assert_int_equal(post_form(w, "from=+8613800000021&text=羊驼不吃草", &r), 200);
	json_decref(r);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE id = 1 AND"
	    " category = 'livestock'"), 1);

	/* The county adds a category and tells the gateway. */
	fp = fopen(rules, "a");
	fputs("\n[camelid]\nname = 羊驼\npattern = 10 羊驼|驼羊\n", fp);
	fclose(fp);
	kill(w->gw.pid, SIGHUP);
	assert_true(log_wait(w, "rules reloaded"));
	assert_int_equal(post_form(w, "from=+8613800000022&text=羊驼不吃草", &r), 200);
	json_decref(r);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE id = 2 AND"
	    " category = 'camelid' AND rule LIKE '%categories.conf:%'"), 1);

	/* A mistake in the file: refused, and the rules in use stay. */
	fp = fopen(rules, "a");
	fputs("\n[broken]\nname = 坏\npattern = 3 (unclosed\n", fp);
	fclose(fp);
	kill(w->gw.pid, SIGHUP);
	assert_true(log_wait(w, "rules not reloaded"));
	assert_true(log_wait(w, "missing closing parenthesis"));
	assert_int_equal(post_form(w, "from=+8613800000023&text=羊驼不吃草", &r), 200);
	json_decref(r);
	assert_int_equal(tu_query_int(w->db, "SELECT count(*) FROM consultations WHERE id = 3 AND"
	    " category = 'camelid'"), 1);
	assert_int_equal(gateway_stop(w), 0);
	free(rules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_question_answer_restart_story, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bad_input_is_refused_with_reasons_and_nothing_valid_is_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_stops_start_up_naming_file_line_and_key,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rules_reload_on_sighup_and_a_bad_file_keeps_the_old_ones, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("story", tests, NULL, NULL);
}
