/*
 * Logging to stderr with a level and a timestamp, in the manner of OpenSMTPD's log.h.
 * Phone numbers never go into a log line whole: pass them through phone_mask() first.
 */
#ifndef FL_LOG_H
#define FL_LOG_H

#define FL_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum log_level { LOG_LEVEL_WARN = 0, LOG_LEVEL_INFO = 1, LOG_LEVEL_DEBUG = 2 };

void log_init(const char *progname, enum log_level level);
enum log_level log_get_level(void);
/*
 * log_warn appends strerror(errno); log_warnx does not. Warnings are rate-limited by their
 * format (one call site): at most LOG_BURST lines a minute of each, then one line says how
 * many more there were. log_warnk takes the kind to limit by from key instead (a format
 * passed through, e.g. libmicrohttpd's).
 */
#define LOG_BURST 10
void log_warn(const char *fmt, ...) FL_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) FL_PRINTF(1, 2);
void log_warnk(const void *key, const char *fmt, ...) FL_PRINTF(2, 3);
/* Write the "suppressed" lines of warnings whose minute is over (the periodic work calls it). */
void log_flush_suppressed(void);
void log_info(const char *fmt, ...) FL_PRINTF(1, 2);
void log_debug(const char *fmt, ...) FL_PRINTF(1, 2);

/* Mask the phone numbers in a line of text, in place (exposed for tests). */
void log_mask_numbers(char *line);

#endif
