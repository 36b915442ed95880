/*
 * The HTTP server (libmicrohttpd): webhooks in, health out. A webhook's body is collected up
 * to a hard cap (413 past it), parsed by its provider's adapter, and handed to the ingest
 * queue; the connection is suspended until the message's transaction committed, and only then
 * answered — 200 for what was stored, 503 for what was not, 4xx with a reason for bad input.
 */
#include "gateway/http.h"

#include "common/log.h"
#include "gateway/inbound.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STOP_DRAIN_MS 1000	/* how long a stop waits for answers to reach their clients */

struct gw_http {
	struct MHD_Daemon *d;
	struct ingest *ingest;
	struct store *health;		/* a connection of its own, for /healthz */
	pthread_mutex_t health_lock;
	pthread_mutex_t lock;
	int in_flight;			/* requests waiting for the writer */
	int stopping;
	struct gw_http_opts o;
	int port;
};

enum req_state { REQ_READING, REQ_WAITING, REQ_DONE };

struct request {
	struct gw_http *h;
	struct MHD_Connection *conn;
	enum req_state state;
	char *body;
	size_t len, cap;
	int too_big;
	struct gw_inbound in;		/* the parsed message, owning its strings */
	struct ingest_job job;
};

static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned int status, json_t *obj)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t len;

	json_decref(obj);
	if (text == NULL)
		return MHD_NO;
	len = strlen(text);
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The one way a request is refused: a status and a reason, as JSON {"error": …}. */
static enum MHD_Result FL_PRINTF(3, 4)
respond_error(struct MHD_Connection *conn, unsigned int status, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return respond(conn, status, json_pack("{s:s}", "error", reason));
}

static void
job_done(struct ingest_job *job, void *arg)
{
	struct request *req = arg;

	(void)job;
	req->state = REQ_DONE;
	MHD_resume_connection(req->conn);
}

static enum MHD_Result
answer_inbound(struct request *req)
{
	const struct consult_result *res = &req->job.res;
	struct gw_http *h = req->h;
	enum MHD_Result ret;

	pthread_mutex_lock(&h->lock);
	h->in_flight--;
	pthread_mutex_unlock(&h->lock);
	if (req->job.rc != STORE_OK)
		return respond_error(req->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the message was not stored (database unavailable); send it again");
	ret = respond(req->conn, MHD_HTTP_OK, json_pack("{s:b, s:I, s:o, s:s}",
	    "ok", 1, "message_id", (json_int_t)res->message_id,
	    "ticket", res->ticket ? json_integer(res->ticket) : json_null(),
	    "action", res->action));
	return ret;
}

static enum MHD_Result
start_inbound(struct request *req)
{
	struct gw_http *h = req->h;
	char reason[256];
	int status;

	status = gw_inbound_parse(MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE), req->body, req->len, h->o.max_text_chars, &req->in,
	    reason, sizeof(reason));
	if (status != 0)
		return respond_error(req->conn, (unsigned)status, "%s", reason);

	memset(&req->job, 0, sizeof(req->job));
	req->job.in = req->in.msg;
	req->job.done = job_done;
	req->job.arg = req;

	pthread_mutex_lock(&h->lock);
	if (h->stopping) {
		pthread_mutex_unlock(&h->lock);
		return respond_error(req->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the gateway is stopping; send it again");
	}
	h->in_flight++;
	pthread_mutex_unlock(&h->lock);

	req->state = REQ_WAITING;
	MHD_suspend_connection(req->conn);
	if (ingest_submit(h->ingest, &req->job) != 0) {
		req->job.rc = STORE_ERR;
		req->state = REQ_DONE;
		MHD_resume_connection(req->conn);
	}
	return MHD_YES;
}

static enum MHD_Result
health(struct gw_http *h, struct MHD_Connection *conn)
{
	enum store_rc rc;

	pthread_mutex_lock(&h->health_lock);
	rc = store_ping(h->health);
	pthread_mutex_unlock(&h->health_lock);
	if (rc != STORE_OK)
		return respond_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "database does not answer");
	return respond(conn, MHD_HTTP_OK, json_pack("{s:b}", "ok", 1));
}

