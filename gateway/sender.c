/*
 * The outbound sender thread. Due messages are taken from the outbox, marked "sending", and
 * handed to the configured provider: over HTTP through libcurl's multi interface (several
 * requests in flight, connections kept and reused), or directly (the console). Each outcome is
 * recorded as it comes: sent, tried again later with exponential backoff and jitter, or failed.
 * A cap of [provider] rate messages a second is kept with a token bucket. Everything is in the
 * database, so a restart resumes what was pending; a message left "sending" by a crash is sent
 * again (at least once to the provider, never again once it was accepted and recorded).
 *
 * The bookkeeping is done in groups, one transaction each (every commit is a disk flush): the
 * messages about to go are marked "sending" together, and the outcomes that came in are
 * recorded together. An outcome the database cannot take (disk full, locked) is kept and
 * written again until it is stored; meanwhile nothing new is started.
 */
#include "gateway/sender.h"

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/phone.h"
#include "gateway/provider.h"
#include "store/store.h"
#include "common/xmalloc.h"

#include <curl/curl.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPLY_MAX 16384		/* of a provider's answer kept for map_reply */
#define STOP_DRAIN_MS 2000	/* how long a stop waits for requests in flight */
#define STORE_BACKOFF_MS 200	/* after the database refused a write */
#define LOG_EVERY_MS 10000	/* the same database trouble is logged at most this often */

/* What became of a message, waiting to be written. */
struct outcome {
	struct store_msg m;
	struct gw_send_result r;
	int64_t at;
};

/* One request in flight. */
struct flight {
	CURL *easy;
	struct store_msg m;
	struct gw_out_request req;
	char *reply;
	size_t len;
	int busy;
};

struct gw_sender {
	struct store *store;
	const struct gw_provider_ops *ops;
	struct gw_provider *provider;
	int64_t retry_base_ms, retry_max_ms, max_age_ms, poll_ms, timeout_ms;
	int batch;
	unsigned seed;

	CURLM *multi;
	struct flight *flights;
	int parallel, busy;

	struct outcome *outcomes;	/* not yet written */
	int noutcomes, capoutcomes;
	int64_t store_backoff_until;	/* the database refused: wait until then */
	int64_t store_logged_at;

	/* the throughput cap: tokens (messages) accrue at rate a second, up to burst */
	double rate, tokens, burst;
	int64_t tokens_at;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* for providers without HTTP */
	int woken;
	int stopping;
};

int64_t
gw_sender_backoff(int64_t base_ms, int64_t max_ms, int attempts, unsigned *seed)
{
	int64_t delay = base_ms;
	int i;

	for (i = 1; i < attempts && delay < max_ms; i++)
		delay *= 2;
	if (delay > max_ms)
		delay = max_ms;
	/* Up to a tenth more, so that messages that failed together are not retried together. */
	if (delay >= 10)
		delay += rand_r(seed) % (delay / 10 + 1);
	return delay;
}

/* Refill the bucket; how many messages may start now. */
static int
tokens_available(struct gw_sender *s, int64_t now)
{
	if (s->rate <= 0)
		return 1 << 30;
	s->tokens += (double)(now - s->tokens_at) * s->rate / 1000.0;
	s->tokens_at = now;
	if (s->tokens > s->burst)
		s->tokens = s->burst;
	return s->tokens >= 1.0 ? (int)s->tokens : 0;
}

/* Milliseconds until the next token. */
static int64_t
until_token(const struct gw_sender *s)
{
	if (s->rate <= 0 || s->tokens >= 1.0)
		return 0;
	return (int64_t)((1.0 - s->tokens) * 1000.0 / s->rate) + 1;
}

/* Keep what became of message m (whose strings pass to the sender) for the next write. */
static void
add_outcome(struct gw_sender *s, struct store_msg *m, const struct gw_send_result *r)
{
	struct outcome *o;

	if (s->noutcomes == s->capoutcomes) {
		s->capoutcomes = s->capoutcomes ? s->capoutcomes * 2 : 64;
		s->outcomes = xreallocarray(s->outcomes, (size_t)s->capoutcomes * sizeof(*s->outcomes), 1);
	}
	o = &s->outcomes[s->noutcomes++];
	o->m = *m;
	o->r = *r;
	o->at = clock_now_ms();
	memset(m, 0, sizeof(*m));
}

