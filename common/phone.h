/*
 * Phone numbers: normalized to E.164 ("+8613800000001") before they are stored or compared,
 * and masked ("138****0001") wherever a person or a log sees someone else's number.
 */
#ifndef FL_PHONE_H
#define FL_PHONE_H

#include <stddef.h>

#define PHONE_MAX 20	/* "+" and at most 15 digits, with room to spare */

/* The country code given to numbers written without one (default "86"). */
void phone_set_country(const char *cc);

/*
 * Normalize a number written by a person or a provider: spaces, dashes, dots and brackets are
 * dropped; "00" and "+" mean an international number; a number without one gets the default
 * country code (a leading trunk "0" is dropped). Chinese mobile numbers must have 11 digits.
 * Returns 0 with the E.164 form in out, or -1 if in is not a phone number.
 */
int phone_normalize(const char *in, char *out, size_t outlen);

/* "+8613800000001" → "138****0001". Always writes a terminated string into out. */
void phone_mask(const char *e164, char *out, size_t outlen);

#endif
