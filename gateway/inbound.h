/*
 * The generic provider's inbound webhook (DESIGN.md): form-encoded or JSON with from, to,
 * text and an optional id. Parsing is separate from the server so that it can be tested with
 * plain strings.
 */
#ifndef FL_INBOUND_H
#define FL_INBOUND_H

#include "consult/consult.h"
#include "gateway/phone.h"

#include <stddef.h>

#define INBOUND_MAX_FIELDS 64
#define INBOUND_MAX_ID 128

struct gw_inbound {
	struct sms_in msg;	/* points into the fields below */
	char from[PHONE_MAX];
	char *to;
	char *text;
	char *id;
};

/*
 * Parse a request body of the given Content-Type into out. Returns 0, or the HTTP status to
 * answer (400, 415) with a reason in reason. Free out with gw_inbound_free either way.
 */
int gw_inbound_parse(const char *content_type, const char *body, size_t len, int max_chars,
    struct gw_inbound *out, char *reason, size_t rlen);
void gw_inbound_free(struct gw_inbound *in);

#endif