/* Write one outcome, inside the caller's transaction. */
static enum store_rc
record(struct gw_sender *s, const struct outcome *o)
{
	const struct store_msg *m = &o->m;
	const struct gw_send_result *r = &o->r;
	char error[sizeof(r->error)];
	enum store_rc rc;

	/*
	 * The provider's words may name the recipient ("The 'To' number +86… is not valid"); what
	 * is stored goes on to staff by SMS and into the history: numbers masked, as in the log.
	 */
	snprintf(error, sizeof(error), "%s", r->error);
	log_mask_numbers(error);
	switch (r->status) {
	case GW_SEND_OK:
		rc = store_outbox_sent(s->store, m->id, r->provider_id[0] ? r->provider_id : NULL,
		    o->at);
		break;
	case GW_SEND_RETRY:
		if (o->at - m->created_at >= s->max_age_ms)
			rc = store_outbox_failed(s->store, m->id, error, o->at);
		else
			rc = store_outbox_retry(s->store, m->id, o->at + gw_sender_backoff(
			    s->retry_base_ms, s->retry_max_ms, m->attempts, &s->seed), error);
		break;
	case GW_SEND_FAIL:
	default:
		rc = store_outbox_failed(s->store, m->id, error, o->at);
		break;
	}
	/*
	 * STORE_NOTFOUND: the row has moved on meanwhile (a delivery report came first): the
	 * outcome changes nothing, and the message is not sent again.
	 */
	if ((rc == STORE_OK || rc == STORE_NOTFOUND) && r->opted_out)
		rc = store_farmer_opt_out_phone(s->store, m->recipient);
	return rc;
}

/* Say what became of it, once it is stored. */
static void
tell(struct gw_sender *s, const struct outcome *o)
{
	const struct store_msg *m = &o->m;
	const struct gw_send_result *r = &o->r;
	char masked[32];

	phone_mask(m->recipient, masked, sizeof(masked));
	switch (r->status) {
	case GW_SEND_OK:
		metrics_count(M_OUTBOUND_SENT, 1);
		log_debug("sender: message %lld to %s sent", (long long)m->id, masked);
		break;
	case GW_SEND_RETRY:
		if (o->at - m->created_at >= s->max_age_ms) {
			metrics_count(M_OUTBOUND_FAILED, 1);
			log_warnx("sender: message %lld to %s failed after %d attempts: %s",
			    (long long)m->id, masked, m->attempts, r->error);
		} else {
			metrics_count(M_OUTBOUND_RETRY, 1);
			log_info("sender: message %lld to %s will be retried (attempt %d): %s",
			    (long long)m->id, masked, m->attempts, r->error);
		}
		break;
	case GW_SEND_FAIL:
	default:
		metrics_count(M_OUTBOUND_FAILED, 1);
		log_warnx("sender: message %lld to %s refused: %s", (long long)m->id, masked,
		    r->error);
		break;
	}
	if (r->opted_out)
		log_info("sender: %s has opted out with the provider: no more broadcasts", masked);
}

/* The database refused a write: wait a little, and say so now and then (not every time). */
static void
store_trouble(struct gw_sender *s, const char *what)
{
	int64_t now = clock_now_ms();

	s->store_backoff_until = now + STORE_BACKOFF_MS;
	if (now - s->store_logged_at >= LOG_EVERY_MS) {
		s->store_logged_at = now;
		log_warnx("sender: cannot %s: %s (trying again)", what, store_errmsg(s->store));
	}
}

/* Write every outcome waiting, in one transaction; on failure keep them for the next try. */
static void
flush_outcomes(struct gw_sender *s)
{
	enum store_rc rc;
	int i;

	if (s->noutcomes == 0)
		return;
	rc = store_begin(s->store);
	for (i = 0; rc == STORE_OK && i < s->noutcomes; i++) {
		rc = record(s, &s->outcomes[i]);
		if (rc == STORE_NOTFOUND)
			rc = STORE_OK;
	}
	if (rc == STORE_OK)
		rc = store_commit(s->store);
	if (rc) {
		store_rollback(s->store);
		store_trouble(s, "record what the provider said");
		return;
	}
	for (i = 0; i < s->noutcomes; i++) {
		tell(s, &s->outcomes[i]);
		store_msg_free(&s->outcomes[i].m);
	}
	s->noutcomes = 0;
	s->store_backoff_until = 0;
}