static enum MHD_Result
method_not_allowed(struct MHD_Connection *conn, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text = strdup("{\"error\":\"method not allowed\"}");

	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Collect the body up to the cap; past it, keep reading but drop the bytes. */
static void
collect_body(struct request *req, const char *data, size_t size, int64_t max)
{
	size_t need;

	if (req->too_big)
		return;
	if ((int64_t)(req->len + size) > max) {
		req->too_big = 1;
		free(req->body);
		req->body = NULL;
		req->len = req->cap = 0;
		return;
	}
	need = req->len + size + 1;
	if (need > req->cap) {
		size_t cap = req->cap ? req->cap : 1024;
		char *grown;

		while (cap < need)
			cap *= 2;
		grown = realloc(req->body, cap);
		if (grown == NULL) {
			req->too_big = 1;
			return;
		}
		req->body = grown;
		req->cap = cap;
	}
	memcpy(req->body + req->len, data, size);
	req->len += size;
	req->body[req->len] = '\0';
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct gw_http *h = cls;
	struct request *req = *con_cls;
	int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	int is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	int inbound = strcmp(url, "/sms/inbound") == 0;

	(void)version;
	if (req == NULL) {
		const char *clen;

		req = calloc(1, sizeof(*req));
		if (req == NULL)
			return MHD_NO;
		req->h = h;
		req->conn = conn;
		*con_cls = req;
		clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (clen && strtoll(clen, NULL, 10) > h->o.max_body) {
			/* Refused before the body is read; the connection is closed after. */
			req->too_big = 1;
			return respond_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
			    "request body larger than %lld bytes", (long long)h->o.max_body);
		}
		return MHD_YES;
	}

	if (*upload_data_size > 0) {
		if (is_post && inbound)
			collect_body(req, upload_data, *upload_data_size, h->o.max_body);
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (req->state == REQ_DONE)
		return answer_inbound(req);
	if (req->state == REQ_WAITING)
		return MHD_YES;	/* spurious call while suspended */

	if (strcmp(url, "/healthz") == 0) {
		if (!is_get)
			return method_not_allowed(conn, "GET, HEAD");
		return health(h, conn);
	}
	if (inbound) {
		if (!is_post)
			return method_not_allowed(conn, "POST");
		if (req->too_big)
			return respond_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
			    "request body larger than %lld bytes", (long long)h->o.max_body);
		return start_inbound(req);
	}
	return respond_error(conn, MHD_HTTP_NOT_FOUND, "no such path");
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (req == NULL)
		return;
	gw_inbound_free(&req->in);
	free(req->body);
	free(req);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warnx("http: %s", line);
}

struct gw_http *
gw_http_start(const struct gw_http_opts *o, struct ingest *ig, struct store *health_store,
    char *err, size_t errlen)
{
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	struct sockaddr *sa;
	unsigned int flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct gw_http *h;

	memset(&sa4, 0, sizeof(sa4));
	memset(&sa6, 0, sizeof(sa6));
	if (inet_pton(AF_INET, o->bind, &sa4.sin_addr) == 1) {
		sa4.sin_family = AF_INET;
		sa4.sin_port = htons((uint16_t)o->port);
		sa = (struct sockaddr *)&sa4;
	} else if (inet_pton(AF_INET6, o->bind, &sa6.sin6_addr) == 1) {
		sa6.sin6_family = AF_INET6;
		sa6.sin6_port = htons((uint16_t)o->port);
		sa = (struct sockaddr *)&sa6;
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "[http] bind: \"%s\" is not an IP address", o->bind);
		return NULL;
	}

	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->o = *o;
	h->ingest = ig;
	h->health = health_store;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->health_lock, NULL);
	h->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)o->threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)((o->conn_timeout_ms + 999) / 1000),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", o->bind, o->port,
		    errno ? strerror(errno) : "libmicrohttpd refused the settings");
		pthread_mutex_destroy(&h->lock);
		pthread_mutex_destroy(&h->health_lock);
		free(h);
		return NULL;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : o->port;
	return h;
}

int
gw_http_port(const struct gw_http *h)
{
	return h->port;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void
gw_http_stop(struct gw_http *h)
{
	const union MHD_DaemonInfo *info;
	int waited = 0, busy;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = 1;
	pthread_mutex_unlock(&h->lock);
	MHD_quiesce_daemon(h->d);

	/* Every suspended request is answered before the daemon goes: the writer keeps going. */
	for (;;) {
		pthread_mutex_lock(&h->lock);
		busy = h->in_flight;
		pthread_mutex_unlock(&h->lock);
		if (busy == 0)
			break;
		sleep_ms(5);
	}
	/* Give answers a moment to reach their clients. */
	while (waited < STOP_DRAIN_MS) {
		info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (info == NULL || info->num_connections == 0)
			break;
		sleep_ms(10);
		waited += 10;
	}
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->health_lock);
	free(h);
}
