/*
 * The growable string with a cap (see buf.h).
 */
#include "common/buf.h"

#include "common/utf8.h"
#include "common/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

int
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->max && b->len + n > b->max) {
		b->toobig = 1;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
buf_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);
	int rc = buf_str(b, s);

	free(s);
	return rc;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int
buf_ellipsized(struct buf *b, const char *s, int max)
{
	if (max <= 0 || utf8_chars(s) <= max)
		return buf_str(b, s);
	if (buf_add(b, s, (size_t)(utf8_skip(s, max - 1) - s)) != 0)
		return -1;
	return buf_str(b, "…");
}

const char *
buf_text(const struct buf *b)
{
	return b->p ? b->p : "";
}

char *
buf_take(struct buf *b)
{
	char *p = b->p ? b->p : xstrdup("");
	size_t max = b->max;

	buf_init(b, max);
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	buf_init(b, b->max);
}
