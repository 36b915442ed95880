/*
 * One client holding thousands of idle connections does not starve a provider. The client
 * (127.0.0.1) opens HOG connections and sends nothing, or half a request line; meanwhile a
 * provider (127.0.0.2, another loopback address) posts webhooks, each of which must be answered
 * 200 within ANSWER_MS. Without limits the gateway took every connection until it could take
 * no more (about 1,020 of them), and the provider's webhooks waited in the listen backlog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "tests/faults/faultlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define HOG 2000		/* idle connections from one client */
#define WEBHOOKS 20		/* the provider's posts while they are held */
#define ANSWER_MS 5000		/* each must be answered within this */
#define PROVIDER_ADDR "127.0.0.2"
/* The defaults of max_connections and max_connections_per_address are the ones tested. */
#define CONF "[http]\nthreads = 2\n[consult]\nloop_limit = 1000\n"

static int http_port;
static struct fprov g_fp;
static struct world *g_w;
static int hog_fd[HOG];

/* Connect from 127.0.0.1 without waiting for the handshake to be accepted; -1 on failure. */
static int
hog_connect(int i)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)http_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	/* Every other one starts a request and never finishes its line. */
	if (i % 2 == 1 && write(fd, "POST /sms/inbound HTT", 21) < 0) {
		/* not connected yet: it stays idle */
	}
	return fd;
}

/* Whether the gateway has closed fd (it is readable, and reads as the end, or an error). */
static int
closed_by_peer(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static size_t
discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

/* A webhook from the provider's own address: the status, 0 when none came; *ms the time. */
static long
provider_post(int n, double *ms)
{
	CURL *c = curl_easy_init();
	char url[128], form[256];
	long status = 0;
	int64_t t0 = h_now_ms();

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms/inbound/" H_INBOUND_TOKEN, http_port);
	snprintf(form, sizeof(form), "from=%%2B8613800%06d&text=鸡苗拉稀怎么办&id=c%d", n, n);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_INTERFACE, PROVIDER_ADDR);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ANSWER_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	*ms = (double)(h_now_ms() - t0);
	curl_easy_cleanup(c);
	return status;
}

static void
test_one_client_holding_2000_connections_does_not_stop_a_providers_webhooks(void **state)
{
	int i, opened = 0, closed = 0, answered = 0, lines = 0;
	const char *p;
	double ms, worst = 0, sum = 0;
	char *log;

	(void)state;
	h_gateway_restart(g_w);
	for (i = 0; i < HOG; i++) {
		hog_fd[i] = hog_connect(i);
		if (hog_fd[i] >= 0)
			opened++;
	}
	h_sleep_ms(1000);	/* the gateway accepts them, or closes them at its limits */
	for (i = 0; i < WEBHOOKS; i++) {
		long status = provider_post(i, &ms);

		if (status == 200)
			answered++;
		else
			printf("conns: webhook %d from %s: status %ld after %.0f ms\n", i + 1,
			    PROVIDER_ADDR, status, ms);
		sum += ms;
		if (ms > worst)
			worst = ms;
	}
	for (i = 0; i < HOG; i++) {
		if (hog_fd[i] >= 0 && closed_by_peer(hog_fd[i]))
			closed++;
	}
	log = h_gateway_log(g_w);
	for (p = log; (p = strstr(p, "warn: ")) != NULL; p++)
		lines++;
	printf("conns: %d of %d idle connections from 127.0.0.1 opened; %d closed by the gateway "
	    "at its limits, %d held\n", opened, HOG, closed, opened - closed);
	printf("conns: %d of %d webhooks from %s answered 200 while they were held; mean %.1f ms, "
	    "slowest %.0f ms (bound %d ms)\n", answered, WEBHOOKS, PROVIDER_ADDR, sum / WEBHOOKS,
	    worst, ANSWER_MS);
	printf("conns: the gateway's log: %zu bytes, %d warnings (rate-limited: at most %d a "
	    "minute of each kind)\n", strlen(log), lines, LOG_BURST);
	free(log);
	for (i = 0; i < HOG; i++) {
		if (hog_fd[i] >= 0)
			close(hog_fd[i]);
		hog_fd[i] = -1;
	}
	assert_int_equal(answered, WEBHOOKS);
	assert_true(opened == HOG);
	assert_true(lines < 100);
	assert_true(h_gateway_stop(g_w) == 0);
}

static int
setup(void **state)
{
	struct rlimit rl;
	int i;

	(void)state;
	/* HOG sockets here, and as many on the gateway's side when it has no limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < HOG + 256) {
		rl.rlim_cur = rl.rlim_max < HOG * 2 + 256 ? rl.rlim_max : HOG * 2 + 256;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < HOG; i++)
		hog_fd[i] = -1;
	g_w = fl_start("conns", &g_fp, 0, &http_port, CONF, 120);
	if (g_w == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < HOG; i++) {
		if (hog_fd[i] >= 0)
			close(hog_fd[i]);
	}
	fl_world_free(g_w);
	fp_free(&g_fp);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_one_client_holding_2000_connections_does_not_stop_a_providers_webhooks,
		    setup, teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("faults: connection limits", tests, NULL, NULL);
}
