/*
 * The fake SMS provider of the integration and fault tests (fakeprov.h).
 */
#include "tests/lib/fakeprov.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define FP_WAIT_MS 15000

static int64_t
clock_ms(clockid_t which)
{
	struct timespec ts;

	clock_gettime(which, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static int64_t
wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}


struct fp_body {
	char *data;
	size_t len;
};

static int
fp_closing(struct fprov *fp)
{
	int closing;

	pthread_mutex_lock(&fp->lock);
	closing = fp->closing;
	pthread_mutex_unlock(&fp->lock);
	return closing;
}

/* Sleep ms in small steps, cut short when the listener is going away. */
static void
fp_stall(struct fprov *fp, int ms)
{
	int64_t until = now_ms() + ms;

	while (now_ms() < until && !fp_closing(fp))
		sleep_ms(10);
}

static int
fp_flaky_before(struct fprov *fp, long long id)
{
	int i;

	for (i = 0; i < fp->n; i++) {
		if (fp->hits[i].id == id && fp->hits[i].status == 503)
			return 1;
	}
	return 0;
}

static enum MHD_Result
fp_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct fprov *fp = cls;
	struct fp_body *b = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct fp_hit *h;
	json_t *root;
	const char *to, *text, *id;
	char reply[256];
	int status, delay = 0, stall = 0;

	(void)method;
	(void)version;
	if (b == NULL) {
		*con_cls = calloc(1, sizeof(struct fp_body));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		b->data = realloc(b->data, b->len + *upload_size + 1);
		memcpy(b->data + b->len, upload, *upload_size);
		b->len += *upload_size;
		b->data[b->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	root = b->data ? json_loads(b->data, 0, NULL) : NULL;
	to = json_string_value(json_object_get(root, "to"));
	text = json_string_value(json_object_get(root, "text"));
	id = json_string_value(json_object_get(root, "id"));

	pthread_mutex_lock(&fp->lock);
	if (fp->fail_next > 0) {
		fp->fail_next--;
		fp->refused++;
		status = 503;
		snprintf(reply, sizeof(reply), "{\"error\":\"busy\"}");
	} else if (fp->reject_to[0] && to && strcmp(to, fp->reject_to) == 0) {
		status = 400;
		snprintf(reply, sizeof(reply), "{\"error\":\"invalid destination number %s\"}", to);
	} else if (fp->flaky_to[0] && to && strcmp(to, fp->flaky_to) == 0 && id &&
	    !fp_flaky_before(fp, atoll(id))) {
		status = 503;
		snprintf(reply, sizeof(reply), "{\"error\":\"route to %s busy, try later\"}", to);
	} else if (fp->mode == FP_FAIL || (fp->fail_to[0] && to && strcmp(to, fp->fail_to) == 0)) {
		status = 503;
		snprintf(reply, sizeof(reply), "{\"error\":\"overloaded\"}");
	} else if (fp->mode == FP_SLOW) {
		status = 0;
		stall = fp->slow_ms;
		snprintf(reply, sizeof(reply), "{\"error\":\"too late\"}");
	} else {
		status = 200;
		delay = fp->delay_ms;
		snprintf(reply, sizeof(reply), "{\"id\":\"fp-%s\"}", id ? id : "?");
	}
	if (fp->n == fp->cap) {
		fp->cap = fp->cap ? fp->cap * 2 : 1024;
		fp->hits = realloc(fp->hits, (size_t)fp->cap * sizeof(*fp->hits));
		if (fp->hits == NULL)
			abort();
	}
	h = &fp->hits[fp->n++];
	h->id = id ? atoll(id) : -1;
	h->run = strncmp(url, "/send/", 6) == 0 ? atoi(url + 6) : -1;
	h->to = strdup(to ? to : "");
	h->text = strdup(text ? text : "");
	h->at = wall_ms();
	h->status = status;
	pthread_mutex_unlock(&fp->lock);
	json_decref(root);

	if (delay > 0)
		fp_stall(fp, delay);
	if (stall > 0) {
		fp_stall(fp, stall);
		status = 503;
	}
	resp = MHD_create_response_from_buffer(strlen(reply), reply, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
fp_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct fp_body *b = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (b) {
		free(b->data);
		free(b);
		*con_cls = NULL;
	}
}

int
fp_start(struct fprov *fp, int port)
{
	struct sockaddr_in sa;

	if (!fp->ready) {
		pthread_mutex_init(&fp->lock, NULL);
		fp->ready = 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	pthread_mutex_lock(&fp->lock);
	fp->closing = 0;
	pthread_mutex_unlock(&fp->lock);
	fp->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
	    0, NULL, NULL, fp_request, fp, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
	    MHD_OPTION_NOTIFY_COMPLETED, fp_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_END);
	if (fp->d == NULL)
		return -1;
	fp->port = MHD_get_daemon_info(fp->d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return 0;
}

void
fp_stop(struct fprov *fp)
{
	if (fp->d == NULL)
		return;
	pthread_mutex_lock(&fp->lock);
	fp->closing = 1;
	pthread_mutex_unlock(&fp->lock);
	MHD_stop_daemon(fp->d);
	fp->d = NULL;
}

void
fp_free(struct fprov *fp)
{
	int i;

	fp_stop(fp);
	for (i = 0; i < fp->n; i++) {
		free(fp->hits[i].to);
		free(fp->hits[i].text);
	}
	free(fp->hits);
	fp->hits = NULL;
	fp->n = fp->cap = 0;
}

void
fp_set_mode(struct fprov *fp, enum fp_mode mode)
{
	pthread_mutex_lock(&fp->lock);
	fp->mode = mode;
	pthread_mutex_unlock(&fp->lock);
}

int
fp_snapshot(struct fprov *fp, struct fp_hit **out)
{
	int n;

	pthread_mutex_lock(&fp->lock);
	n = fp->n;
	*out = malloc((size_t)(n ? n : 1) * sizeof(**out));
	if (*out == NULL)
		abort();
	if (n)
		memcpy(*out, fp->hits, (size_t)n * sizeof(**out));
	pthread_mutex_unlock(&fp->lock);
	return n;
}

int
fp_accepted(struct fprov *fp, long long id)
{
	int i, n = 0;

	pthread_mutex_lock(&fp->lock);
	for (i = 0; i < fp->n; i++)
		n += fp->hits[i].id == id && fp->hits[i].status == 200;
	pthread_mutex_unlock(&fp->lock);
	return n;
}

void
fp_fail_next(struct fprov *fp, int n)
{
	pthread_mutex_lock(&fp->lock);
	fp->fail_next = n;
	fp->refused = 0;
	pthread_mutex_unlock(&fp->lock);
}

static int
fp_count_accepted(struct fprov *fp)
{
	int i, n = 0;

	pthread_mutex_lock(&fp->lock);
	for (i = 0; i < fp->n; i++)
		n += fp->hits[i].status == 200;
	pthread_mutex_unlock(&fp->lock);
	return n;
}

int
fp_wait(struct fprov *fp, int n)
{
	int64_t until = now_ms() + FP_WAIT_MS;
	int have;

	for (;;) {
		have = fp_count_accepted(fp);
		if (have >= n || now_ms() > until)
			return have;
		sleep_ms(20);
	}
}

const char *
fp_find(struct fprov *fp, const char *to, const char *needle)
{
	const char *found = NULL;
	int i;

	pthread_mutex_lock(&fp->lock);
	for (i = 0; i < fp->n && !found; i++) {
		if (fp->hits[i].status == 200 && strcmp(fp->hits[i].to, to) == 0 &&
		    strstr(fp->hits[i].text, needle))
			found = fp->hits[i].text;
	}
	pthread_mutex_unlock(&fp->lock);
	return found;
}

int
fp_count_to(struct fprov *fp, const char *to)
{
	int i, n = 0;

	pthread_mutex_lock(&fp->lock);
	for (i = 0; i < fp->n; i++)
		n += fp->hits[i].status == 200 && strcmp(fp->hits[i].to, to) == 0;
	pthread_mutex_unlock(&fp->lock);
	return n;
}
