/*
 * The HTTP server (libmicrohttpd): provider webhooks in, health out.
 *
 *   POST /sms/inbound[/token]  the generic provider (also /sms/http), with its secret
 *   GET|POST /sms/<provider>[/token]    inbound SMS       (provider_<name>.c parses)
 *   GET|POST /dlr/<provider>[/token]    delivery reports
 *   POST /ussd/<provider>               USSD steps        (ussd_session.c answers)
 *   GET /healthz
 *
 * A webhook's body is collected up to a hard cap (413 past it) and parsed by its provider's
 * adapter; what it carries goes to the ingest queue, and the connection is suspended until its
 * transaction committed. Only then is it answered: the provider's own success reply for what
 * was stored, 503 for what was not, 4xx with a reason for bad input.
 */
#include "gateway/http.h"

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "gateway/http_bureau.h"
#include "gateway/provider.h"
#include "gateway/ussd.h"
#include "common/xmalloc.h"

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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STOP_DRAIN_MS 1000	/* how long a stop waits for answers to reach their clients */
#define STOP_COMMIT_MS 3000	/* how long a stop lets the writer commit what is queued */
#define STOP_WRITER_MS 3000	/* then how long it waits for the group the writer is on */
#define MAX_PROVIDERS 16

/*
 * A connection, watched so that a request must arrive whole within the connection timeout:
 * libmicrohttpd's own timeout only counts idle time, and a client sending a byte now and then
 * would hold a connection for ever. since is when the request now being read began (0: none).
 */
struct watched {
	struct watched *prev, *next;
	int fd;
	int64_t since;
};

struct gw_http {
	struct MHD_Daemon *d;
	pthread_mutex_t watch_lock;
	struct watched *watching;
	pthread_t reaper;
	int reaper_on, reaper_stop;
	struct ingest *ingest;
	struct store *health;		/* a connection of its own, for /healthz */
	pthread_mutex_t health_lock;
	pthread_mutex_t lock;
	int in_flight;			/* requests handed to the writer, not yet completed */
	int stopping;
	struct gw_http_opts o;
	int port;
	/* the inbound half of each configured provider (NULL: its webhooks are off) */
	const struct gw_provider_ops *ops[MAX_PROVIDERS];
	struct gw_provider *prov[MAX_PROVIDERS];
	int nprov;
	const struct ussd_menu *menu;
	struct gw_bureau *bureau;	/* the API, /metrics, the dashboard */
};

enum req_state { REQ_READING, REQ_WAITING, REQ_DONE };
enum req_kind { KIND_SMS, KIND_DLR, KIND_USSD };

struct request {
	struct gw_http *h;
	struct MHD_Connection *conn;
	enum req_state state;
	enum req_kind kind;
	const struct gw_provider_ops *ops;
	struct gw_provider *prov;
	char *body;
	size_t len, cap;
	int too_big;
	int started;			/* the access handler has seen it */
	int bad_path;			/* its path, before decoding, held "%00" */
	int counted;			/* it counts in h->in_flight (h->lock) */
	int orphaned;			/* closed while the writer had it: job_done frees it (h->lock) */
	struct gw_webhook wh;		/* what the request carried */
	struct consult_result results[WEBHOOK_MAX_BATCH];
	struct ussd_in ussd;
	char *ussd_reply;
	struct ingest_job job;
};

