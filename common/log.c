/*
 * Logging: one line per event on stderr, "time level: message".
 */
#include "common/log.h"

#include <errno.h>
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

static void FL_PRINTF(2, 0)
log_vwrite(const char *tag, const char *fmt, va_list ap, const char *suffix)
{
	char stamp[32], line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	if (suffix) {
		n = strlen(line);
		snprintf(line + n, sizeof(line) - n, ": %s", suffix);
	}
	log_mask_numbers(line);

	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s %s %s: %s\n", stamp, log_prog, tag, line);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	char err[128];
	int saved = errno;

	strerror_r(saved, err, sizeof(err));
	va_start(ap, fmt);
	log_vwrite("warn", fmt, ap, err);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite("warn", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite("info", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vwrite("debug", fmt, ap, NULL);
	va_end(ap);
}
