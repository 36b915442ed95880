/*
 * Behind Kannel (Debian's kannel and kannel-extras), all on 127.0.0.1:
 *
 *   fakesmsc (the phones) → bearerbox → smsbox ─ sms-service get-url ─▶ APP
 *        ▲                                                             │ one reply per SMS
 *        └──────────── bearerbox ◀── smsbox cgi-bin/sendsms ◀──────────┘
 *
 * APP is farmline (`farmline serve`, provider kannel: it stores each question, answers 200 and
 * sends the acknowledgement through sendsms) or a bare handler (libmicrohttpd answering 200 at
 * once, and a libcurl multi sender keeping connections to sendsms that sends one reply per SMS,
 * like farmline's acknowledgement). fakesmsc offers BENCH_KANNEL_SMS (20,000) questions as fast
 * as bearerbox takes them, each from one of 1,000 farmer numbers, as UCS-2; the rate is the number of
 * replies the phones got over the time from the start to the last reply. No expert is
 * registered, so farmline sends exactly one SMS per question too (the acknowledgement; the
 * question waits for an expert), and no delivery reports are asked for, by either.
 *
 *   build/bench/bench_kannel     (FARMLINE_BIN, BENCH_KEEP=1, BEARERBOX, SMSBOX, FAKESMSC)
 */
#include "bench/bench.h"

#include <curl/curl.h>
#include <pthread.h>

#define SERVICE "10690000"
#define QUESTION "鸡拉稀怎么办，已经死了十几只，不吃食也不喝水"
#define ACK "【科技扶贫在线】已收到您的问题，编号12345，类别：家禽。暂无专家在岗，已排队，有专家后尽快答复。"
#define SENDSMS_USER "bench"
#define SENDSMS_PASS "bench-secret-pass"
#define NUMBERS 1000		/* farmers texting */

/* UTF-8 (BMP only) as %XX of UTF-16BE, the way farmline sends UCS-2 to sendsms. */
static char *
ucs2_escaped(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * 6 + 1);
	size_t o = 0;

	if (out == NULL)
		bench_die("out of memory");
	while (*p) {
		unsigned cp;

		if (*p < 0x80) {
			cp = *p++;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else {
			cp = (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		}
		o += (size_t)sprintf(out + o, "%%%02X%%%02X", cp >> 8, cp & 0xff);
	}
	out[o] = '\0';
	return out;
}

/* ---- the bare handler: its own process, an HTTP server and one sender thread */

struct bare {
	pthread_mutex_t lock;
	char **queue;		/* numbers to reply to */
	size_t head, tail, cap;
	CURLM *multi;
	const char *sendsms;	/* http://127.0.0.1:PORT/cgi-bin/sendsms */
	char *ack;		/* %-escaped UCS-2 */
};

static struct bare bare;

static enum MHD_Result
bare_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	static int marker;
	struct MHD_Response *resp;
	const char *from;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	if (*con_cls == NULL) {
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	from = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "from");
	if (from) {
		pthread_mutex_lock(&bare.lock);
		if (bare.tail - bare.head == bare.cap) {
			size_t cap = bare.cap ? bare.cap * 2 : 4096, i, n = bare.tail - bare.head;
			char **q = malloc(cap * sizeof(*q));

			for (i = 0; i < n; i++)
				q[i] = bare.queue[(bare.head + i) % bare.cap];
			free(bare.queue);
			bare.queue = q;
			bare.cap = cap;
			bare.head = 0;
			bare.tail = n;
		}
		bare.queue[bare.tail++ % bare.cap] = strdup(from);
		pthread_mutex_unlock(&bare.lock);
		curl_multi_wakeup(bare.multi);
	}
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static size_t
bare_drop(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

/* The bare handler's sender: up to 16 requests to sendsms in flight, connections kept. */
static void *
bare_sender(void *arg)
{
	CURL *easy[16];
	char *url[16] = { 0 };
	int busy[16] = { 0 }, i, running;
	CURLMsg *msg;

	(void)arg;
	for (i = 0; i < 16; i++)
		easy[i] = curl_easy_init();
	curl_multi_setopt(bare.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 16L);
	curl_multi_setopt(bare.multi, CURLMOPT_MAXCONNECTS, 16L);
	for (;;) {
		for (i = 0; i < 16; i++) {
			char *to = NULL, *esc;

			if (busy[i])
				continue;
			pthread_mutex_lock(&bare.lock);
			if (bare.tail > bare.head)
				to = bare.queue[bare.head++ % bare.cap];
			pthread_mutex_unlock(&bare.lock);
			if (to == NULL)
				break;
			esc = curl_easy_escape(NULL, to, 0);
			free(url[i]);
			if (asprintf(&url[i], "%s?username=%s&password=%s&from=%s&to=%s&text=%s&coding=2"
			    "&smsc=fake", bare.sendsms, SENDSMS_USER, SENDSMS_PASS, SERVICE, esc,
			    bare.ack) < 0)
				_exit(1);
			curl_free(esc);
			free(to);
			curl_easy_reset(easy[i]);
			curl_easy_setopt(easy[i], CURLOPT_URL, url[i]);
			curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, bare_drop);
			curl_easy_setopt(easy[i], CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (char *)&busy[i]);
			curl_multi_add_handle(bare.multi, easy[i]);
			busy[i] = 1;
		}
		curl_multi_perform(bare.multi, &running);
		while ((msg = curl_multi_info_read(bare.multi, &running)) != NULL) {
			int *b = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&b);
			curl_multi_remove_handle(bare.multi, msg->easy_handle);
			*b = 0;
		}
		curl_multi_poll(bare.multi, NULL, 0, 100, NULL);
	}
	return NULL;
}