static enum MHD_Result
respond_text(struct MHD_Connection *conn, unsigned int status, const char *content_type,
    char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned int status, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(obj);
	return respond_text(conn, status, "application/json", text);
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

/*
 * 503 while the gateway stops, closing the connection: a client on a kept-alive connection
 * would otherwise be answered again and again, and keep the stop's drain waiting.
 */
static enum MHD_Result
respond_stopping(struct MHD_Connection *conn)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text = strdup("{\"error\":\"the gateway is stopping; send it again\"}");

	if (text == NULL)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Writer thread: the messages of an inbound request, each processed in turn. */
static enum store_rc
run_sms(struct consult *c, int64_t now, void *arg)
{
	struct request *req = arg;
	enum store_rc rc = STORE_OK;
	int i;

	for (i = 0; rc == STORE_OK && i < req->wh.nmsgs; i++) {
		const struct gw_msg *m = &req->wh.msgs[i];
		struct sms_in in = { req->ops->name, m->id, m->from, m->to, m->text };

		rc = consult_handle(c, &in, now, &req->results[i]);
	}
	return rc;
}

/* Writer thread: a delivery report. */
static enum store_rc
run_dlr(struct consult *c, int64_t now, void *arg)
{
	struct request *req = arg;
	const struct gw_dlr *d = &req->wh.dlr;
	struct report_in r;
	int found = 0;
	enum store_rc rc;

	/* A failure reason may name the recipient: stored, and told to staff, masked. */
	if (req->wh.dlr.reason)
		log_mask_numbers(req->wh.dlr.reason);
	r = (struct report_in){ req->ops->name, d->ref, d->provider_id,
	    d->status == DLR_DELIVERED ? REPORT_DELIVERED : d->status == DLR_FAILED ?
	    REPORT_FAILED : REPORT_PENDING, d->reason, d->opted_out };
	rc = consult_handle_report(c, &r, now, &found);
	if (rc == STORE_OK && !found && r.status != REPORT_PENDING)
		log_info("http: a %s delivery report for a message farmline does not know",
		    req->ops->name);
	return rc;
}

/* Writer thread: a USSD step. */
static enum store_rc
run_ussd(struct consult *c, int64_t now, void *arg)
{
	struct request *req = arg;

	return gw_ussd_step(c, req->h->menu, &req->ussd, now, &req->ussd_reply);
}

static void request_free(struct request *req);

/*
 * Writer thread (or a stop taking queued jobs back): the job is done. Its connection is
 * resumed to be answered; or, when libmicrohttpd already closed it while the job was in the
 * writer's hands (on_completed left req to us), req is freed here.
 */
static void
job_done(struct ingest_job *job, void *arg)
{
	struct request *req = arg;
	struct gw_http *h = req->h;
	int orphaned;

	(void)job;
	pthread_mutex_lock(&h->lock);
	orphaned = req->orphaned;
	if (orphaned && req->counted) {
		req->counted = 0;
		h->in_flight--;
	}
	req->state = REQ_DONE;
	pthread_mutex_unlock(&h->lock);
	if (orphaned)
		request_free(req);
	else
		MHD_resume_connection(req->conn);
}

/*
 * The request no longer counts in in_flight: it was answered, or its client left before it
 * could be (libmicrohttpd then closes the connection without calling the handler again, and
 * only on_completed sees it). Either may come first; the second does nothing.
 */
static void
uncount(struct request *req)
{
	struct gw_http *h = req->h;

	pthread_mutex_lock(&h->lock);
	if (req->counted) {
		req->counted = 0;
		h->in_flight--;
	}
	pthread_mutex_unlock(&h->lock);
}

static enum MHD_Result
answer(struct request *req)
{
	const struct consult_result *res = &req->results[0];
	struct gw_reply reply;
	int i;

	uncount(req);
	if (req->job.rc != STORE_OK && req->job.cancelled) {
		metrics_count(M_INBOUND_UNAVAILABLE, 1);
		return respond_stopping(req->conn);
	}
	if (req->job.rc != STORE_OK) {
		metrics_count(M_INBOUND_UNAVAILABLE, 1);
		return respond_error(req->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "not stored (database unavailable); send it again");
	}
	switch (req->kind) {
	case KIND_USSD:
		metrics_count(M_USSD_STEPS, 1);
		return respond_text(req->conn, MHD_HTTP_OK, "text/plain; charset=utf-8",
		    req->ussd_reply ? strdup(req->ussd_reply) : NULL);
	case KIND_DLR:
		metrics_count(M_REPORTS, 1);
		return respond(req->conn, MHD_HTTP_OK, json_pack("{s:b}", "ok", 1));
	case KIND_SMS:
	default:
		break;
	}
	for (i = 0; i < req->wh.nmsgs; i++)
		metrics_count(req->results[i].duplicate ? M_INBOUND_DUPLICATE : M_INBOUND_OK, 1);
	if (req->ops->sms_reply) {
		memset(&reply, 0, sizeof(reply));
		req->ops->sms_reply(req->prov, &req->wh, &reply);
		return respond_text(req->conn, reply.status, reply.content_type, reply.body);
	}
	return respond(req->conn, MHD_HTTP_OK, json_pack("{s:b, s:I, s:o, s:s}",
	    "ok", 1, "message_id", (json_int_t)res->message_id,
	    "ticket", res->ticket ? json_integer(res->ticket) : json_null(),
	    "action", res->action));
}

/* Hand the parsed request to the writer and suspend the connection until it is done. */
static enum MHD_Result
submit(struct request *req, enum store_rc (*run)(struct consult *, int64_t, void *))
{
	struct gw_http *h = req->h;

	memset(&req->job, 0, sizeof(req->job));
	req->job.run = run;
	req->job.arg = req;
	req->job.done = job_done;
	req->job.done_arg = req;

	pthread_mutex_lock(&h->lock);
	if (h->stopping) {
		pthread_mutex_unlock(&h->lock);
		return respond_stopping(req->conn);
	}
	h->in_flight++;
	req->counted = 1;
	req->state = REQ_WAITING;
	pthread_mutex_unlock(&h->lock);

	MHD_suspend_connection(req->conn);
	if (ingest_submit(h->ingest, &req->job) != 0) {
		req->job.rc = STORE_ERR;
		pthread_mutex_lock(&h->lock);
		req->state = REQ_DONE;
		pthread_mutex_unlock(&h->lock);
		MHD_resume_connection(req->conn);
	}
	return MHD_YES;
}

/* Query arguments and headers, copied (a query value may hold NULs: Kannel's %b). */
struct kv_collect {
	struct gw_kv *kv;
	int n, max, overflow;
};

static enum MHD_Result
collect_kv(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
    const char *value, size_t value_size)
{
	struct kv_collect *c = cls;
	struct gw_kv *kv;

	(void)kind;
	(void)key_size;
	if (c->n == c->max) {
		c->overflow = 1;
		return MHD_NO;
	}
	kv = &c->kv[c->n++];
	kv->key = xstrdup(key);
	kv->value = xmalloc(value_size + 1);
	if (value)
		memcpy(kv->value, value, value_size);
	kv->value[value ? value_size : 0] = '\0';
	kv->vlen = value ? value_size : 0;
	return MHD_YES;
}

static int
find_provider(struct gw_http *h, const char *name, size_t len)
{
	int i;

	for (i = 0; i < h->nprov; i++) {
		if (strlen(h->ops[i]->name) == len && strncmp(h->ops[i]->name, name, len) == 0)
			return i;
	}
	return -1;
}

/* A webhook: /sms/…, /dlr/…, /ussd/…. */
static enum MHD_Result
webhook(struct request *req, const char *method, const char *url, const char *rest,
    enum req_kind kind)
{
	struct gw_http *h = req->h;
	struct gw_kv query[WEBHOOK_MAX_FIELDS], headers[WEBHOOK_MAX_FIELDS];
	struct kv_collect qc = { query, 0, WEBHOOK_MAX_FIELDS, 0 };
	struct kv_collect hc = { headers, 0, WEBHOOK_MAX_FIELDS, 0 };
	const char *slash = strchr(rest, '/');
	size_t namelen = slash ? (size_t)(slash - rest) : strlen(rest);
	struct gw_req r;
	char reason[256];
	int is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0, idx, status = 0;
	enum MHD_Result ret;

	if (kind == KIND_SMS && namelen == 7 && strncmp(rest, "inbound", 7) == 0)
		idx = find_provider(h, "http", 4);	/* DESIGN.md's name for the generic one */
	else
		idx = find_provider(h, rest, namelen);
	if (idx < 0)
		return respond_error(req->conn, MHD_HTTP_NOT_FOUND, "no such provider, or it is "
		    "not configured");
	req->ops = h->ops[idx];
	req->prov = h->prov[idx];
	req->kind = kind;
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0 && !(is_get && req->ops->get_allowed &&
	    kind != KIND_USSD)) {
		return respond_error(req->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
	}
	if ((kind == KIND_DLR && req->ops->parse_dlr == NULL) ||
	    (kind == KIND_SMS && req->ops->parse_sms == NULL) ||
	    (kind == KIND_USSD && req->ops->parse_ussd == NULL))
		return respond_error(req->conn, MHD_HTTP_NOT_FOUND, "%s takes no such webhook",
		    req->ops->name);
	if (req->too_big)
		return respond_error(req->conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body larger than %lld bytes", (long long)h->o.max_body);

	MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, collect_kv, &qc);
	MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, collect_kv, &hc);
	if (qc.overflow || hc.overflow) {
		ret = respond_error(req->conn, MHD_HTTP_BAD_REQUEST, "more than %d query arguments "
		    "or headers", WEBHOOK_MAX_FIELDS);
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.method = method;
	r.path = url;
	r.tail = slash ? slash : "";
	r.content_type = gw_req_header(&(struct gw_req){ .headers = headers,
	    .nheaders = hc.n }, MHD_HTTP_HEADER_CONTENT_TYPE);
	r.body = req->body;
	r.len = req->len;
	r.query = query;
	r.nquery = qc.n;
	r.headers = headers;
	r.nheaders = hc.n;

	if (req->ops->check)
		status = req->ops->check(req->prov, &r, reason, sizeof(reason));
	if (status == 0) {
		switch (kind) {
		case KIND_SMS:
			status = req->ops->parse_sms(req->prov, &r, h->o.max_text_chars, &req->wh,
			    reason, sizeof(reason));
			break;
		case KIND_DLR:
			status = req->ops->parse_dlr(req->prov, &r, &req->wh, reason, sizeof(reason));
			break;
		case KIND_USSD:
			status = req->ops->parse_ussd(req->prov, &r, &req->ussd, reason,
			    sizeof(reason));
			break;
		}
	}
	if (status) {
		/* Said in the log too: a provider retries a refusal, then drops the message. */
		log_warnx("http: %s %s/%s refused with %d: %s", method, kind == KIND_SMS ? "sms" :
		    kind == KIND_DLR ? "dlr" : "ussd", req->ops->name, status, reason);
		metrics_count(M_INBOUND_REFUSED, 1);
		ret = respond_error(req->conn, (unsigned)status, "%s", reason);
	} else {
		ret = submit(req, kind == KIND_SMS ? run_sms : kind == KIND_DLR ? run_dlr : run_ussd);
	}
out:
	gw_kv_free(query, qc.n);
	gw_kv_free(headers, hc.n);
	return ret;
}

static enum MHD_Result
health(struct gw_http *h, struct MHD_Connection *conn)
{
	enum store_rc rc;
	char why[160];

	pthread_mutex_lock(&h->health_lock);
	rc = store_ping(h->health);
	pthread_mutex_unlock(&h->health_lock);
	if (rc != STORE_OK)
		return respond_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "database does not answer");
	if (ingest_health(h->ingest, why, sizeof(why)) != 0)
		return respond_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "messages cannot be stored "
		    "now (%s); webhooks answer 503 until they can", why);
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

