/*
 * The outbound sender thread.
 */
#include "gateway/sender.h"

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "gateway/phone.h"
#include "gateway/provider.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gw_sender {
	struct store *store;
	const struct gw_provider_ops *ops;
	struct gw_provider *provider;
	int64_t retry_base_ms, retry_max_ms, max_age_ms, poll_ms;
	int batch;
	unsigned seed;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
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

/* Send one message and record what became of it. */
static void
send_one(struct gw_sender *s, struct store_msg *m)
{
	struct gw_outbound out;
	struct gw_send_result r;
	char masked[32];
	int64_t now = clock_now_ms();
	enum store_rc rc;

	rc = store_outbox_sending(s->store, m->id, s->ops->name, now);
	if (rc == STORE_NOTFOUND)
		return;		/* someone else took it */
	if (rc) {
		log_warnx("sender: cannot mark message %lld sending: %s", (long long)m->id,
		    store_errmsg(s->store));
		return;
	}
	memset(&out, 0, sizeof(out));
	out.id = m->id;
	out.from = m->sender;
	out.to = m->recipient;
	out.text = m->body;
	out.segments = m->segments;
	memset(&r, 0, sizeof(r));
	s->ops->send(s->provider, &out, &r);
	now = clock_now_ms();
	phone_mask(m->recipient, masked, sizeof(masked));

	switch (r.status) {
	case GW_SEND_OK:
		rc = store_outbox_sent(s->store, m->id, r.provider_id[0] ? r.provider_id : NULL, now);
		log_debug("sender: message %lld to %s sent", (long long)m->id, masked);
		break;
	case GW_SEND_RETRY:
		if (now - m->created_at >= s->max_age_ms) {
			rc = store_outbox_failed(s->store, m->id, r.error, now);
			log_warnx("sender: message %lld to %s failed after %d attempts: %s",
			    (long long)m->id, masked, m->attempts + 1, r.error);
			break;
		}
		rc = store_outbox_retry(s->store, m->id, now + gw_sender_backoff(s->retry_base_ms,
		    s->retry_max_ms, m->attempts + 1, &s->seed), r.error);
		log_info("sender: message %lld to %s will be retried (attempt %d): %s",
		    (long long)m->id, masked, m->attempts + 1, r.error);
		break;
	case GW_SEND_FAIL:
	default:
		rc = store_outbox_failed(s->store, m->id, r.error, now);
		log_warnx("sender: message %lld to %s refused: %s", (long long)m->id, masked, r.error);
		break;
	}
	if (rc)
		log_warnx("sender: cannot record the outcome of message %lld: %s", (long long)m->id,
		    store_errmsg(s->store));
}

/* Send what is due; returns how many were handled. */
static int
send_due(struct gw_sender *s)
{
	struct store_msg *rows;
	int n = 0, i;

	rows = calloc((size_t)s->batch, sizeof(*rows));
	if (rows == NULL)
		return 0;
	if (store_outbox_due(s->store, clock_now_ms(), rows, s->batch, &n) != STORE_OK)
		log_warnx("sender: cannot read the outbox: %s", store_errmsg(s->store));
	for (i = 0; i < n; i++) {
		send_one(s, &rows[i]);
		store_msg_free(&rows[i]);
	}
	free(rows);
	return n;
}

static void *
sender_main(void *arg)
{
	struct gw_sender *s = arg;
	struct timespec until;
	int64_t wait_ms, next;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		s->woken = 0;
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		pthread_mutex_unlock(&s->lock);

		if (send_due(s) > 0)
			continue;

		wait_ms = s->poll_ms;
		if (store_outbox_next_due(s->store, &next) == STORE_OK) {
			int64_t until_due = next - clock_now_ms();

			if (until_due < wait_ms)
				wait_ms = until_due > 0 ? until_due : 0;
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

struct gw_sender *
gw_sender_start(const struct config *cfg, char *err, size_t errlen)
{
	struct gw_sender *s;
	char why[512];
	int recovered = 0;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = gw_provider_find(cfg->provider_type);
	if (s->ops == NULL) {
		snprintf(err, errlen, "[provider] type: unknown provider \"%s\"", cfg->provider_type);
		free(s);
		return NULL;
	}
	s->retry_base_ms = cfg->retry_base_ms;
	s->retry_max_ms = cfg->retry_max_ms;
	s->max_age_ms = cfg->max_age_ms;
	s->poll_ms = cfg->poll_ms;
	s->batch = cfg->sender_batch;
	s->seed = (unsigned)clock_now_ms();
	if (store_open(cfg->db_path, cfg->busy_timeout_ms, &s->store, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "sender: %s", why);
		free(s);
		return NULL;
	}
	s->provider = s->ops->open(cfg, err, errlen);
	if (s->provider == NULL) {
		store_close(s->store);
		free(s);
		return NULL;
	}
	/* Messages a crash left "sending" may or may not have reached the provider: send again. */
	if (store_outbox_recover(s->store, &recovered) == STORE_OK && recovered > 0)
		log_info("sender: %d message(s) interrupted by a stop will be sent again", recovered);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
		snprintf(err, errlen, "cannot start the sender thread");
		s->ops->close(s->provider);
		store_close(s->store);
		free(s);
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
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	s->ops->close(s->provider);
	store_close(s->store);
	free(s);
}
