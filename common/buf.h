/*
 * A growable string with a cap, after curl's dynbuf: text is added until the cap, past which
 * nothing more is added and the buffer says it is too big. USSD screens, reports and lists of
 * names are built in one; the result is always a NUL-terminated string.
 */
#ifndef FL_BUF_H
#define FL_BUF_H

#include "common/log.h"

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;		/* NULL until something is added */
	size_t len, cap;
	size_t max;		/* the most bytes it may hold (0: no cap) */
	int toobig;		/* something was refused for the cap */
};

/* An empty buffer without a cap, for a declaration. */
#define BUF_INIT { NULL, 0, 0, 0, 0 }

/* An empty buffer holding at most max bytes (0: no cap). */
void buf_init(struct buf *b, size_t max);
/* Add n bytes of s: 0, or -1 when that would pass the cap (nothing is added, toobig set). */
int buf_add(struct buf *b, const char *s, size_t n);
int buf_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) FL_PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) FL_PRINTF(2, 0);
/* s cut to at most max characters, "…" ending what was cut (max 0: not cut). */
int buf_ellipsized(struct buf *b, const char *s, int max);
/* The text so far, borrowed until the next change ("" when empty). */
const char *buf_text(const struct buf *b);
/* The caller's string (never NULL); b is empty again, with the same cap. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

#endif
