/*
 * Allocation that cannot fail for the caller. farmline's policy for running out of memory is
 * OpenSMTPD's: there is nothing sensible to do about it in the middle of a request, so these
 * abort, and the service manager restarts the gateway (nothing acknowledged is lost: what was
 * acknowledged is committed). Every module allocates through these instead of checking for
 * NULL itself.
 */
#ifndef FL_XMALLOC_H
#define FL_XMALLOC_H

#include "common/log.h"

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
/* n elements of size, zeroed; n 0 gives a valid pointer too. */
void *xcalloc(size_t n, size_t size);
/* p resized to n elements of size (p NULL: a new block), checking n * size for overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
/* A copy of s, caller frees; NULL gives NULL. */
char *xstrdup(const char *s);
/* A copy of at most len bytes of s, NUL-terminated; caller frees. */
char *xstrndup(const char *s, size_t len);
/* The formatted text in a new string; caller frees. */
char *xasprintf(const char *fmt, ...) FL_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) FL_PRINTF(1, 0);

#endif