static const char *
after(const char *url, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(url, prefix, n) == 0 && url[n] != '\0' ? url + n : NULL;
}

static void sleep_ms(int ms);

static struct watched *
watched_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* A request on conn began (since: now) or has arrived whole (0). */
static void
watch_request(struct gw_http *h, struct MHD_Connection *conn, int64_t since)
{
	struct watched *w = watched_of(conn);

	if (w == NULL)
		return;
	pthread_mutex_lock(&h->watch_lock);
	w->since = since;
	pthread_mutex_unlock(&h->watch_lock);
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct gw_http *h = cls;
	struct watched *w = *socket_context;
	const union MHD_ConnectionInfo *ci;

	pthread_mutex_lock(&h->watch_lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		w = calloc(1, sizeof(*w));
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (w && ci) {
			w->fd = ci->connect_fd;
			w->since = clock_now_ms();
			w->next = h->watching;
			if (h->watching)
				h->watching->prev = w;
			h->watching = w;
			*socket_context = w;
		} else {
			free(w);
		}
	} else if (w) {
		/* Called before libmicrohttpd closes the socket: the fd is not reused yet. */
		if (w->prev)
			w->prev->next = w->next;
		else
			h->watching = w->next;
		if (w->next)
			w->next->prev = w->prev;
		free(w);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&h->watch_lock);
}

