/*
 * SMS text rules in one place: GSM-7 or UCS-2, and how many segments a text takes
 * (GSM-7: 160 septets alone, 153 a part; UCS-2: 70 units alone, 67 a part).
 */
#ifndef FL_SMS_H
#define FL_SMS_H

#include "common/utf8.h"

#include <stddef.h>
#include <stdint.h>

enum sms_coding { SMS_GSM7 = 0, SMS_UCS2 = 2 };

struct sms_count {
	enum sms_coding coding;
	int units;	/* septets (GSM-7, extension characters count 2) or UTF-16 units */
	int chars;	/* Unicode code points */
	int segments;
};

/* How a valid UTF-8 text is sent and how many segments it takes. */
void sms_count(const char *text, struct sms_count *out);
int sms_segments(const char *text);

/* Units one segment holds: alone (160 septets, 70 UTF-16 units) or as a part (153, 67). */
int sms_segment_units(enum sms_coding coding, int alone);
/*
 * The length in bytes of the longest start of text that takes at most units in coding. It
 * never cuts a character in two, nor a surrogate pair or a GSM escape (a character counting 2).
 */
size_t sms_fit(const char *text, enum sms_coding coding, int units);
/* The units text takes in coding (septets for GSM-7, UTF-16 units for UCS-2). */
int sms_units(const char *text, enum sms_coding coding);

#endif
