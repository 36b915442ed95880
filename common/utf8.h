/*
 * UTF-8 helpers every module uses: is a text well-formed, its code points, its length in
 * characters, and where to cut it without splitting a character.
 */
#ifndef FL_UTF8_H
#define FL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * 1 if s[0..len) is well-formed UTF-8 text: no NUL, no overlong forms, no surrogates, nothing
 * past U+10FFFF.
 */
int utf8_valid(const char *s, size_t len);

/*
 * Decode one code point at s (which must be valid UTF-8); returns its length in bytes and the
 * code point in *cp.
 */
int utf8_decode(const char *s, uint32_t *cp);

/* Number of code points in a valid UTF-8 string. */
int utf8_chars(const char *s);

/* The start of the character after the first n characters of s (valid UTF-8). */
const char *utf8_skip(const char *s, int n);

/*
 * The largest length at most len at which s (valid UTF-8, at least len bytes long, or len
 * its length) can be cut without splitting a character.
 */
size_t utf8_floor(const char *s, size_t len);

#endif