/* Every quarter second: cut connections whose request has not arrived whole in time. */
static void *
reaper_main(void *arg)
{
	struct gw_http *h = arg;
	struct watched *w;
	int64_t now;
	int cut;

	for (;;) {
		cut = 0;
		pthread_mutex_lock(&h->watch_lock);
		if (h->reaper_stop) {
			pthread_mutex_unlock(&h->watch_lock);
			break;
		}
		now = clock_now_ms();
		for (w = h->watching; w; w = w->next) {
			if (w->since && now - w->since > h->o.conn_timeout_ms) {
				shutdown(w->fd, SHUT_RDWR);	/* libmicrohttpd then closes it */
				w->since = 0;
				cut++;
			}
		}
		pthread_mutex_unlock(&h->watch_lock);
		if (cut)
			log_info("http: %d connection(s) cut: a request must arrive whole within %lld ms",
			    cut, (long long)h->o.conn_timeout_ms);
		sleep_ms(250);
	}
	return NULL;
}

/*
 * Called with the request line, before anything is decoded: the start of a request (for the
 * deadline), and the one place a "%00" in the path can still be seen. Its return value is the
 * request's state from here on.
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct gw_http *h = cls;
	struct request *req = calloc(1, sizeof(*req));
	size_t path_len = strcspn(uri, "?");
	const char *nul = strstr(uri, "%00");

	if (req == NULL)
		return NULL;
	req->h = h;
	req->conn = conn;
	req->bad_path = nul && (size_t)(nul - uri) < path_len;
	watch_request(h, conn, clock_now_ms());
	return req;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct gw_http *h = cls;
	struct request *req = *con_cls;
	const char *rest;

	(void)version;
	if (req == NULL) {	/* on_uri could not allocate */
		return MHD_NO;
	}
	if (!req->started) {
		const char *clen;

		req->started = 1;
		if (req->bad_path)
			return respond_error(conn, MHD_HTTP_BAD_REQUEST, "a NUL byte in the path");
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
		collect_body(req, upload_data, *upload_data_size, h->o.max_body);
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (req->state == REQ_DONE)
		return answer(req);
	if (req->state == REQ_WAITING)
		return MHD_YES;	/* spurious call while suspended */
	watch_request(h, conn, 0);	/* it has arrived whole: no deadline while it is answered */

	if (strcmp(url, "/healthz") == 0) {
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return method_not_allowed(conn, "GET, HEAD");
		return health(h, conn);
	}
	if (gw_bureau_owns(url))
		return gw_bureau_request(h->bureau, conn, url, method, req->body, req->len);
	if ((rest = after(url, "/sms/")) != NULL)
		return webhook(req, method, url, rest, KIND_SMS);
	if ((rest = after(url, "/dlr/")) != NULL)
		return webhook(req, method, url, rest, KIND_DLR);
	if ((rest = after(url, "/ussd/")) != NULL)
		return webhook(req, method, url, rest, KIND_USSD);
	return respond_error(conn, MHD_HTTP_NOT_FOUND, "no such path");
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *req = *con_cls;

	struct gw_http *h = cls;
	int waiting;

	(void)conn;
	(void)toe;
	if (req == NULL)
		return;
	*con_cls = NULL;
	/*
	 * Closed while its job is still in the writer's hands (its client went between the
	 * request and the suspension): the job still uses req, and job_done frees it.
	 */
	pthread_mutex_lock(&h->lock);
	waiting = req->state == REQ_WAITING;
	if (waiting)
		req->orphaned = 1;
	pthread_mutex_unlock(&h->lock);
	if (waiting)
		return;
	uncount(req);
	request_free(req);
}

