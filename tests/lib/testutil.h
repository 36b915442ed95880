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

/* The first column of the first row of sql, read through a connection of the test's own (-1: no
 * row). A test fails if the statement does not prepare. */
long long tu_query_int(const char *db_path, const char *sql);
/* Fail the test, showing both, when haystack does not contain needle. */
void tu_assert_contains(const char *haystack, const char *needle);

#endif
