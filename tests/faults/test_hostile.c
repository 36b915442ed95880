/*
 * Hostile HTTP, all in one attack, while a thread asks /healthz over a fresh connection every
 * few milliseconds and keeps the slowest answer: slow clients that never finish a request
 * (silent, half a header, half a body, and ones that trickle a byte now and then), 10 MB
 * bodies (announced, chunked, announced without waiting), 10,000 form fields and query
 * arguments, invalid UTF-8, NUL bytes, a 1,000-digit phone number, JSON nested 10,000 deep,
 * wrong content types, unknown paths and methods, broken HTTP; a request without its secret to
 * every webhook of every provider and to the bureau's API, and delivery reports naming our
 * sequential ids. Every invalid request gets a
 * 4xx and stores nothing; SQL injection, format strings and other awkward but valid text is
 * answered 200 and stored byte for byte, and the tables are intact; /healthz answers within
 * 100 ms throughout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/faults/faultlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_TIMEOUT_MS 1000	/* [http] connection_timeout */
#define HEALTH_MAX_MS 100
#define SLOW_WATCH_MS 7000	/* how long the slow clients are watched */
#define TRICKLE_MS 300		/* a trickling client sends a byte this often */
#define BIG (10 << 20)
#define EXPERT "+8613900000001"
#define LIT(s) s, sizeof(s) - 1	/* a literal and its length, NULs and all */
/* Every provider is on, each behind its own secret. */
#define KTOKEN "hostile-kannel-token-0123456789"
#define ATTOKEN "hostile-at-token-0123456789"
#define TENCENT "hostile-tencent-token-0123456789"
#define ALIYUN "hostile-aliyun-token-0123456789"
#define API_TOKEN "hostile-api-token-0123456789"
#define PROVIDERS "[kannel]\nusername = farmline\ntoken = " KTOKEN "\n" \
	"[africastalking]\nusername = sandbox\ntoken = " ATTOKEN "\n" \
	"[twilio]\nauth_token = hostile-twilio-auth-token\npublic_url = https://sms.example.org\n" \
	"[tencent]\ntoken = " TENCENT "\n[aliyun]\ntoken = " ALIYUN "\n" \
	"[bureau]\napi_token = " API_TOKEN "\n"

#define FORM_TYPE "application/x-www-form-urlencoded"

static struct fprov g_fp;
static struct world *g_w;
static int port;

/* ---- the slow clients ---- */

enum slow_kind { SLOW_SILENT, SLOW_HALF_HEADER, SLOW_HALF_BODY, SLOW_TRICKLE_HEADER,
    SLOW_TRICKLE_BODY, SLOW_KINDS };
static const char *const slow_names[SLOW_KINDS] = { "silent after connecting",
    "half a header", "half a body", "a header byte every 300 ms", "a body byte every 300 ms" };
static const int slow_counts[SLOW_KINDS] = { 20, 20, 20, 10, 10 };

struct slow {
	int fd;
	enum slow_kind kind;
	int64_t opened, closed;	/* closed: 0 while open */
	int64_t next_byte;
};

struct slow_set {
	struct slow *c;
	int n;
	pthread_t thread;
	int64_t until;
};

static int
dial(void)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void
send_str(int fd, const char *s)
{
	ssize_t ignored = send(fd, s, strlen(s), MSG_NOSIGNAL);

	(void)ignored;
}