static void
request_free(struct request *req)
{
	gw_webhook_free(&req->wh);
	gw_ussd_free(&req->ussd);
	free(req->ussd_reply);
	free(req->body);
	free(req);
}

static void FL_PRINTF(2, 0)
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warnk(fmt, "http: %s", line);	/* limited per libmicrohttpd's message */
}

/* Open the inbound half of every provider whose section is configured. */
static int
open_providers(struct gw_http *h, const struct config *cfg, char *err, size_t errlen)
{
	char why[512];
	int i, unconfigured;

	for (i = 0; gw_providers[i] && h->nprov < MAX_PROVIDERS; i++) {
		const struct gw_provider_ops *ops = gw_providers[i];
		struct gw_provider *p;

		if (ops->parse_sms == NULL && ops->parse_dlr == NULL)
			continue;	/* the console receives nothing */
		unconfigured = 0;
		why[0] = '\0';
		p = ops->open(cfg, &unconfigured, why, sizeof(why));
		if (p == NULL && unconfigured)
			continue;
		if (p == NULL) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		if (ops->webhooks && !ops->webhooks(p, why, sizeof(why))) {
			/* Opened to send only: its secret is not set, so nothing comes in. */
			log_info("http: %s webhooks off: %s", ops->name, why);
			ops->close(p);
			continue;
		}
		h->ops[h->nprov] = ops;
		h->prov[h->nprov++] = p;
		if (ops->webhooks)
			log_info("http: %s webhooks on: %s", ops->name, why);
		else
			log_info("http: %s webhooks on", ops->name);
	}
	if (h->nprov == 0)
		log_info("http: no provider's webhooks are on (each needs its secret; README)");
	return 0;
}

static void
close_providers(struct gw_http *h)
{
	int i;

	for (i = 0; i < h->nprov; i++)
		h->ops[i]->close(h->prov[i]);
	h->nprov = 0;
}