static pid_t
bare_fork(int port, const char *sendsms)
{
	struct MHD_Daemon *d;
	pthread_t t;
	sigset_t set;
	pid_t pid;
	int sig;

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
	sigprocmask(SIG_BLOCK, &set, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_mutex_init(&bare.lock, NULL);
	bare.multi = curl_multi_init();
	bare.sendsms = sendsms;
	bare.ack = ucs2_escaped(ACK);
	if (pthread_create(&t, NULL, bare_sender, NULL) != 0)
		_exit(1);
	d = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
	    (uint16_t)port, NULL, NULL, bare_request, NULL,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)bench_env("BENCH_HTTP_THREADS", 2),
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (d == NULL)
		_exit(1);
	sigwait(&set, &sig);
	_exit(0);	/* what is still queued does not matter any more */
}

/* ---- the chain */

struct ports {
	int admin, smsbox, fake, sendsms, app;
};

static void
write_kannel_conf(const char *path, const char *dir, const struct ports *p)
{
	FILE *fp = fopen(path, "w");
	int level = (int)bench_env("BENCH_KANNEL_LOG_LEVEL", 2);

	if (fp == NULL)
		bench_die("%s: %s", path, strerror(errno));
	fprintf(fp,
	    "group = core\nadmin-port = %d\nadmin-interface = 127.0.0.1\n"
	    "admin-password = bench\nadmin-allow-ip = \"127.0.0.1\"\n"
	    "smsbox-port = %d\nsmsbox-interface = 127.0.0.1\nbox-allow-ip = \"127.0.0.1\"\n"
	    "log-file = \"%s/bearerbox.log\"\nlog-level = %d\ndlr-storage = internal\n\n"
	    "group = smsc\nsmsc = fake\nsmsc-id = fake\nport = %d\nour-host = 127.0.0.1\n"
	    "connect-allow-ip = \"127.0.0.1\"\n\n"
	    "group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = %d\n"
	    "sendsms-port = %d\nsendsms-interface = 127.0.0.1\n"
	    "log-file = \"%s/smsbox.log\"\nlog-level = %d\n"
	    "http-request-retry = 3\nhttp-queue-delay = 1\n\n"
	    "group = sendsms-user\nusername = %s\npassword = %s\nuser-allow-ip = \"127.0.0.1\"\n"
	    "concatenation = true\nmax-messages = 10\n\n"
	    "group = sms-service\nkeyword = default\ncatch-all = true\n"
	    "get-url = \"http://127.0.0.1:%d/sms/kannel/" BENCH_KANNEL_TOKEN
	    "?from=%%p&to=%%P&text=%%b&id=%%I&coding=%%c"
	    "&charset=%%C\"\n"
	    "max-messages = 0\nomit-empty = true\naccept-x-kannel-headers = true\n"
	    "concatenation = true\n",
	    p->admin, p->smsbox, dir, level, p->fake, p->smsbox, p->sendsms, dir, level,
	    SENDSMS_USER, SENDSMS_PASS, p->app);
	if (fclose(fp) != 0)
		bench_die("%s: %s", path, strerror(errno));
}

/*
 * How many SMS the phones got so far: fakesmsc logs "Got message N: <…>" for each, N counting
 * them. Reads on from *off (moved on); *seen is the largest N so far.
 */
