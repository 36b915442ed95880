/*
 * Process counters and histograms for GET /metrics (the Prometheus text format): what came
 * in and went out since start, how long classification took, how long farmers waited for an
 * answer. Figures for the bureau are not kept here: they are queries over the stored rows.
 * Every function is safe from any thread.
 */
#ifndef FL_METRICS_H
#define FL_METRICS_H

#include <stdint.h>
#include <stdio.h>

enum metric_counter {
	M_INBOUND_OK, M_INBOUND_DUPLICATE, M_INBOUND_REFUSED, M_INBOUND_UNAVAILABLE,
	M_REPORTS, M_USSD_STEPS,
	M_OUTBOUND_SENT, M_OUTBOUND_RETRY, M_OUTBOUND_FAILED,
	M_QUESTIONS, M_ANSWERS,
	M_COUNTERS
};

enum metric_histogram { H_CLASSIFY, H_RESPONSE, H_HISTOGRAMS };

void metrics_count(enum metric_counter c, int64_t n);
/* One observation, in seconds. */
void metrics_observe(enum metric_histogram h, double seconds);

/* Gauges read at the time of the scrape, from the caller (queue depths). */
struct metrics_gauges {
	int64_t outbox_queued, outbox_sending, ingest_waiting, open_consultations;
};

/* Everything in the Prometheus text exposition format. */
void metrics_print(FILE *out, const struct metrics_gauges *g);

#endif
