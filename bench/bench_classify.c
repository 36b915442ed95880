/*
 * Classification speed on one core: the labeled corpus repeated to at least 200,000 lines,
 * classified with normalization (OpenCC, width, case, spaces) and without (text normalized in
 * advance). Prints questions per second, the machine's core count, and the accuracy it saw,
 * and "figure:" lines for the summary of `make bench` (goals: 100,000/s and 300,000/s).
 *
 *   build/bench/bench_classify [RULES] [CORPUS] [LINES]
 */
#include "routing/classify.h"
#include "routing/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *rules_path = argc > 1 ? argv[1] : "config/categories.conf";
	const char *corpus_path = argc > 2 ? argv[2] : "tests/corpus/questions-dev.tsv";
	long want = argc > 3 ? atol(argv[3]) : 200000;
	struct route_rules *rules;
	struct route_norm *norm;
	struct route_result res;
	char line[4096], err[512], **text = NULL, **label = NULL, **normalized;
	size_t n = 0, cap = 0, total, i;
	long right = 0, sink = 0;
	double t0, t_norm, t_plain;
	FILE *fp;

	if (route_rules_load(rules_path, &rules, err, sizeof(err)) != 0 ||
	    route_norm_open(&norm, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	fp = fopen(corpus_path, "r");
	if (fp == NULL) {
		perror(corpus_path);
		return 1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *tab;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			text = realloc(text, cap * sizeof(*text));
			label = realloc(label, cap * sizeof(*label));
		}
		label[n] = strdup(line);
		text[n] = strdup(tab + 1);
		n++;
	}
	fclose(fp);
	if (n == 0)
		return 1;
	total = ((size_t)want + n - 1) / n * n;	/* whole copies of the corpus */

	normalized = calloc(n, sizeof(*normalized));
	for (i = 0; i < n; i++)
		normalized[i] = route_normalize(norm, text[i]);

	/* With normalization: what the gateway does for each inbound question. */
	t0 = seconds();
	for (i = 0; i < total; i++) {
		char *s = route_normalize(norm, text[i % n]);

		route_classify(rules, s, &res);
		sink += res.score;
		if (strcmp(res.code, label[i % n]) == 0)
			right++;
		free(s);
	}
	t_norm = seconds() - t0;

	/* Without: the same lines, normalized in advance. */
	t0 = seconds();
	for (i = 0; i < total; i++) {
		route_classify(rules, normalized[i % n], &res);
		sink += res.score;
	}
	t_plain = seconds() - t0;

	printf("classify: %zu questions (%zu distinct), 1 thread, %ld cores on this machine\n",
	    total, n, sysconf(_SC_NPROCESSORS_ONLN));
	printf("classify: with normalization    %10.0f questions/s  (%.2f us each)\n",
	    (double)total / t_norm, t_norm * 1e6 / (double)total);
	printf("classify: without normalization %10.0f questions/s  (%.2f us each)\n",
	    (double)total / t_plain, t_plain * 1e6 / (double)total);
	printf("classify: accuracy %.1f%% (%ld/%zu)  [checksum %ld]\n", 100.0 * (double)right /
	    (double)total, right, total, sink);
	/* for the summary of `make bench` (bench/run.sh); the goals are the routing issue's */
	printf("figure: classify.with_normalization %.0f q/s >= 100000\n", (double)total / t_norm);
	printf("figure: classify.without_normalization %.0f q/s >= 300000\n",
	    (double)total / t_plain);
	for (i = 0; i < n; i++) {
		free(text[i]);
		free(label[i]);
		free(normalized[i]);
	}
	free(text);
	free(label);
	free(normalized);
	route_norm_close(norm);
	route_rules_free(rules);
	return 0;
}
