/*
 * The counters behind /metrics: relaxed atomic adds, read without a lock at scrape time.
 */
#include "common/metrics.h"

#include <math.h>

static const struct {
	const char *name, *labels, *help;
} counters[M_COUNTERS] = {
	[M_INBOUND_OK] = { "farmline_inbound_total", "result=\"stored\"", "inbound webhook requests" },
	[M_INBOUND_DUPLICATE] = { "farmline_inbound_total", "result=\"duplicate\"", NULL },
	[M_INBOUND_REFUSED] = { "farmline_inbound_total", "result=\"refused\"", NULL },
	[M_INBOUND_UNAVAILABLE] = { "farmline_inbound_total", "result=\"unavailable\"", NULL },
	[M_REPORTS] = { "farmline_delivery_reports_total", "", "delivery reports received" },
	[M_USSD_STEPS] = { "farmline_ussd_steps_total", "", "USSD screens answered" },
	[M_OUTBOUND_SENT] = { "farmline_outbound_total", "result=\"sent\"",
	    "outbound SMS handed to the provider" },
	[M_OUTBOUND_RETRY] = { "farmline_outbound_total", "result=\"retry\"", NULL },
	[M_OUTBOUND_FAILED] = { "farmline_outbound_total", "result=\"failed\"", NULL },
	[M_QUESTIONS] = { "farmline_questions_total", "", "new consultations" },
	[M_ANSWERS] = { "farmline_answers_total", "", "answers relayed to farmers" },
};

/* Bucket upper bounds, seconds. */
static const double classify_bounds[] = { 0.000005, 0.00001, 0.00002, 0.00005, 0.0001,
    0.0002, 0.0005, 0.001, 0.005 };
static const double response_bounds[] = { 60, 300, 900, 1800, 3600, 7200, 14400, 28800,
    86400, 259200 };

#define MAX_BUCKETS 16

static const struct {
	const char *name, *help;
	const double *bounds;
	int nbounds;
} histograms[H_HISTOGRAMS] = {
	[H_CLASSIFY] = { "farmline_classify_seconds", "time to normalize and classify a question",
	    classify_bounds, sizeof(classify_bounds) / sizeof(classify_bounds[0]) },
	[H_RESPONSE] = { "farmline_response_seconds", "time from a question to its first answer",
	    response_bounds, sizeof(response_bounds) / sizeof(response_bounds[0]) },
};

static int64_t counter_values[M_COUNTERS];
static int64_t bucket_counts[H_HISTOGRAMS][MAX_BUCKETS + 1];
static int64_t hist_count[H_HISTOGRAMS];
static int64_t hist_sum_us[H_HISTOGRAMS];	/* microseconds, so that an add is atomic */

void
metrics_count(enum metric_counter c, int64_t n)
{
	__atomic_add_fetch(&counter_values[c], n, __ATOMIC_RELAXED);
}

void
metrics_observe(enum metric_histogram h, double seconds)
{
	int i;

	for (i = 0; i < histograms[h].nbounds; i++) {
		if (seconds <= histograms[h].bounds[i])
			break;
	}
	__atomic_add_fetch(&bucket_counts[h][i], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hist_count[h], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hist_sum_us[h], (int64_t)llround(seconds * 1e6), __ATOMIC_RELAXED);
}

static int64_t
load(const int64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

void
metrics_print(FILE *out, const struct metrics_gauges *g)
{
	const char *last = NULL;
	int64_t cum;
	int c, h, i;

	for (c = 0; c < M_COUNTERS; c++) {
		if (last == NULL || counters[c].name != last) {
			if (counters[c].help)
				fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", counters[c].name,
				    counters[c].help, counters[c].name);
			last = counters[c].name;
		}
		fprintf(out, "%s%s%s%s %lld\n", counters[c].name, *counters[c].labels ? "{" : "",
		    counters[c].labels, *counters[c].labels ? "}" : "",
		    (long long)load(&counter_values[c]));
	}
	for (h = 0; h < H_HISTOGRAMS; h++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s histogram\n", histograms[h].name,
		    histograms[h].help, histograms[h].name);
		for (i = 0, cum = 0; i < histograms[h].nbounds; i++) {
			cum += load(&bucket_counts[h][i]);
			fprintf(out, "%s_bucket{le=\"%g\"} %lld\n", histograms[h].name,
			    histograms[h].bounds[i], (long long)cum);
		}
		fprintf(out, "%s_bucket{le=\"+Inf\"} %lld\n", histograms[h].name,
		    (long long)load(&hist_count[h]));
		fprintf(out, "%s_sum %.6f\n%s_count %lld\n", histograms[h].name,
		    (double)load(&hist_sum_us[h]) / 1e6, histograms[h].name,
		    (long long)load(&hist_count[h]));
	}
	fprintf(out, "# HELP farmline_outbox_messages outbound SMS waiting or being sent\n"
	    "# TYPE farmline_outbox_messages gauge\n"
	    "farmline_outbox_messages{status=\"queued\"} %lld\n"
	    "farmline_outbox_messages{status=\"sending\"} %lld\n",
	    (long long)g->outbox_queued, (long long)g->outbox_sending);
	fprintf(out, "# HELP farmline_ingest_waiting inbound requests waiting for the writer\n"
	    "# TYPE farmline_ingest_waiting gauge\nfarmline_ingest_waiting %lld\n",
	    (long long)g->ingest_waiting);
	fprintf(out, "# HELP farmline_open_consultations questions not yet answered\n"
	    "# TYPE farmline_open_consultations gauge\nfarmline_open_consultations %lld\n",
	    (long long)g->open_consultations);
	fprintf(out, "# HELP farmline_build_info the running version\n"
	    "# TYPE farmline_build_info gauge\nfarmline_build_info{version=\"%s\"} 1\n",
	    FARMLINE_VERSION);
}