struct gw_http *
gw_http_start(const struct gw_http_opts *o, const struct config *cfg,
    const struct ussd_menu *menu, struct ingest *ig, struct store *health_store, char *err,
    size_t errlen)
{
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	struct sockaddr *sa;
	unsigned int flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct gw_http *h;
	/* The limits, given only when set: a client past them is closed on accept. */
	struct MHD_OptionItem limits[3];
	int nlimits = 0;

	if (o->max_connections > 0)
		limits[nlimits++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
		    o->max_connections, NULL };
	if (o->max_per_address > 0)
		limits[nlimits++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    o->max_per_address, NULL };
	limits[nlimits] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
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
	h->menu = menu;
	if (open_providers(h, cfg, err, errlen) != 0) {
		close_providers(h);
		free(h);
		return NULL;
	}
	h->bureau = gw_bureau_new(cfg, ig, err, errlen);
	if (h->bureau == NULL) {
		close_providers(h);
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->health_lock, NULL);
	pthread_mutex_init(&h->watch_lock, NULL);
	h->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)o->threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)((o->conn_timeout_ms + 999) / 1000),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
	    MHD_OPTION_ARRAY, limits,
	    MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", o->bind, o->port,
		    errno ? strerror(errno) : "libmicrohttpd refused the settings");
		pthread_mutex_destroy(&h->lock);
		pthread_mutex_destroy(&h->health_lock);
		pthread_mutex_destroy(&h->watch_lock);
		close_providers(h);
		gw_bureau_free(h->bureau);
		free(h);
		return NULL;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : o->port;
	h->reaper_on = pthread_create(&h->reaper, NULL, reaper_main, h) == 0;
	if (!h->reaper_on)
		log_warnx("http: cannot start the thread that cuts slow requests");
	return h;
}

int
gw_http_port(const struct gw_http *h)
{
	return h->port;
}

void
gw_http_set_rules(struct gw_http *h, struct route_rules *rules)
{
	gw_bureau_set_rules(h->bureau, rules);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until no request is in the writer's hands, at most ms; the number left. */
static int
wait_in_flight(struct gw_http *h, int ms)
{
	int64_t until = clock_now_ms() + ms;
	int busy;

	for (;;) {
		pthread_mutex_lock(&h->lock);
		busy = h->in_flight;
		pthread_mutex_unlock(&h->lock);
		if (busy == 0 || clock_now_ms() >= until)
			break;
		sleep_ms(5);
	}
	return busy;
}

int
gw_http_stop(struct gw_http *h)
{
	const union MHD_DaemonInfo *info;
	int waited = 0, busy, cancelled, rc = 0;

	if (h == NULL)
		return 0;
	pthread_mutex_lock(&h->lock);
	h->stopping = 1;
	pthread_mutex_unlock(&h->lock);
	MHD_quiesce_daemon(h->d);

	/*
	 * Every suspended request is answered before the daemon goes: what the writer commits
	 * in time is answered 200, what is still queued after that is answered 503 (not stored:
	 * the provider sends it again), and a request whose client left counts no more once
	 * libmicrohttpd closed it.
	 */
	busy = wait_in_flight(h, STOP_COMMIT_MS);
	if (busy > 0) {
		cancelled = ingest_cancel_waiting(h->ingest);
		log_warnx("http: stopping: %d request(s) not committed within %d ms; %d still "
		    "queued answered 503", busy, STOP_COMMIT_MS, cancelled);
		busy = wait_in_flight(h, STOP_WRITER_MS);
	}
	if (busy > 0) {
		/*
		 * The writer is stuck in one transaction (a hung disk): libmicrohttpd cannot stop
		 * with connections suspended, and the writer still uses their requests. Nothing of
		 * theirs was acknowledged; the caller ends the process without freeing them.
		 */
		log_warnx("http: stopping: the writer has not finished its group within %d ms; "
		    "%d request(s) left unanswered (not acknowledged)", STOP_WRITER_MS, busy);
		rc = -1;
		goto out;
	}
	/* Give answers a moment to reach their clients. */
	while (waited < STOP_DRAIN_MS) {
		info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (info == NULL || info->num_connections == 0)
			break;
		sleep_ms(10);
		waited += 10;
	}
	if (h->reaper_on) {
		pthread_mutex_lock(&h->watch_lock);
		h->reaper_stop = 1;
		pthread_mutex_unlock(&h->watch_lock);
		pthread_join(h->reaper, NULL);
	}
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->watch_lock);
	close_providers(h);
	gw_bureau_free(h->bureau);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->health_lock);
	free(h);
out:
	return rc;
}