static void
phones_got(const char *path, long *off, char *carry, size_t carrylen, int64_t *seen)
{
	char buf[65536], *p;
	size_t got, i, cl = strlen(carry);
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return;
	fseek(fp, *off, SEEK_SET);
	while ((got = fread(buf, 1, sizeof(buf), fp)) > 0) {
		*off += (long)got;
		for (i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (cl < carrylen - 1)
					carry[cl++] = buf[i];
				continue;
			}
			carry[cl] = '\0';
			cl = 0;
			if ((p = strstr(carry, "Got message ")) != NULL && atoll(p + 12) > *seen)
				*seen = atoll(p + 12);
		}
	}
	carry[cl] = '\0';
	fclose(fp);
}

static int
kannel_status_has(int port, const char *needle)
{
	char body[16384], path[128];

	snprintf(path, sizeof(path), "/status.txt?password=bench");
	if (bench_http_get(port, path, body, sizeof(body)) != 200)
		return 0;
	return strstr(body, needle) != NULL;
}

/* One run of the chain with app as the application; the rate of replies, or 0. */
static double
chain(const char *dir, const char *name, int farmline, int n)
{
	const char *bearerbox = bench_env_str("BEARERBOX", "/usr/sbin/bearerbox");
	const char *smsbox = bench_env_str("SMSBOX", "/usr/sbin/smsbox");
	const char *fakesmsc = bench_env_str("FAKESMSC", "/usr/lib/kannel/test/fakesmsc");
	char sub[400], kconf[512], fconf[512], flog[512], klog[512], slog[512], smsclog[512];
	char sendsms[128], provider[512], extra[512], count[32], *ucs2, carry[8192];
	struct ports p;
	pid_t app, bb, sb, fs;
	double t0, t1 = 0, last_change, cpu_app, cpu_bb, cpu_sb, cpu_fs;
	int64_t got = 0, more;
	long off = 0;
	int i;

	p.admin = bench_free_port();
	p.smsbox = bench_free_port();
	p.fake = bench_free_port();
	p.sendsms = bench_free_port();
	p.app = bench_free_port();
	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	if (mkdir(sub, 0700) != 0)
		bench_die("%s: %s", sub, strerror(errno));
	snprintf(kconf, sizeof(kconf), "%s/kannel.conf", sub);
	snprintf(klog, sizeof(klog), "%s/bearerbox.out", sub);
	snprintf(slog, sizeof(slog), "%s/smsbox.out", sub);
	snprintf(smsclog, sizeof(smsclog), "%s/fakesmsc.log", sub);
	snprintf(sendsms, sizeof(sendsms), "http://127.0.0.1:%d/cgi-bin/sendsms", p.sendsms);
	write_kannel_conf(kconf, sub, &p);

	if (farmline) {
		snprintf(fconf, sizeof(fconf), "%s/farmline.conf", sub);
		snprintf(flog, sizeof(flog), "%s/farmline.log", sub);
		snprintf(provider, sizeof(provider), "type = kannel\ntimeout = 5s");
		/* smsbox is one address with up to max-pending-requests (512) connections: the
		 * per-address limit is for strangers, not for the one provider (README, Kannel). */
		snprintf(extra, sizeof(extra), "[sms]\nservice_number = %s\n\n"
		    "[http]\nmax_connections_per_address = 0\n\n[kannel]\n"
		    "sendsms_url = %s\nusername = %s\npassword = %s\nsmsc = fake\ntoken = "
		    BENCH_KANNEL_TOKEN "\n", SERVICE,
		    sendsms, SENDSMS_USER, SENDSMS_PASS);
		bench_farmline_conf(fconf, sub, p.app, provider, extra);
		app = bench_farmline_serve(fconf, flog, p.app);
	} else {
		app = bare_fork(p.app, sendsms);
		if (bench_wait_http(p.app, "/", 0, 10000) != 0)
			bench_die("the bare handler did not start");
	}
	{
		char *argv[] = { (char *)bearerbox, "-v", "2", kconf, NULL };

		bb = bench_spawn(argv, klog, sub);
	}
	if (bench_wait_http(p.admin, "/status.txt?password=bench", 200, 20000) != 0)
		bench_die("bearerbox did not start (%s)", klog);
	{
		char *argv[] = { (char *)smsbox, "-v", "2", kconf, NULL };

		sb = bench_spawn(argv, slog, sub);
	}
	for (i = 0; i < 200 && !kannel_status_has(p.admin, "smsbox:"); i++)
		bench_sleep_ms(100);
	if (bench_wait_http(p.sendsms, "/", 0, 20000) != 0 || i == 200)
		bench_die("smsbox did not start (%s)", slog);

	/*
	 * fakesmsc: n questions, each from one of NUMBERS farmers picked at random (its -z would
	 * append random digits of varying length: not phone numbers), in UCS-2.
	 */
	ucs2 = ucs2_escaped(QUESTION);
	snprintf(count, sizeof(count), "%d", n);
	{
		char port[16], *argv[16 + NUMBERS];
		int a = 0;

		snprintf(port, sizeof(port), "%d", p.fake);
		argv[a++] = (char *)fakesmsc;
		argv[a++] = "-H";
		argv[a++] = "127.0.0.1";
		argv[a++] = "-r";
		argv[a++] = port;
		argv[a++] = "-i";
		argv[a++] = "0";
		argv[a++] = "-m";
		argv[a++] = count;
		argv[a++] = "-v";
		argv[a++] = "0";
		for (i = 0; i < NUMBERS; i++) {
			if (asprintf(&argv[a++], "+86138%08d %s ucs2 %s", 20000000 + i, SERVICE,
			    ucs2) < 0)
				bench_die("out of memory");
		}
		argv[a] = NULL;
		t0 = bench_now();
		fs = bench_spawn(argv, smsclog, sub);
		for (i = 11; i < a; i++)
			free(argv[i]);
	}
	free(ucs2);
	/* the phones' replies: fakesmsc logs "Got message N: <…>" for each */
	last_change = bench_now();
	carry[0] = '\0';
	while (got < n && bench_now() - last_change < 30) {
		bench_sleep_ms(50);
		more = got;
		phones_got(smsclog, &off, carry, sizeof(carry), &got);
		if (got > more) {
			t1 = bench_now();
			last_change = t1;
		}
	}
	/* the machine's two cores are shared by all of them: who used how much */
	cpu_app = bench_cpu_s(app);
	cpu_bb = bench_cpu_s(bb);
	cpu_sb = bench_cpu_s(sb);
	cpu_fs = bench_cpu_s(fs);
	bench_stop(fs, 5000);
	bench_stop(sb, 15000);
	bench_stop(bb, 15000);
	bench_stop(app, 30000);
	if (got > 0)
		printf("  %-8s CPU a question: %s %.0f us, bearerbox %.0f us, smsbox %.0f us, fakesmsc "
		    "%.0f us\n", name, name, cpu_app * 1e6 / (double)got, cpu_bb * 1e6 / (double)got,
		    cpu_sb * 1e6 / (double)got, cpu_fs * 1e6 / (double)got);
	printf("  %-8s %lld of %d questions answered on the phones in %.2f s: %.0f SMS/s end to end"
	    "%s\n", name, (long long)got, n, got > 0 ? t1 - t0 : 0,
	    got > 0 ? (double)got / (t1 - t0) : 0,
	    got < n ? " (INCOMPLETE: stopped after 30 s without a new reply)" : "");
	return got > 0 ? (double)got / (t1 - t0) : 0;
}

