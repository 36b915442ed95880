/*
 * The fake SMS provider the integration and fault tests send to: farmline's generic HTTP
 * provider posting JSON ({"id", "to", "text", …}) to 127.0.0.1. It records every request with
 * farmline's message id, the time and its answer, and can refuse, fail, stall or go away.
 * (bench/ keeps its own: a forked server that only counts, see bench/bench.h.)
 */
#ifndef FL_FAKEPROV_H
#define FL_FAKEPROV_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

/* What the fake provider does with a request. */
enum fp_mode {
	FP_ACCEPT,	/* 200 with {"id":…} (after delay_ms) */
	FP_FAIL,	/* 503 at once */
	FP_SLOW,	/* 503 after slow_ms: longer than [provider] timeout, so a timeout */
};

/* One request the fake provider received. */
struct fp_hit {
	long long id;		/* farmline's message id, from the JSON body */
	char *to, *text;
	int64_t at;		/* when it arrived, wall clock ms (farmline's clock) */
	int status;		/* what it was answered: 200, 400, 503, or 0 for a stall */
	int run;		/* N when posted to /send/N (-1 otherwise): which gateway sent it */
};

/* Its fields are read and set under lock. */
struct fprov {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t lock;
	struct fp_hit *hits;
	int n, cap;
	enum fp_mode mode;
	int delay_ms, slow_ms;
	int closing;		/* cut stalls short: the listener is going away */
	/* Refuse messages to this number with 400 and an error naming it (the log test). */
	char reject_to[32];
	/* Answer 503 once to each message to this number, with an error naming it. */
	char flaky_to[32];
	/* Answer 503 to every message to this number. */
	char fail_to[32];
	int fail_next;		/* answer 503 to this many requests, whatever else is set */
	int refused;		/* how many of those were answered */
	int ready;
};

/* Listen on 127.0.0.1:port (0: any free port; fp->port tells); *fp starts zeroed and may be
 * started again after fp_stop. 0 on success. */
int fp_start(struct fprov *fp, int port);
/* Close the listener: connections are refused until fp_start again on the same port. */
void fp_stop(struct fprov *fp);
/* Stop it and free what it recorded (a provider never started may be freed too). */
void fp_free(struct fprov *fp);
void fp_set_mode(struct fprov *fp, enum fp_mode mode);
/* Answer 503 to the next n requests (and count them again from 0 in fp->refused). */
void fp_fail_next(struct fprov *fp, int n);
/* A copy of the hits so far (the strings stay the provider's); returns how many. */
int fp_snapshot(struct fprov *fp, struct fp_hit **out);
/* How many times message id was accepted (answered 200). */
int fp_accepted(struct fprov *fp, long long id);

/* Messages accepted (answered 200): wait up to 15 s until there are n (returns how many);
 * the text of the first to "to" containing needle (the provider's, or NULL); how many went to
 * "to". */
int fp_wait(struct fprov *fp, int n);
const char *fp_find(struct fprov *fp, const char *to, const char *needle);
int fp_count_to(struct fprov *fp, const char *to);

#endif