static size_t
collect_reply(char *data, size_t size, size_t nmemb, void *arg)
{
	struct flight *f = arg;
	size_t n = size * nmemb, room = REPLY_MAX - f->len;
	char *grown;

	if (n > room)
		n = room;
	if (n > 0) {
		grown = realloc(f->reply, f->len + n + 1);
		if (grown == NULL)
			return 0;
		f->reply = grown;
		memcpy(f->reply + f->len, data, n);
		f->len += n;
		f->reply[f->len] = '\0';
	}
	return size * nmemb;
}

static void
flight_clear(struct gw_sender *s, struct flight *f)
{
	curl_multi_remove_handle(s->multi, f->easy);
	gw_out_request_free(&f->req);
	store_msg_free(&f->m);
	free(f->reply);
	f->reply = NULL;
	f->len = 0;
	f->busy = 0;
	s->busy--;
}

static struct flight *
free_flight(struct gw_sender *s)
{
	int i;

	for (i = 0; i < s->parallel; i++) {
		if (!s->flights[i].busy)
			return &s->flights[i];
	}
	return NULL;
}

/*
 * Start message m, already marked sending (ownership passes to the sender): build its request
 * and add it to the multi handle, or send it at once for providers without HTTP.
 */
static void
start_one(struct gw_sender *s, struct store_msg *m)
{
	struct gw_outbound out;
	struct gw_send_result r;
	struct flight *f;
	char err[256];

	memset(&out, 0, sizeof(out));
	out.id = m->id;
	out.from = m->sender;
	out.to = m->recipient;
	out.text = m->body;
	out.segments = m->segments;
	out.ref = m->report_ref;
	memset(&r, 0, sizeof(r));
	m->attempts++;		/* the one being made */
	if (s->ops->send) {
		s->ops->send(s->provider, &out, &r);
		add_outcome(s, m, &r);
		return;
	}

	f = free_flight(s);		/* the caller made sure there is one */
	memset(&f->req, 0, sizeof(f->req));
	if (s->ops->build(s->provider, &out, &f->req, err, sizeof(err)) != 0) {
		r.status = GW_SEND_FAIL;
		snprintf(r.error, sizeof(r.error), "%s", err);
		gw_out_request_free(&f->req);
		add_outcome(s, m, &r);
		return;
	}
	f->m = *m;
	memset(m, 0, sizeof(*m));
	f->busy = 1;
	s->busy++;
	curl_easy_reset(f->easy);
	curl_easy_setopt(f->easy, CURLOPT_URL, f->req.url);
	curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->req.headers);
	if (f->req.body) {
		curl_easy_setopt(f->easy, CURLOPT_POSTFIELDS, f->req.body);
		curl_easy_setopt(f->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)f->req.len);
	}
	if (f->req.userpwd) {
		curl_easy_setopt(f->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(f->easy, CURLOPT_USERPWD, f->req.userpwd);
	}
	curl_easy_setopt(f->easy, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
	curl_easy_setopt(f->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)s->timeout_ms);
	curl_easy_setopt(f->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, collect_reply);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_PRIVATE, f);
	if (curl_multi_add_handle(s->multi, f->easy) != CURLM_OK) {
		r.status = GW_SEND_RETRY;
		snprintf(r.error, sizeof(r.error), "libcurl refused the request");
		gw_out_request_free(&f->req);
		f->busy = 0;
		s->busy--;
		add_outcome(s, &f->m, &r);
	}
}

/* Requests that finished: map the provider's answer and record it. */
static void
finish_done(struct gw_sender *s)
{
	struct gw_send_result r;
	struct flight *f;
	CURLMsg *msg;
	long code;
	int left;

	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		f = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f);
		memset(&r, 0, sizeof(r));
		if (msg->data.result == CURLE_OK) {
			code = 0;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
			s->ops->map_reply(s->provider, code, f->reply ? f->reply : "", f->len, &r);
		} else {
			/* No answer (refused, timed out, cut off): it may be tried again. */
			r.status = GW_SEND_RETRY;
			snprintf(r.error, sizeof(r.error), "%s", curl_easy_strerror(msg->data.result));
		}
		add_outcome(s, &f->m, &r);
		flight_clear(s, f);
	}
}

