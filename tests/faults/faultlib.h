/*
 * What the fault tests share beyond tests/lib/harness and tests/lib/fakeprov (the fake SMS
 * provider, which records every request and can fail, stall or go away): a world
 * whose ports are fixed, so that the gateway can be killed and started again under load; an
 * HTTP client that threads may use; a /healthz monitor; queries; a watchdog.
 *
 * The environment: FAULT_SEED repeats a run's random choices, FAULT_WATCHDOG sets the
 * watchdog's seconds, FAULT_NO_MOUNT makes the disk-full test use RLIMIT_FSIZE instead of a
 * tmpfs, FAULT_SHOW_LOG prints the gateway's log (disk-full and log tests), FARMLINE_KEEP
 * keeps the temporary folders.
 */
#ifndef FL_FAULTLIB_H
#define FL_FAULTLIB_H

#include "tests/lib/fakeprov.h"
#include "tests/lib/harness.h"

#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

/* A free TCP port on 127.0.0.1 (free when asked). */
int fl_free_port(void);

/*
 * A world (tests/lib/harness.h) whose gateway listens on http_port (0: any) and sends to the
 * fake provider on fake_port; the database is dir/data/farmline.db; extra is appended to the
 * configuration. The harness's own fake provider is not used.
 */
struct world *fl_world_new(const char *tag, int fake_port, int http_port, const char *extra);
/*
 * The start every load test shares: the fake provider fp (answering after delay_ms) started,
 * a world on a free port (*http_port) with extra in its configuration, and the watchdog set
 * to watchdog_s. NULL when the fake provider cannot start.
 */
struct world *fl_start(const char *tag, struct fprov *fp, int delay_ms, int *http_port,
    const char *extra, int watchdog_s);
/* Write the configuration again, the provider's URL path being send_path: a gateway started
 * after this posts there, which tells its requests from an earlier one's. */
void fl_world_write_conf(struct world *w, int fake_port, int http_port, const char *extra,
    const char *send_path);
void fl_world_free(struct world *w);

/* One HTTP request to 127.0.0.1:port with its own handle (threads may call it at once).
 * Returns the status, 0 when no answer came (*err says why); the body in *reply (caller
 * frees), the time it took in *ms. extra: "Name: value" headers, NULL-terminated. */
long fl_request(CURL *c, int port, const char *method, const char *path,
    const char *const *extra, const char *content_type, const void *body, size_t len,
    char **reply, double *ms, CURLcode *err);
/* POST a form to /sms/inbound. */
long fl_post_form(CURL *c, int port, const char *form, char **reply);
/* Percent-encode len bytes for a form (caller frees). */
char *fl_form_escape(const char *s, size_t len);

/* A thread asking /healthz over a fresh connection every interval_ms. */
struct fl_monitor {
	pthread_t thread;
	int port, interval_ms;
	volatile int stop;
	pthread_mutex_t lock;
	int asked, not_ok, no_answer;
	double max_ms, sum_ms;
};
void fl_monitor_start(struct fl_monitor *m, int port, int interval_ms);
void fl_monitor_stop(struct fl_monitor *m);

/* Queries through a connection of the test's own; printf-style with sqlite3's %q/%Q. */
long long fl_q(const char *db, const char *fmt, ...);
/* The first column of the first row as text (caller frees; NULL: no row or NULL). */
char *fl_qs(const char *db, const char *fmt, ...);
/* The first column of every row, as integers (caller frees *out); returns the count. */
int fl_qlist(const char *db, long long **out, const char *fmt, ...);

/* Rows of (text, count) in the order of the text (SQLite's binary order, strcmp's). */
struct fl_pair {
	char *key;
	long long n;
};
int fl_qpairs(const char *db, struct fl_pair **out, const char *fmt, ...);
/* The count of key in pairs (0 when absent). */
long long fl_pair_count(const struct fl_pair *pairs, int n, const char *key);
void fl_pairs_free(struct fl_pair *pairs, int n);

/* Lines of log holding a run of 11 or more digits (a full phone number, +86 or not): their
 * count; the first few are printed with what. */
int fl_grep_numbers(const char *log, const char *what);

/* After seconds ($FAULT_WATCHDOG overrides), kill the gateway of w, unmount what was
 * registered, and exit the test. */
void fl_watchdog(int seconds, struct world *w);
void fl_watchdog_umount(const char *path);	/* NULL: nothing to unmount any more */

/* The seed for this run's random choices: $FAULT_SEED or the clock, printed. */
unsigned fl_seed(const char *test);

int64_t fl_wall_ms(void);

#endif
