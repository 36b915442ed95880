/*
 * Logging: one line per event on stderr, "time level: message". Warnings of one kind (one
 * call site's format, or a key a caller gives) are written at most LOG_BURST times a minute;
 * the rest are counted, and one line says how many were left out.
 */
#include "common/log.h"

#include "common/clock.h"
#include "common/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *log_prog = "farmline";
static enum log_level log_level = LOG_LEVEL_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_init(const char *progname, enum log_level level)
{
	if (progname)
		log_prog = progname;
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

#define LOG_LINE_MAX 2048
#define LOG_WINDOW_MS 60000
#define LOG_KINDS 64		/* kinds of warning followed at once; more share slots */

/* One kind of warning in the current minute (log_lock). */
struct log_kind {
	const void *key;	/* NULL: free */
	char what[64];		/* the start of its last line, to name it when suppressed */
	int64_t since;		/* the start of its minute */
	int written, suppressed;
};

static struct log_kind log_kinds[LOG_KINDS];

/*
 * Mask every phone number in line, in place: a run of 11 or more digits (a "+", a letter or
 * anything before it: "vx13800000001") keeps its first three and last four digits
 * ("+8613800000001" → "+861****0001"). Callers mask the numbers they log; this catches those
 * that come inside a provider's error text or a farmer's own words.
 */
void
log_mask_numbers(char *line)
{
	char *p = line, *q;
	size_t n;

	while (*p) {
		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		for (q = p; *q >= '0' && *q <= '9'; q++)
			;
		n = (size_t)(q - p);
		if (n >= 11) {
			memcpy(p + 3, "****", 4);
			memmove(p + 7, q - 4, strlen(q - 4) + 1);
			q = p + 11;
		}
		p = q;
	}
}

static void
log_emit(const char *tag, const char *line)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s %s %s: %s\n", stamp, log_prog, tag, line);
}

/* Say how many lines of k were left out, and start its count again; log_lock held. */
static void
flush_kind(struct log_kind *k)
{
	char line[256];

	if (k->suppressed > 0) {
		snprintf(line, sizeof(line), "suppressed %d more line(s) like \"%s\" in the last "
		    "minute", k->suppressed, k->what);
		log_emit("warn", line);
	}
	k->written = k->suppressed = 0;
}

/*
 * Whether a warning of kind key may be written now (log_lock held); line names it in the
 * "suppressed" line. A slot taken by another kind is handed over after its count is said.
 */
static int
may_write(const void *key, const char *line, int64_t now)
{
	struct log_kind *k = &log_kinds[((uintptr_t)key >> 4) % LOG_KINDS];
	size_t n;
	int i;

	for (i = 0; i < LOG_KINDS; i++) {
		struct log_kind *o = &log_kinds[i];

		if (o->key && o != k && o->suppressed > 0 && now - o->since >= LOG_WINDOW_MS) {
			flush_kind(o);
			o->since = now;
		}
	}
	if (k->key != key || now - k->since >= LOG_WINDOW_MS) {
		flush_kind(k);
		k->key = key;
		k->since = now;
	}
	/* The start of the line, cut between characters. */
	n = strlen(line);
	if (n >= sizeof(k->what))
		n = utf8_floor(line, sizeof(k->what) - 1);
	memcpy(k->what, line, n);
	k->what[n] = '\0';
	if (k->written < LOG_BURST) {
		k->written++;
		return 1;
	}
	k->suppressed++;
	return 0;
}

/* key: the kind of warning to rate-limit by (NULL: not limited, for info and debug). */
static void FL_PRINTF(3, 0)
log_vwrite(const char *tag, const void *key, const char *fmt, va_list ap, const char *suffix)
{
	char line[LOG_LINE_MAX];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (suffix) {
		n = strlen(line);
		snprintf(line + n, sizeof(line) - n, ": %s", suffix);
	}
	log_mask_numbers(line);

	pthread_mutex_lock(&log_lock);
	if (key == NULL || may_write(key, line, clock_now_ms()))
		log_emit(tag, line);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void
log_flush_suppressed(void)
{
	int64_t now = clock_now_ms();
	int i;

	pthread_mutex_lock(&log_lock);
	for (i = 0; i < LOG_KINDS; i++) {
		struct log_kind *k = &log_kinds[i];

		if (k->key && k->suppressed > 0 && now - k->since >= LOG_WINDOW_MS) {
			flush_kind(k);
			k->since = now;
		}
	}
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void
log_warnk(const void *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("warn", key ? key : fmt, fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	char err[128];
	int saved = errno;

	strerror_r(saved, err, sizeof(err));
	va_start(ap, fmt);
	log_vwrite("warn", fmt, fmt, ap, err);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("warn", fmt, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite("info", NULL, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vwrite("debug", NULL, fmt, ap, NULL);
	va_end(ap);
}