/*
 * A new report reference into *out (caller frees): 128 random bits from OpenSSL's generator as
 * 32 hexadecimal digits, so that nobody can name a message in a forged report. 0, or -1 (*out
 * untouched) when there is no randomness to be had.
 */
static int
make_ref(char **out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16];
	char *ref;
	size_t i;

	if (RAND_bytes(raw, (int)sizeof(raw)) != 1)
		return -1;
	ref = xmalloc(sizeof(raw) * 2 + 1);
	for (i = 0; i < sizeof(raw); i++) {
		ref[2 * i] = hex[raw[i] >> 4];
		ref[2 * i + 1] = hex[raw[i] & 15];
	}
	ref[sizeof(raw) * 2] = '\0';
	*out = ref;
	return 0;
}

/*
 * Start what is due, as far as free slots and the cap allow; returns how many started. The
 * messages are marked "sending" in one transaction before any request goes out.
 */
static int
start_due(struct gw_sender *s)
{
	struct store_msg *rows;
	int room, n = 0, i, started = 0;
	int64_t now = clock_now_ms();
	enum store_rc rc;
	char *marked;

	if (s->noutcomes > 0 || now < s->store_backoff_until)
		return 0;	/* the last outcomes are not stored yet */
	room = s->ops->send ? s->batch : s->parallel - s->busy;
	if (room > s->batch)
		room = s->batch;
	i = tokens_available(s, now);
	if (room > i)
		room = i;
	if (room <= 0)
		return 0;
	rows = xcalloc((size_t)room, sizeof(*rows));
	marked = xcalloc((size_t)room, 1);
	if (store_outbox_due(s->store, now, rows, room, &n) != STORE_OK) {
		store_trouble(s, "read the outbox");
		n = 0;
	}
	rc = n ? store_begin(s->store) : STORE_OK;
	for (i = 0; rc == STORE_OK && i < n; i++) {
		/* Its report reference is made once, on the first attempt, and kept. */
		if (rows[i].report_ref == NULL && make_ref(&rows[i].report_ref) != 0) {
			store_trouble(s, "make a report reference (no randomness)");
			rc = STORE_ERR;
			break;
		}
		rc = store_outbox_sending(s->store, rows[i].id, s->ops->name, rows[i].report_ref,
		    now);
		marked[i] = rc == STORE_OK;
		if (rc == STORE_NOTFOUND)
			rc = STORE_OK;	/* withdrawn or taken meanwhile */
	}
	if (n && rc == STORE_OK)
		rc = store_commit(s->store);
	if (rc) {
		store_rollback(s->store);
		store_trouble(s, "mark messages sending");
	}
	for (i = 0; i < n; i++) {
		if (rc == STORE_OK && marked[i]) {
			if (s->rate > 0)
				s->tokens -= 1.0;
			start_one(s, &rows[i]);	/* takes rows[i] */
			started++;
		}
		store_msg_free(&rows[i]);
	}
	free(rows);
	free(marked);
	return started;
}

/* How long the loop may sleep before it must look again. */
static int64_t
wait_for(struct gw_sender *s)
{
	int64_t wait_ms = s->poll_ms, next, t;

	if (s->busy < s->parallel || s->ops->send) {
		if (store_outbox_next_due(s->store, &next) == STORE_OK) {
			t = next - clock_now_ms();
			if (t < wait_ms)
				wait_ms = t > 0 ? t : 0;
		}
		t = until_token(s);
		if (t > 0 && wait_ms < t)
			wait_ms = t;
	}
	return wait_ms;
}

