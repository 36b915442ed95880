/*
 * Parsing the generic provider's inbound webhook: application/x-www-form-urlencoded (decoded
 * with libmicrohttpd's unescaper) or application/json (jansson), then the checks every
 * inbound message must pass: a phone number, UTF-8 text that is not empty or too long.
 */
#include "gateway/inbound.h"

#include "gateway/sms.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROVIDER_NAME "http"

enum field { F_FROM, F_TO, F_TEXT, F_ID, F_COUNT };
static const char *const field_names[F_COUNT] = { "from", "to", "text", "id" };

struct fields {
	char *v[F_COUNT];
	size_t len[F_COUNT];
};

static int
field_index(const char *name, size_t len)
{
	int i;

	for (i = 0; i < F_COUNT; i++) {
		if (strlen(field_names[i]) == len && memcmp(field_names[i], name, len) == 0)
			return i;
	}
	return -1;
}

/* Whether the media type of content_type (before any ";") is type. */
static int
media_is(const char *content_type, const char *type)
{
	size_t n = strlen(type);

	if (content_type == NULL)
		return 0;
	while (*content_type == ' ')
		content_type++;
	return strncasecmp(content_type, type, n) == 0 &&
	    (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

static int
parse_form(const char *body, size_t len, struct fields *f, char *reason, size_t rlen)
{
	char *copy, *pair, *save = NULL;
	int nfields = 0, rc = 0;

	copy = malloc(len + 1);
	if (copy == NULL)
		abort();
	memcpy(copy, body, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {
		snprintf(reason, rlen, "the body contains a NUL byte");
		free(copy);
		return 400;
	}
	for (pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '='), *p, *value;
		size_t klen, vlen;
		int idx;

		if (++nfields > INBOUND_MAX_FIELDS) {
			snprintf(reason, rlen, "more than %d form fields", INBOUND_MAX_FIELDS);
			rc = 400;
			break;
		}
		value = eq ? eq + 1 : pair + strlen(pair);
		if (eq)
			*eq = '\0';
		for (p = pair; *p; p++)
			if (*p == '+')
				*p = ' ';
		for (p = value; *p; p++)
			if (*p == '+')
				*p = ' ';
		klen = MHD_http_unescape(pair);
		idx = field_index(pair, klen);
		if (idx < 0)
			continue;	/* providers add fields of their own */
		if (f->v[idx]) {
			snprintf(reason, rlen, "field %s given twice", field_names[idx]);
			rc = 400;
			break;
		}
		vlen = MHD_http_unescape(value);
		f->v[idx] = malloc(vlen + 1);
		if (f->v[idx] == NULL)
			abort();
		memcpy(f->v[idx], value, vlen);
		f->v[idx][vlen] = '\0';
		f->len[idx] = vlen;
	}
	free(copy);
	return rc;
}

static int
parse_json(const char *body, size_t len, struct fields *f, char *reason, size_t rlen)
{
	json_error_t jerr;
	json_t *root;
	int i, rc = 0;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(reason, rlen, "invalid JSON at line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		return 400;
	}
	if (!json_is_object(root)) {
		snprintf(reason, rlen, "the JSON body must be an object");
		json_decref(root);
		return 400;
	}
	for (i = 0; i < F_COUNT; i++) {
		json_t *v = json_object_get(root, field_names[i]);
		char num[32];
		const char *s;
		size_t n;

		if (v == NULL || json_is_null(v))
			continue;
		if (json_is_string(v)) {
			s = json_string_value(v);
			n = json_string_length(v);
		} else if (i == F_ID && json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			s = num;
			n = strlen(num);
		} else {
			snprintf(reason, rlen, "field %s must be a string", field_names[i]);
			rc = 400;
			break;
		}
		f->v[i] = malloc(n + 1);
		if (f->v[i] == NULL)
			abort();
		memcpy(f->v[i], s, n);
		f->v[i][n] = '\0';
		f->len[i] = n;
	}
	json_decref(root);
	return rc;
}

static int
only_blank(const char *s)
{
	const char *p = s;

	while (*p) {
		uint32_t cp;

		p += sms_utf8_decode(p, &cp);
		if (!(cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000))
			return 0;
	}
	return 1;
}

static int
printable_ascii(const char *s)
{
	for (; *s; s++) {
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	}
	return 1;
}

int
gw_inbound_parse(const char *content_type, const char *body, size_t len, int max_chars,
    struct gw_inbound *out, char *reason, size_t rlen)
{
	struct fields f;
	int rc, i;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	if (media_is(content_type, "application/x-www-form-urlencoded")) {
		rc = parse_form(body ? body : "", len, &f, reason, rlen);
	} else if (media_is(content_type, "application/json")) {
		rc = parse_json(body ? body : "", len, &f, reason, rlen);
	} else {
		snprintf(reason, rlen, "Content-Type must be application/x-www-form-urlencoded or "
		    "application/json");
		return 415;
	}
	if (rc)
		goto out;

	rc = 400;
	for (i = 0; i < F_COUNT; i++) {
		if (f.v[i] && !sms_utf8_valid(f.v[i], f.len[i])) {
			snprintf(reason, rlen, "field %s is not valid UTF-8 text", field_names[i]);
			goto out;
		}
	}
	if (f.v[F_FROM] == NULL || f.len[F_FROM] == 0) {
		snprintf(reason, rlen, "missing field: from");
		goto out;
	}
	if (f.v[F_TEXT] == NULL) {
		snprintf(reason, rlen, "missing field: text");
		goto out;
	}
	if (phone_normalize(f.v[F_FROM], out->from, sizeof(out->from)) != 0) {
		snprintf(reason, rlen, "from: not a phone number");
		goto out;
	}
	if (only_blank(f.v[F_TEXT])) {
		snprintf(reason, rlen, "text is empty");
		goto out;
	}
	if (sms_utf8_chars(f.v[F_TEXT]) > max_chars) {
		snprintf(reason, rlen, "text is longer than %d characters", max_chars);
		goto out;
	}
	if (f.v[F_TO] && (f.len[F_TO] > 32 || !printable_ascii(f.v[F_TO]))) {
		snprintf(reason, rlen, "to: not a phone number or short code");
		goto out;
	}
	if (f.v[F_ID] && (f.len[F_ID] == 0 || f.len[F_ID] > INBOUND_MAX_ID ||
	    !printable_ascii(f.v[F_ID]))) {
		snprintf(reason, rlen, "id: 1 to %d printable ASCII characters", INBOUND_MAX_ID);
		goto out;
	}
	rc = 0;
	out->text = f.v[F_TEXT];
	out->to = f.v[F_TO];
	out->id = f.v[F_ID];
	f.v[F_TEXT] = f.v[F_TO] = f.v[F_ID] = NULL;
	out->msg.provider = PROVIDER_NAME;
	out->msg.provider_id = out->id;
	out->msg.from = out->from;
	out->msg.to = out->to;
	out->msg.text = out->text;
out:
	for (i = 0; i < F_COUNT; i++)
		free(f.v[i]);
	return rc;
}

void
gw_inbound_free(struct gw_inbound *in)
{
	free(in->to);
	free(in->text);
	free(in->id);
	memset(in, 0, sizeof(*in));
}