int
main(void)
{
	const char *dir = bench_start("kannel", 900);
	int n = (int)bench_env("BENCH_KANNEL_SMS", 20000);
	double bare_rate, fl_rate;

	if (access(bench_env_str("BEARERBOX", "/usr/sbin/bearerbox"), X_OK) != 0 ||
	    access(bench_env_str("FAKESMSC", "/usr/lib/kannel/test/fakesmsc"), X_OK) != 0) {
		printf("kannel: bearerbox or fakesmsc not found: install Debian's kannel and "
		    "kannel-extras (tools/deps.sh)\n");
		return 1;
	}
	printf("kannel: %ld cores on this machine; fakesmsc → bearerbox → smsbox → APP → sendsms → "
	    "bearerbox → fakesmsc, %d questions, one reply each\n", bench_cores(), n);
	bench_print_load("at the start");
	bare_rate = chain(dir, "bare", 0, n);
	fl_rate = chain(dir, "farmline", 1, n);
	printf("  farmline's share of the bare chain: %.1f%%\n", 100.0 * fl_rate /
	    (bare_rate > 0 ? bare_rate : 1));
	bench_print_load("at the end");
	bench_figure("kannel.bare_chain", bare_rate, "SMS/s", "-", 0);
	bench_figure("kannel.farmline_chain", fl_rate, "SMS/s", "-", 0);
	bench_figure("kannel.share_of_bare", 100.0 * fl_rate / (bare_rate > 0 ? bare_rate : 1),
	    "%", ">=", 90);
	return 0;
}