static void *
slow_main(void *arg)
{
	struct slow_set *set = arg;
	struct pollfd pfd[128];
	int map[128], i, n;
	char buf[4096];

	while (h_now_ms() < set->until) {
		int64_t now = h_now_ms();

		n = 0;
		for (i = 0; i < set->n; i++) {
			struct slow *s = &set->c[i];

			if (s->closed)
				continue;
			if ((s->kind == SLOW_TRICKLE_HEADER || s->kind == SLOW_TRICKLE_BODY) &&
			    now >= s->next_byte) {
				if (send(s->fd, "a", 1, MSG_NOSIGNAL) != 1) {
					s->closed = now;
					continue;
				}
				s->next_byte = now + TRICKLE_MS;
			}
			pfd[n].fd = s->fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		if (n == 0)
			break;
		if (poll(pfd, (nfds_t)n, 20) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			struct slow *s = &set->c[map[i]];

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* An answer (408, say) may come first; the close is what counts. */
			if (recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0 &&
			    (errno != EAGAIN || (pfd[i].revents & (POLLHUP | POLLERR))))
				s->closed = h_now_ms();
		}
	}
	return NULL;
}

static void
slow_start(struct slow_set *set)
{
	int k, i, n = 0;

	for (k = 0; k < SLOW_KINDS; k++)
		n += slow_counts[k];
	set->c = calloc((size_t)n, sizeof(*set->c));
	for (k = 0; k < SLOW_KINDS; k++) {
		for (i = 0; i < slow_counts[k]; i++) {
			struct slow *s = &set->c[set->n++];

			s->kind = (enum slow_kind)k;
			s->fd = dial();
			assert_true(s->fd >= 0);
			s->opened = h_now_ms();
			s->next_byte = s->opened + TRICKLE_MS;
			switch (s->kind) {
			case SLOW_HALF_HEADER:
				send_str(s->fd, "POST /sms/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "Content-");
				break;
			case SLOW_HALF_BODY:
				send_str(s->fd, "POST /sms/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "Content-Type: application/x-www-form-urlencoded\r\n"
				    "Content-Length: 100\r\n\r\nfrom=%2B86");
				break;
			case SLOW_TRICKLE_HEADER:
				send_str(s->fd, "POST /sms/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "X-Slow: ");
				break;
			case SLOW_TRICKLE_BODY:
				send_str(s->fd, "POST /sms/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "Content-Type: application/x-www-form-urlencoded\r\n"
				    "Content-Length: 50000\r\n\r\ntext=");
				break;
			default:
				break;
			}
		}
	}
	set->until = h_now_ms() + SLOW_WATCH_MS;
	pthread_create(&set->thread, NULL, slow_main, set);
}

/* ---- requests and what they got ---- */

struct tally {
	int invalid, invalid_4xx, valid, valid_ok, roundtrip_ok;
	int failures, noted;
};

static struct tally t;
static int informational;	/* a limit of libmicrohttpd's: noted, not failed */

static void
failure(const char *fmt, ...)
{
	va_list ap;

	printf(informational ? "  NOTE (libmicrohttpd) " : "  FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (informational)
		t.noted++;
	else
		t.failures++;
}

/* An invalid request through libcurl: any 4xx, or exactly want. */
static void
bad(const char *name, const char *method, const char *path, const char *const *headers,
    const char *ctype, const void *body, size_t len, long want)
{
	char *reply = NULL;
	CURLcode cc;
	double ms;
	long status = fl_request(NULL, port, method, path, headers, ctype, body, len, &reply, &ms,
	    &cc);

	t.invalid++;
	if (status >= 400 && status < 500 && (want == 0 || status == want)) {
		t.invalid_4xx++;
	} else if (status == 0) {
		failure("%s: no answer (%s after %.0f ms; want %s%ld)", name,
		    curl_easy_strerror(cc), ms, want ? "" : "a 4xx, such as ", want ? want : 400L);
	} else {
		failure("%s: answered %ld (want %s%ld) %.200s", name, status,
		    want ? "" : "a 4xx, such as ", want ? want : 400L, reply ? reply : "");
	}
	free(reply);
}

/* Read an HTTP status line from fd within ms: the status, 0 if closed first, -1 on timeout. */
static long
read_status(int fd, int ms)
{
	char buf[256];
	size_t have = 0;
	int64_t until = h_now_ms() + ms;
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	while (have < sizeof(buf) - 1) {
		int left = (int)(until - h_now_ms());

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (n <= 0)
			return 0;
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n") && strncmp(buf, "HTTP/1.", 7) == 0 && have > 12)
			return strtol(buf + 9, NULL, 10);
	}
	return 0;
}

/* An invalid request written on the wire as it is. */
static void
bad_raw(const char *name, const char *bytes, size_t len, long want)
{
	int fd = dial();
	long status;

	t.invalid++;
	if (fd < 0) {
		failure("%s: cannot connect", name);
		return;
	}
	if (send(fd, bytes, len, MSG_NOSIGNAL) != (ssize_t)len) {
		/* The server may close early; what it answered is what counts. */
	}
	status = read_status(fd, 5000);
	close(fd);
	if (status >= 400 && status < 500 && (want == 0 || status == want))
		t.invalid_4xx++;
	else
		failure("%s: %s%ld (want %s%ld)", name, status == 0 ? "closed without an answer, " :
		    status < 0 ? "no answer in 5 s, " : "answered ", status, want ? "" :
		    "a 4xx, such as ", want ? want : 400L);
}

static int farmer_seq;

/* A valid question, as a form or as JSON; it must be stored exactly as sent. */
static void
good(const char *name, const char *text, size_t len, int as_json, const char *id)
{
	char phone[32], *body, *reply = NULL, *stored, *question;
	size_t blen;
	long status;

	snprintf(phone, sizeof(phone), "+86135%08d", ++farmer_seq);	/* none of the bad ones */
	if (as_json) {
		json_t *o = json_pack("{s:s, s:s%, s:s}", "from", phone, "text", text, len, "id",
		    id);

		body = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	} else {
		char *etext = fl_form_escape(text, len), *eid = fl_form_escape(id, strlen(id));

		if (asprintf(&body, "from=%%2B%s&text=%s&id=%s", phone + 1, etext, eid) < 0)
			abort();
		free(etext);
		free(eid);
	}
	blen = strlen(body);
	status = fl_request(NULL, port, "POST", "/sms/inbound", NULL, as_json ? "application/json" :
	    "application/x-www-form-urlencoded", body, blen, &reply, NULL, NULL);
	free(body);
	t.valid++;
	if (status != 200) {
		failure("%s: answered %ld, want 200: %.200s", name, status, reply ? reply : "");
		free(reply);
		return;
	}
	free(reply);
	t.valid_ok++;
	stored = fl_qs(g_w->db, "SELECT body FROM messages WHERE direction = 'in' AND"
	    " provider_id = %Q", id);
	question = fl_qs(g_w->db, "SELECT c.question FROM consultations c JOIN messages m ON"
	    " m.consultation_id = c.id WHERE m.direction = 'in' AND m.provider_id = %Q", id);
	if (stored == NULL || strlen(stored) != len || memcmp(stored, text, len) != 0)
		failure("%s: stored as \"%s\", sent \"%.*s\"", name, stored ? stored : "(nothing)",
		    (int)len, text);
	else if (question == NULL || strcmp(question, stored) != 0)
		failure("%s: the consultation's question is \"%s\"", name,
		    question ? question : "(none)");
	else
		t.roundtrip_ok++;
	free(stored);
	free(question);
}

/* ---- big bodies ---- */

struct reader {
	size_t left;
};

static size_t
read_zeros(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb;

	if (n > r->left)
		n = r->left;
	memset(buf, 'a', n);
	r->left -= n;
	return n;
}

static size_t
discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

/* 10 MB with no length given: chunked. */
static void
bad_chunked(const char *name)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct reader r = { BIG };
	char url[128];
	long status = 0;
	CURLcode cc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms/inbound", port);
	h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded");
	h = curl_slist_append(h, "Transfer-Encoding: chunked");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_zeros);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	t.invalid++;
	if (status == 413)
		t.invalid_4xx++;
	else
		failure("%s: %ld %s (want 413)", name, status, cc ? curl_easy_strerror(cc) : "");
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static char *
repeat(const char *unit, int times, const char *prefix, const char *suffix, size_t *len)
{
	size_t u = strlen(unit), p = strlen(prefix), s = strlen(suffix);
	char *out = malloc(p + u * (size_t)times + s + 1), *o = out;
	int i;

	memcpy(o, prefix, p);
	o += p;
	for (i = 0; i < times; i++, o += u)
		memcpy(o, unit, u);
	memcpy(o, suffix, s + 1);
	*len = p + u * (size_t)times + s;
	return out;
}

/*
 * Without its secret, no door that can act for a person (ask, answer as an expert, rate,
 * subscribe), make the gateway send, or change a row (a delivery report, a USSD step)
 * takes anything: every webhook of every provider, and the bureau's API. A stranger's
 * "answer" in an expert's name is the request each of them carries.
 */
static void
doors_without_their_secret(void)
{
	static const char *const no_auth[] = { "Authorization:", NULL };
	static const char *const wrong[] = { "Authorization: Bearer "
	    "test-inbound-token-5f0c2a9X", NULL };
	static const char *const prefix[] = { "Authorization: Bearer "
	    "test-inbound-token-5f0c2a9", NULL };
	static const char *const basic[] = { "Authorization: Basic " H_INBOUND_TOKEN, NULL };
	static const char *const api_with_inbound[] = { H_AUTH_HEADER, NULL };
	static const char *const twilio_bad[] = { "X-Twilio-Signature: "
	    "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", NULL };
	static const char answer[] = "from=%2B8613900000001&text=1+%E8%AF%B7%E8%BD%AC%E8%B4%A6";
	static const char at_sms[] = "from=%2B8613900000001&to=10690000&text=1+hi&id=ATX1";
	static const char ussd[] = "sessionId=h1&serviceCode=%2A384%23"
	    "&phoneNumber=%2B8613700000001&text=2";
	static const char twilio[] = "Body=1+hi&From=%2B8613900000001"
	    "&MessageSid=SM0123456789abcdef0123456789abcdef";
	static const char tencent[] = "{\"mobile\":\"13900000001\",\"nationcode\":\"86\","
	    "\"text\":\"1 hi\",\"time\":1520000000}";
	static const char aliyun[] = "[{\"phone_number\":\"13900000001\",\"content\":\"1 hi\","
	    "\"sequence_id\":1}]";
	static const struct {
		const char *name, *method, *path;
		const char *const *headers;
		const char *ctype, *body;
		long want;
	} doors[] = {
		{ "generic, no token", "POST", "/sms/inbound", no_auth, FORM_TYPE, answer, 401 },
		{ "generic, a wrong token", "POST", "/sms/inbound", wrong, FORM_TYPE, answer,
		    403 },
		{ "generic, the token cut short", "POST", "/sms/inbound", prefix, FORM_TYPE,
		    answer, 403 },
		{ "generic, the token as Basic", "POST", "/sms/inbound", basic, FORM_TYPE, answer,
		    401 },
		{ "generic, a wrong token in the path", "POST",
		    "/sms/inbound/test-inbound-token-5f0c2a9X", no_auth, FORM_TYPE, answer, 403 },
		{ "generic, the token in the query", "POST",
		    "/sms/inbound?token=" H_INBOUND_TOKEN, no_auth, FORM_TYPE, answer, 401 },
		{ "generic /sms/http, no token", "POST", "/sms/http", no_auth, FORM_TYPE, answer,
		    401 },
		{ "generic report, no token", "POST", "/dlr/http", no_auth, FORM_TYPE,
		    "id=1&status=delivered", 401 },
		{ "generic report, a wrong token", "POST", "/dlr/http", wrong, FORM_TYPE,
		    "ref=1&status=failed", 403 },
		{ "Kannel, no token", "GET", "/sms/kannel?from=%2B8613900000001&text=1+hi&id=k1",
		    NULL, NULL, NULL, 403 },
		{ "Kannel, a wrong token", "GET", "/sms/kannel/hostile-kannel-token-012345678X"
		    "?from=%2B8613900000001&text=1+hi&id=k2", NULL, NULL, NULL, 403 },
		{ "Kannel report, no token", "GET",
		    "/dlr/kannel?ref=0123456789abcdef0123456789abcdef&status=2", NULL, NULL, NULL,
		    403 },
		{ "Africa's Talking, no token", "POST", "/sms/africastalking", NULL, FORM_TYPE,
		    at_sms, 403 },
		{ "Africa's Talking report, no token", "POST", "/dlr/africastalking", NULL,
		    FORM_TYPE, "id=ATX1&status=Failed", 403 },
		{ "USSD, no token (reads a farmer's answers)", "POST", "/ussd/africastalking",
		    NULL, FORM_TYPE, ussd, 403 },
		{ "USSD, a wrong token", "POST", "/ussd/africastalking/hostile-at-token-X", NULL,
		    FORM_TYPE, ussd, 403 },
		{ "Twilio, unsigned", "POST", "/sms/twilio", NULL, FORM_TYPE, twilio, 403 },
		{ "Twilio, signed by someone else", "POST", "/sms/twilio", twilio_bad, FORM_TYPE,
		    twilio, 403 },
		{ "Twilio report, unsigned", "POST", "/dlr/twilio", NULL, FORM_TYPE,
		    "MessageSid=SM1&MessageStatus=failed", 403 },
		{ "Tencent, no token", "POST", "/sms/tencent", NULL, "application/json", tencent,
		    403 },
		{ "Aliyun, a wrong token", "POST", "/sms/aliyun/hostile-aliyun-token-X", NULL,
		    "application/json", aliyun, 403 },
		{ "bureau API, no token", "GET", "/api/consultations", NULL, NULL, NULL, 401 },
		{ "bureau API, the webhook token", "GET", "/api/stats", api_with_inbound, NULL,
		    NULL, 401 },
		{ "metrics, no token", "GET", "/metrics", NULL, NULL, NULL, 401 },
	};
	int before = t.invalid_4xx, n = (int)(sizeof(doors) / sizeof(doors[0])), k;

	for (k = 0; k < n; k++)
		bad(doors[k].name, doors[k].method, doors[k].path, doors[k].headers,
		    doors[k].ctype, doors[k].body, doors[k].body ? strlen(doors[k].body) : 0,
		    doors[k].want);
	printf("hostile: %d requests without their secret, one to each door that acts: %d "
	    "refused with the status expected\n", n, t.invalid_4xx - before);
	if (fl_q(g_w->db, "SELECT count(*) FROM ussd_steps") != 0)
		failure("a USSD step without the token was stored");
}

static int
setup(void **state)
{
	char *out;

	(void)state;
	memset(&g_fp, 0, sizeof(g_fp));
	if (fp_start(&g_fp, 0) != 0)
		return -1;
	g_w = fl_world_new("hostile", g_fp.port, 0,
	    "[http]\nconnection_timeout = 1s\nthreads = 2\nmax_body = 64k\n"
	    "[consult]\nloop_limit = 1000\n" PROVIDERS);
	fl_watchdog(100, g_w);
	if (h_run_cli(g_w, &out, "expert", "add", "--phone", EXPERT, "--name", "王专家",
	    "--categories", "poultry", NULL) != 0)
		return -1;
	free(out);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fl_world_free(g_w);
	fp_free(&g_fp);
	return 0;
}

static void
test_hostile_requests_get_4xx_valid_text_round_trips_health_stays_fast(void **state)
{
	static const char *const no_ctype[] = { "Content-Type:", NULL };
	static const char *const no_expect[] = { "Expect:", NULL };
	struct fl_monitor mon;
	struct slow_set slow;
	int64_t t0 = h_now_ms();
	long long tables, in_before, in_after;
	size_t len;
	char *body, *text, id[32];
	int i, k;

	(void)state;
	h_gateway_restart(g_w);
	port = g_w->gw.port;
	tables = fl_q(g_w->db, "SELECT count(*) FROM sqlite_master");
	fl_monitor_start(&mon, port, 5);
	memset(&slow, 0, sizeof(slow));
	slow_start(&slow);
	in_before = fl_q(g_w->db, "SELECT count(*) FROM messages WHERE direction = 'in'");

	/* Bodies of 10 MB: announced (curl waits for 100-continue), announced without waiting
	 * (the headers alone), and chunked with no length. */
	body = malloc(BIG);
	memset(body, 'a', BIG);
	memcpy(body, "from=%2B8613700000001&text=", 27);
	bad("10 MB body", "POST", "/sms/inbound", NULL, "application/x-www-form-urlencoded", body,
	    BIG, 413);
	bad("10 MB JSON body", "POST", "/sms/inbound", NULL, "application/json", body, BIG, 413);
	free(body);
	bad_raw("10 MB announced, body not sent", "POST /sms/inbound HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10485760\r\n\r\n",
	    strlen("POST /sms/inbound HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10485760\r\n\r\n"),
	    413);
	bad_chunked("10 MB chunked");
	body = malloc(70000);
	memset(body, 'a', 70000);
	bad("70 kB body, no Expect", "POST", "/sms/inbound", no_expect,
	    "application/x-www-form-urlencoded", body, 70000, 413);
	free(body);

	/* 10,000 form fields; 10,000 query arguments; a 100 kB URL; 1,000 headers. */
	body = repeat("a=&", 10000, "from=%2B8613700000002&text=hello&", "", &len);
	bad("10,000 form fields", "POST", "/sms/inbound", NULL,
	    "application/x-www-form-urlencoded", body, len, 400);
	free(body);
	body = repeat("a", 100000, "/sms/inbound?", "", &len);
	bad("100 kB URL", "POST", body, NULL, "application/x-www-form-urlencoded",
	    LIT("from=%2B8613700000004&text=hello"), 0);
	free(body);
	{
		const char **many = calloc(1001, sizeof(*many));
		char (*lines)[32] = calloc(1000, 32);

		for (i = 0; i < 1000; i++) {
			snprintf(lines[i], 32, "X-H%d: v", i);
			many[i] = lines[i];
		}
		bad("1,000 headers", "POST", "/sms/inbound", many,
		    "application/x-www-form-urlencoded", LIT("from=%2B8613700000005&text=hello"),
		    0);
		free(many);
		free(lines);
	}
	body = repeat("a", 100000, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: ", "\r\n\r\n",
	    &len);
	bad_raw("100 kB header line", body, len, 0);
	free(body);

	/* Invalid UTF-8 and NUL bytes, in each field. */
	{
		static const struct { const char *name, *form; } forms[] = {
			{ "text not UTF-8 (FF FE)", "from=%2B8613700000006&text=%FF%FEabc" },
			{ "text overlong UTF-8 (C0 AF)", "from=%2B8613700000006&text=%C0%AF" },
			{ "text a UTF-16 surrogate (ED A0 80)",
			    "from=%2B8613700000006&text=%ED%A0%80" },
			{ "text cut inside a character (E9 B8)",
			    "from=%2B8613700000006&text=abc%E9%B8" },
			{ "text beyond U+10FFFF (F4 90 80 80)",
			    "from=%2B8613700000006&text=%F4%90%80%80" },
			{ "from not UTF-8", "from=%2B86137%FF0000006&text=hello" },
			{ "id not UTF-8", "from=%2B8613700000006&text=hello&id=%FF%FE" },
			{ "text with a NUL", "from=%2B8613700000006&text=a%00b" },
			{ "from with a NUL", "from=%2B8613700000006%00&text=hello" },
			{ "id with a NUL", "from=%2B8613700000006&text=hello&id=a%00b" },
			{ "to with a NUL", "from=%2B8613700000009&to=10690000%00x&text=hello" },
			{ "field name with a NUL", "from=%2B8613700000006&text%00=hello" },
			{ "field name with a NUL, shadowing text",
			    "from=%2B8613700000006&text%00x=hi&text=hello&text%00=x" },
			{ "a 1,000-digit phone number", NULL },
			{ "a 1,000-digit to", NULL },
			{ "from a plus alone", "from=%2B&text=hello" },
			{ "from with letters", "from=%2B86138abcd0001&text=hello" },
			{ "from 16 digits", "from=%2B8613800000001234&text=hello" },
			{ "no text", "from=%2B8613700000006" },
			{ "empty text", "from=%2B8613700000006&text=" },
			{ "blank text", "from=%2B8613700000006&text=+%E3%80%80+" },
			{ "no from", "text=hello" },
			{ "text twice", "from=%2B8613700000006&text=a&text=b" },
			{ "id 129 characters", NULL },
			{ "text of 2,001 characters", NULL },
			{ "an empty body", "" },
			{ "not a form at all", "{{{{{{" },
		};

		for (k = 0; k < (int)(sizeof(forms) / sizeof(forms[0])); k++) {
			const char *form = forms[k].form;
			char *made = NULL;

			const char *name = forms[k].name;

			if (form == NULL && strcmp(name, "a 1,000-digit phone number") == 0) {
				made = repeat("1", 1000, "from=%2B", "&text=hello", &len);
			} else if (form == NULL && strcmp(name, "a 1,000-digit to") == 0) {
				made = repeat("1", 1000, "from=%2B8613700000006&to=", "&text=hello",
				    &len);
			} else if (form == NULL && strcmp(name, "id 129 characters") == 0) {
				made = repeat("x", 129, "from=%2B8613700000006&text=hello&id=", "",
				    &len);
			} else if (form == NULL) {
				made = repeat("鸡", 2001, "from=%2B8613700000006&text=", "", &len);
			}
			if (made)
				form = made;
			bad(forms[k].name, "POST", "/sms/inbound", NULL,
			    "application/x-www-form-urlencoded", form, strlen(form), 400);
			free(made);
		}
	}
	bad("a raw NUL byte in the form", "POST", "/sms/inbound", NULL,
	    "application/x-www-form-urlencoded", LIT("from=%2B8613700000006&text=a\0b"), 400);
	bad("raw bytes not UTF-8 in JSON", "POST", "/sms/inbound", NULL, "application/json",
	    LIT("{\"from\":\"+8613700000006\",\"text\":\"\xff\xfe\"}"), 400);
	bad("JSON \\u0000 in text", "POST", "/sms/inbound", NULL, "application/json",
	    LIT("{\"from\":\"+8613700000006\",\"text\":\"a\\u0000b\"}"), 400);
	bad("JSON lone surrogate \\ud800", "POST", "/sms/inbound", NULL, "application/json",
	    LIT("{\"from\":\"+8613700000006\",\"text\":\"\\ud800\"}"), 400);
	bad("JSON from as a number", "POST", "/sms/inbound", NULL, "application/json",
	    LIT("{\"from\":8613700000006,\"text\":\"hello\"}"), 400);
	bad("JSON text as an object", "POST", "/sms/inbound", NULL, "application/json",
	    LIT("{\"from\":\"+8613700000006\",\"text\":{\"a\":1}}"), 400);
	bad("JSON duplicate key", "POST", "/sms/inbound", NULL, "application/json",
	    LIT("{\"from\":\"+8613700000006\",\"text\":\"a\",\"text\":\"b\"}"), 400);
	bad("JSON cut short", "POST", "/sms/inbound", NULL, "application/json",
	    LIT("{\"from\":\"+8613700000006\",\"text\":\"a"), 400);
	bad("JSON top-level array", "POST", "/sms/inbound", NULL, "application/json", LIT("[1,2]"),
	    400);

	/* JSON nested 10,000 deep: as the body, and inside an ignored field. */
	body = repeat("[", 10000, "", "", &len);
	bad("JSON arrays nested 10,000 deep", "POST", "/sms/inbound", NULL, "application/json",
	    body, len, 400);
	free(body);
	{
		size_t a, b;
		char *open = repeat("{\"a\":", 10000,
		    "{\"from\":\"+8613700000006\",\"text\":\"hi\",\"x\":", "", &a);
		char *close = repeat("}", 10001, "1", "", &b);

		body = malloc(a + b + 1);
		memcpy(body, open, a);
		memcpy(body + a, close, b + 1);
		bad("JSON objects nested 10,000 deep in a field", "POST", "/sms/inbound", NULL,
		    "application/json", body, a + b, 400);
		free(open);
		free(close);
		free(body);
	}

	/* Wrong content types. */
	bad("text/plain", "POST", "/sms/inbound", NULL, "text/plain",
	    LIT("from=%2B8613700000006&text=hello"), 415);
	bad("multipart/form-data", "POST", "/sms/inbound", NULL,
	    "multipart/form-data; boundary=x", LIT("--x\r\nContent-Disposition: form-data; "
	    "name=\"text\"\r\n\r\nhello\r\n--x--\r\n"), 415);
	bad("no content type", "POST", "/sms/inbound", no_ctype, NULL,
	    LIT("from=%2B8613700000006&text=hello"), 415);
	bad("application/xml", "POST", "/sms/inbound", NULL, "application/xml",
	    LIT("<sms><from>+8613700000006</from></sms>"), 415);
	bad("application/jsonp", "POST", "/sms/inbound", NULL, "application/jsonp",
	    LIT("{\"from\":\"+8613700000006\",\"text\":\"hello\"}"), 415);
	bad("JSON declared, a form sent", "POST", "/sms/inbound", NULL, "application/json",
	    LIT("from=%2B8613700000006&text=hello"), 400);
	bad("a form declared, JSON sent", "POST", "/sms/inbound", NULL,
	    "application/x-www-form-urlencoded",
	    LIT("{\"from\":\"+8613700000006\",\"text\":\"hello\"}"), 400);

	/* Unknown paths and methods. */
	{
		static const char *const paths[] = { "/", "/nope", "/sms", "/sms/",
		    "/sms/inbound/x", "/sms/nope", "/dlr/nope", "/ussd/http", "/../../etc/passwd",
		    "/%2e%2e/etc/passwd", "/healthz/x", "/sms/inbound%00", "/SMS/INBOUND",
		    "/api/stats", "/metrics" };
		static const char *const methods[] = { "GET", "PUT", "DELETE", "PATCH", "OPTIONS",
		    "TRACE", "BREW", "CONNECT" };

		for (k = 0; k < (int)(sizeof(paths) / sizeof(paths[0])); k++)
			bad(paths[k], "POST", paths[k], NULL, "application/x-www-form-urlencoded",
			    LIT("from=%2B8613700000006&text=hello"), 0);
		for (k = 0; k < (int)(sizeof(methods) / sizeof(methods[0])); k++) {
			char name[64];

			snprintf(name, sizeof(name), "%s /sms/inbound", methods[k]);
			bad(name, methods[k], "/sms/inbound", NULL,
			    "application/x-www-form-urlencoded",
			    LIT("from=%2B8613700000006&text=hello"), 0);
		}
		bad("POST /healthz", "POST", "/healthz", NULL, "application/json", LIT("{}"), 405);
		bad("DELETE /healthz", "DELETE", "/healthz", NULL, NULL, NULL, 0, 405);
	}

	/* Broken HTTP on the wire. */
	{
		static const struct { const char *name; const char *req; size_t len; long want; }
		    raw[] = {
			{ "a request line of garbage", LIT("HELLO THERE\r\n\r\n"), 0 },
			{ "a negative Content-Length",
			    LIT("POST /sms/inbound HTTP/1.1\r\nHost: x\r\n"
			    "Content-Length: -1\r\n\r\n"), 0 },
			{ "a Content-Length of letters",
			    LIT("POST /sms/inbound HTTP/1.1\r\nHost: x\r\n"
			    "Content-Length: abc\r\n\r\n"), 0 },
			{ "two different Content-Lengths",
			    LIT("POST /sms/inbound HTTP/1.1\r\nHost: x\r\n"
			    "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), 0 },
			{ "a header without a colon",
			    LIT("GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"), 0 },
		};

		for (k = 0; k < (int)(sizeof(raw) / sizeof(raw[0])); k++)
			bad_raw(raw[k].name, raw[k].req, raw[k].len, raw[k].want);
	}

	/* An HTTP version nobody speaks: HTTP's own answer is 505, not a 4xx. */
	{
		int fd = dial();
		long status;

		assert_true(fd >= 0);
		send_str(fd, "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n");
		status = read_status(fd, 5000);
		close(fd);
		t.invalid++;
		if (status == 505)
			t.invalid_4xx++;
		else
			failure("HTTP/9.9: %ld (want 505)", status);
	}

	doors_without_their_secret();

	/* Nothing invalid was stored. */
	in_after = fl_q(g_w->db, "SELECT count(*) FROM messages WHERE direction = 'in'");
	if (in_after != in_before)
		failure("%lld messages stored from invalid requests", in_after - in_before);

	/*
	 * What libmicrohttpd 0.9.75 (Debian bookworm) decides before farmline sees the request:
	 * it ends the request line and a header value at a raw NUL byte (the rest is dropped,
	 * value_size included), and when 10,000 query arguments overflow a connection's memory
	 * pool it logs a 431 it never sends and leaves the client waiting. Noted, not failed.
	 */
	informational = 1;
	body = repeat("&a", 10000, "/sms/inbound?x", "", &len);
	bad("10,000 query arguments", "POST", body, NULL, "application/x-www-form-urlencoded",
	    LIT("from=%2B8613700000003&text=hello"), 0);
	free(body);
	bad_raw("a NUL in the request line of a webhook",
	    LIT("POST /sms/inbound\0junk HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 32\r\n"
	    "\r\nfrom=%2B8613700000007&text=hello"), 0);
	bad_raw("a NUL in a webhook's Content-Type",
	    LIT("POST /sms/inbound HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/x-www-form-urlencoded\0junk\r\n"
	    "Content-Length: 32\r\n\r\nfrom=%2B8613700000008&text=hello"), 0);
	informational = 0;

	/* Valid, however awkward: stored exactly as sent, as a form and as JSON. */
	{
		static const char *const texts[] = {
			"'; DROP TABLE messages; --",
			"Robert'); DROP TABLE farmers;--",
			"1' OR '1'='1",
			"\" OR \"\"=\"",
			"%s%s%n%x%p%d %08x %.9999s %n",
			"{{.}} ${jndi:ldap://x} $(rm -rf /) `id`",
			"鸡瘟怎么办🐔🐣",
			"雞瘟怎麼辦",
			"第一行\n第二行\t制表\r回车",
			"\\ \\\\ \\n \\u0000 %00 &amp; <script>alert(1)</script>",
			"\xe2\x80\xae\xe2\x80\x8d\xef\xbb\xbf\xf4\x8f\xbf\xbf",
			"a+b=c&d=e%20f",
		};
		for (k = 0; k < (int)(sizeof(texts) / sizeof(texts[0])); k++) {
			snprintf(id, sizeof(id), "hostile-f%d", k);
			good(texts[k], texts[k], strlen(texts[k]), 0, id);
			snprintf(id, sizeof(id), "hostile-j%d", k);
			good(texts[k], texts[k], strlen(texts[k]), 1, id);
		}
		text = repeat("鸡", 2000, "", "", &len);
		good("2,000 characters", text, len, 0, "hostile-long");
		free(text);
		/* An id is 1 to 128 printable ASCII characters, no spaces. */
		good("SQL in the id", "鸡瘟", strlen("鸡瘟"), 0, "1'OR'1'='1");
		good("SQL in the id, JSON", "鸭瘟", strlen("鸭瘟"), 1,
		    "';DROP/**/TABLE/**/messages;--");
	}

	/*
	 * F3: even with the token, a delivery report cannot name a message by our sequential id:
	 * one for every outbound row, "delivered" and "failed", changes none of them.
	 */
	{
		long long nout, row, reported;
		char form[96];
		int forged = 0;

		h_db_wait(g_w, "SELECT count(*) FROM messages WHERE direction = 'out' AND status"
		    " IN ('queued', 'sending')", 0);
		nout = fl_q(g_w->db, "SELECT max(id) FROM messages");
		for (row = 1; row <= nout; row++) {
			snprintf(form, sizeof(form), "id=%lld&status=%s", row,
			    row % 2 ? "delivered" : "failed");
			forged += fl_request(NULL, port, "POST", "/dlr/http", NULL, FORM_TYPE, form,
			    strlen(form), NULL, NULL, NULL) == 200;
			snprintf(form, sizeof(form), "ref=%lld&status=delivered", row);
			forged += fl_request(NULL, port, "POST", "/dlr/http", NULL, FORM_TYPE, form,
			    strlen(form), NULL, NULL, NULL) == 200;
		}
		reported = fl_q(g_w->db, "SELECT count(*) FROM messages WHERE report_at IS NOT NULL"
		    " OR status IN ('delivered', 'failed')");
		printf("hostile: %d reports naming our sequential ids (%lld rows), acknowledged;"
		    " rows they changed: %lld\n", forged, nout, reported);
		if (reported != 0)
			failure("%lld outbound rows changed by reports naming sequential ids",
			    reported);
	}

	/* Wait for the slow clients' fate, then how /healthz fared. */
	pthread_join(slow.thread, NULL);
	fl_monitor_stop(&mon);
	for (k = 0; k < SLOW_KINDS; k++) {
		int n = 0, cut = 0;
		int64_t longest = 0;

		for (i = 0; i < slow.n; i++) {
			struct slow *s = &slow.c[i];

			if (s->kind != (enum slow_kind)k)
				continue;
			n++;
			if (s->closed) {
				cut++;
				if (s->closed - s->opened > longest)
					longest = s->closed - s->opened;
			}
		}
		if (cut)
			printf("hostile: slow clients, %s: %d of %d cut, the last after %lld ms\n",
			    slow_names[k], cut, n, (long long)longest);
		else
			printf("hostile: slow clients, %s: none of %d cut in %d ms\n",
			    slow_names[k], n, SLOW_WATCH_MS);
		t.invalid += n;
		/* connection_timeout, with a second's grace (libmicrohttpd counts whole seconds) */
		if (cut == n && longest <= CONN_TIMEOUT_MS + 1500)
			t.invalid_4xx += n;
		else
			failure("slow clients, %s: %d of %d cut within %d ms (watched %d ms)",
			    slow_names[k], cut, n, CONN_TIMEOUT_MS + 1500, SLOW_WATCH_MS);
	}
	for (i = 0; i < slow.n; i++)
		close(slow.c[i].fd);
	free(slow.c);

	printf("hostile: %d invalid requests, %d refused with a 4xx (or cut off, for the slow"
	    " clients), %d left to libmicrohttpd; nothing of them stored: %s\n", t.invalid,
	    t.invalid_4xx, t.noted, in_after == in_before ? "yes" : "no");
	printf("hostile: %d valid requests, %d answered 200, %d stored byte for byte\n", t.valid,
	    t.valid_ok, t.roundtrip_ok);
	printf("hostile: /healthz asked %d times during the attack: %d not 200, %d unanswered;"
	    " slowest %.0f ms, mean %.1f ms\n", mon.asked, mon.not_ok, mon.no_answer, mon.max_ms,
	    mon.asked ? mon.sum_ms / mon.asked : 0.0);

	/* The tables are all there, the database intact, the gateway alive. */
	{
		char *ok = fl_qs(g_w->db, "PRAGMA integrity_check");
		long long now_tables = fl_q(g_w->db, "SELECT count(*) FROM sqlite_master");

		printf("hostile: schema objects %lld before, %lld after; integrity_check: %s;"
		    " %.1f s in all\n", tables, now_tables, ok ? ok : "(none)",
		    (double)(h_now_ms() - t0) / 1000.0);
		assert_int_equal(now_tables, tables);
		assert_string_equal(ok, "ok");
		free(ok);
	}
	assert_int_equal(fl_request(NULL, port, "GET", "/healthz", NULL, NULL, NULL, 0, NULL, NULL,
	    NULL), 200);
	assert_int_equal(h_gateway_stop(g_w), 0);
	{
		char *log = h_gateway_log(g_w);

		printf("hostile: log lines holding 11 or more digits in a row: %d\n",
		    fl_grep_numbers(log, "hostile"));
		free(log);
	}
	assert_int_equal(t.failures, 0);
	assert_int_equal(t.valid_ok, t.valid);
	assert_int_equal(t.roundtrip_ok, t.valid);
	assert_int_equal(mon.not_ok + mon.no_answer, 0);
	assert_true(mon.asked > 50);
	assert_true(mon.max_ms < HEALTH_MAX_MS);
}

/*
 * F4: the provider took a message and its delivery report came back while farmline's request
 * was still waiting for the provider's answer, which then timed out. The late "try again"
 * must not undo the report: the message stays delivered and is not sent a second time.
 */
static void
test_a_report_before_a_timed_out_send_stays_and_nothing_goes_twice(void **state)
{
	struct fprov fp;
	struct world *w;
	char *ref, form[128], *reply = NULL;
	long status;
	int hits;

	(void)state;
	memset(&fp, 0, sizeof(fp));
	assert_int_equal(fp_start(&fp, 0), 0);
	fp.slow_ms = 4000;
	fp_set_mode(&fp, FP_SLOW);
	w = fl_world_new("late-outcome", fp.port, 0, "[provider]\ntimeout = 1s\n"
	    "[sender]\nretry_base = 200ms\nretry_max = 400ms\npoll_interval = 50ms\n");
	fl_watchdog(60, w);
	h_gateway_restart(w);
	assert_int_equal(fl_post_form(NULL, w->gw.port, "from=%2B8613700000042&text=%E9%B8%A1%E7%98"
	    "%9F%E6%80%8E%E4%B9%88%E5%8A%9E", NULL), 200);
	/* The acknowledgement is with the provider, which has not answered yet. */
	assert_int_equal(h_db_wait(w, "SELECT count(*) FROM messages WHERE direction = 'out' AND"
	    " status = 'sending'", 1), 1);
	ref = fl_qs(w->db, "SELECT report_ref FROM messages WHERE direction = 'out' AND status ="
	    " 'sending'");
	assert_non_null(ref);
	assert_int_equal(strlen(ref), 32);
	snprintf(form, sizeof(form), "ref=%s&status=delivered", ref);
	status = fl_request(NULL, w->gw.port, "POST", "/dlr/http", NULL, FORM_TYPE, form,
	    strlen(form), &reply, NULL, NULL);
	if (status != 200)
		fail_msg("the report: %ld %s", status, reply ? reply : "");
	free(reply);
	assert_int_equal(fl_q(w->db, "SELECT count(*) FROM messages WHERE report_ref = %Q AND"
	    " status = 'delivered'", ref), 1);
	/* The request times out (1 s); a retry would go 200-400 ms later. Watch for 3 s. */
	h_sleep_ms(3000);
	{
		struct fp_hit *snap;
		char *now = fl_qs(w->db, "SELECT status FROM messages WHERE report_ref = %Q", ref);

		hits = fp_snapshot(&fp, &snap);
		free(snap);
		printf("hostile: a report before a timed-out send: the message is %s, sent %d "
		    "time(s)\n", now ? now : "(gone)", hits);
		free(now);
	}
	assert_int_equal(fl_q(w->db, "SELECT count(*) FROM messages WHERE report_ref = %Q AND"
	    " status = 'delivered' AND attempts = 1", ref), 1);
	assert_int_equal(hits, 1);
	free(ref);
	fp_set_mode(&fp, FP_ACCEPT);
	fl_world_free(w);
	fp_free(&fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_hostile_requests_get_4xx_valid_text_round_trips_health_stays_fast, setup,
		    teardown),
		cmocka_unit_test(
		    test_a_report_before_a_timed_out_send_stays_and_nothing_goes_twice),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("faults: hostile HTTP", tests, NULL, NULL);
}
