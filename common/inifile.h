/*
 * INI files read with libinih, with the line number of every key handed to the caller, so that
 * errors and explanations can say "file:line".
 */
#ifndef FL_INIFILE_H
#define FL_INIFILE_H

#include <stddef.h>

/*
 * Called for each "name = value" in "section". Return 0 to accept; otherwise write a short reason
 * (without file or line) into err and return -1: parsing stops and inifile_parse reports it.
 */
typedef int (*inifile_handler)(void *user, const char *section, const char *name,
    const char *value, int line, char *err, size_t errlen);

/*
 * Parse path. Returns 0, or -1 with "path:line: reason" (or "path: reason") in err.
 */
int inifile_parse(const char *path, inifile_handler handler, void *user, char *err, size_t errlen);

#endif
