/*
 * Small helpers shared by the tests: temporary directories and files.
 */
#ifndef FL_TESTUTIL_H
#define FL_TESTUTIL_H

#include <stddef.h>

/* Make a fresh directory under $TMPDIR (or /tmp); returns a path the caller frees. */
char *tu_mkdtemp(const char *tag);
/* Remove a directory made by tu_mkdtemp and everything in it. */
void tu_rmtree(const char *dir);
/* Write text to dir/name; returns the path (caller frees). */
char *tu_write_file(const char *dir, const char *name, const char *text);

#endif
