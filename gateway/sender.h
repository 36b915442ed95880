/*
 * The sender: a thread that works through the outbox, hands each due message to the
 * configured provider, and records the outcome — sent, or tried again later with exponential
 * backoff, or failed. Everything is in the database, so a restart resumes what was pending.
 */
#ifndef FL_SENDER_H
#define FL_SENDER_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct gw_sender;

/* Opens its own database connection. NULL with a reason in err. */
struct gw_sender *gw_sender_start(const struct config *cfg, char *err, size_t errlen);
/* Look at the outbox now (new messages were committed). Safe from any thread. */
void gw_sender_wake(void *sender);
void gw_sender_stop(struct gw_sender *s);

/* The delay before attempt number attempts+1, given attempts made so far (exposed for tests). */
int64_t gw_sender_backoff(int64_t base_ms, int64_t max_ms, int attempts, unsigned *seed);

#endif