static int
is_stopping(struct gw_sender *s)
{
	int stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stopping;
	s->woken = 0;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

static void *
sender_main(void *arg)
{
	struct gw_sender *s = arg;
	int64_t wait_ms, stop_at = 0, now;
	struct timespec until;
	int running, stopping;

	for (;;) {
		stopping = is_stopping(s);
		if (s->multi) {
			curl_multi_perform(s->multi, &running);
			finish_done(s);
		}
		flush_outcomes(s);
		now = clock_now_ms();
		if (stopping) {
			if (s->busy == 0 && (s->noutcomes == 0 || (stop_at && now >= stop_at)))
				break;
			if (stop_at == 0)
				stop_at = now + STOP_DRAIN_MS;
			else if (now >= stop_at)
				break;	/* what is still in flight stays "sending": sent again later */
		} else if (start_due(s) > 0) {
			continue;
		}
		wait_ms = stop_at ? 50 : wait_for(s);
		if (s->noutcomes > 0 || s->store_backoff_until > now)
			wait_ms = s->store_backoff_until > now ? s->store_backoff_until - now : 0;
		if (s->multi) {
			curl_multi_poll(s->multi, NULL, 0, (int)(wait_ms > 60000 ? 60000 : wait_ms),
			    NULL);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		if (!s->woken && !s->stopping && wait_ms > 0) {
			clock_deadline(wait_ms, &until);
			pthread_cond_timedwait(&s->cond, &s->lock, &until);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static void
sender_free(struct gw_sender *s)
{
	int i;

	for (i = 0; s->flights && i < s->parallel; i++) {
		if (s->flights[i].busy)
			flight_clear(s, &s->flights[i]);
		if (s->flights[i].easy)
			curl_easy_cleanup(s->flights[i].easy);
	}
	free(s->flights);
	for (i = 0; i < s->noutcomes; i++)
		store_msg_free(&s->outcomes[i].m);	/* left "sending": sent again at start */
	free(s->outcomes);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	if (s->provider)
		s->ops->close(s->provider);
	store_close(s->store);
	free(s);
}

struct gw_sender *
gw_sender_start(const struct config *cfg, char *err, size_t errlen)
{
	struct gw_sender *s;
	char why[512];
	int recovered = 0, unconfigured = 0, i;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = gw_provider_find(cfg->provider_type);
	if (s->ops == NULL || (s->ops->send == NULL && s->ops->build == NULL)) {
		snprintf(err, errlen, "[provider] type: \"%s\" cannot send", cfg->provider_type);
		free(s);
		return NULL;
	}
	s->retry_base_ms = cfg->retry_base_ms;
	s->retry_max_ms = cfg->retry_max_ms;
	s->max_age_ms = cfg->max_age_ms;
	s->poll_ms = cfg->poll_ms;
	s->timeout_ms = cfg->provider_timeout_ms;
	s->batch = cfg->sender_batch;
	s->parallel = cfg->provider_parallel > 0 ? cfg->provider_parallel : 1;
	s->rate = cfg->provider_rate;
	/* A tenth of a second's worth at once, so that the cap holds over any second. */
	s->burst = s->rate >= 10 ? s->rate / 10.0 : 1.0;
	s->tokens = s->burst;
	s->tokens_at = clock_now_ms();
	s->seed = (unsigned)clock_now_ms();
	if (store_open(cfg->db_path, cfg->busy_timeout_ms, &s->store, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "sender: %s", why);
		free(s);
		return NULL;
	}
	s->provider = s->ops->open(cfg, &unconfigured, err, errlen);
	if (s->provider == NULL) {
		if (unconfigured)
			snprintf(err, errlen, "[provider] type = %s, but its [%s] section is missing",
			    s->ops->name, s->ops->name);
		sender_free(s);
		return NULL;
	}
	if (s->ops->send == NULL) {
		s->multi = curl_multi_init();
		s->flights = calloc((size_t)s->parallel, sizeof(*s->flights));
		if (s->multi == NULL || s->flights == NULL) {
			snprintf(err, errlen, "cannot set up libcurl");
			sender_free(s);
			return NULL;
		}
		/* Connections are kept and reused across requests; at most parallel at once. */
		curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)s->parallel);
		curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)s->parallel);
		for (i = 0; i < s->parallel; i++) {
			s->flights[i].easy = curl_easy_init();
			if (s->flights[i].easy == NULL) {
				snprintf(err, errlen, "cannot set up libcurl");
				sender_free(s);
				return NULL;
			}
		}
	}
	/* Messages a crash left "sending" may or may not have reached the provider: send again. */
	if (store_outbox_recover(s->store, &recovered) == STORE_OK && recovered > 0)
		log_info("sender: %d message(s) interrupted by a stop will be sent again", recovered);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
		snprintf(err, errlen, "cannot start the sender thread");
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->cond);
		sender_free(s);
		return NULL;
	}
	return s;
}

void
gw_sender_wake(void *arg)
{
	struct gw_sender *s = arg;

	pthread_mutex_lock(&s->lock);
	s->woken = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->multi)
		curl_multi_wakeup(s->multi);
}

void
gw_sender_stop(struct gw_sender *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->multi)
		curl_multi_wakeup(s->multi);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	sender_free(s);
}
