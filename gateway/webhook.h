/*
 * A provider's webhook request as the adapters see it — method, path, query, headers, body —
 * and what they make of it: inbound messages, a delivery report. Built by the HTTP server from
 * libmicrohttpd, or by a test from plain strings.
 */
#ifndef FL_WEBHOOK_H
#define FL_WEBHOOK_H

#include "common/phone.h"

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_MAX_FIELDS 64	/* form fields or query arguments in one request */
#define WEBHOOK_MAX_ID 128	/* a provider's message id */
#define WEBHOOK_MAX_BATCH 100	/* messages in one request (Aliyun pushes batches) */

struct gw_kv {
	char *key;
	char *value;
	size_t vlen;		/* value bytes (it may hold a NUL) */
};

struct gw_req {
	const char *method;
	const char *path;		/* "/sms/twilio" */
	const char *tail;		/* what follows "/sms/<provider>": "/TOKEN", or "" */
	const char *content_type;
	const char *body;	/* len bytes, and a NUL after them (the server adds one) */
	size_t len;
	const struct gw_kv *query;	/* decoded query arguments */
	int nquery;
	const struct gw_kv *headers;
	int nheaders;
};

/* A query argument or header (headers case-insensitively); NULL when absent. */
const char *gw_req_query(const struct gw_req *r, const char *key);
const char *gw_req_header(const struct gw_req *r, const char *key);

/* Whether the media type of the request (before any ";") is type. */
int gw_req_is(const struct gw_req *r, const char *type);

/*
 * Decode an application/x-www-form-urlencoded string (a body or a query string) into at most
 * max fields, in order. Returns the number of fields, or -1 with a reason (too many fields, a
 * NUL byte in the body or in a decoded field name; a value may hold one, vlen says how long it
 * is). Free with gw_kv_free; on failure nothing is left to free.
 */
int gw_form_parse(const char *s, size_t len, struct gw_kv *kv, int max, char *reason,
    size_t rlen);
void gw_kv_free(struct gw_kv *kv, int n);
/* The value of key among kv (the first one), or NULL. */
const struct gw_kv *gw_kv_find(const struct gw_kv *kv, int n, const char *key);
/*
 * The fields named in keys (a NULL-terminated list), each given at most once among kv: 0 with
 * out[i] pointing into kv (NULL when absent), or 400 with a reason naming a repeated field or
 * one that holds a NUL byte (only "text" and "Body" may).
 */
int gw_kv_pick(const struct gw_kv *kv, int n, const char *const *keys,
    const struct gw_kv **out, char *reason, size_t rlen);

/*
 * A parameter of the request's Content-Type ("charset" in text/plain; charset="UTF-16BE"),
 * unquoted, into out. 0, or -1 when it is absent or does not fit in outlen.
 */
int gw_req_type_param(const struct gw_req *r, const char *name, char *out, size_t outlen);

/*
 * What a provider says in its own words (a failure reason, an error reply), made fit for a log
 * line or a database row: at most srclen bytes of src, valid UTF-8 characters kept, control
 * characters and bytes that are not UTF-8 each turned into '?'. A character is never cut; dst
 * is always terminated (dstlen > 0).
 */
void gw_clean_text(char *dst, size_t dstlen, const char *src, size_t srclen);

/* One inbound SMS, checked: a phone number, valid UTF-8 text that is neither empty nor long. */
struct gw_msg {
	char from[PHONE_MAX];
	char *to;
	char *text;
	char *id;		/* the provider's id, or NULL */
};

enum gw_dlr_status { DLR_PENDING = 0, DLR_DELIVERED, DLR_FAILED };

struct gw_dlr {
	char *ref;		/* our report reference, when the provider echoes it (Kannel) */
	char *provider_id;	/* else the provider's id for the message */
	enum gw_dlr_status status;
	char *reason;		/* why it failed, or NULL */
	int opted_out;		/* the recipient told the provider to stop (Twilio 21610) */
};

/* What one webhook request carried. */
struct gw_webhook {
	struct gw_msg msgs[WEBHOOK_MAX_BATCH];
	int nmsgs;
	struct gw_dlr dlr;
	int has_dlr;
};

/*
 * Check and add a message from raw fields (from, to, text, id as the provider sent them;
 * text_len may be given for text holding NULs). Returns 0, or 400 with a reason.
 */
int gw_webhook_add(struct gw_webhook *wh, const char *from, const char *to, const char *text,
    size_t text_len, const char *id, int max_chars, char *reason, size_t rlen);
/*
 * gw_webhook_add with the fields gw_kv_pick found for the keys "from", "to", "text", "id", in
 * that order (f[i] NULL: not given).
 */
int gw_webhook_add_fields(struct gw_webhook *wh, const struct gw_kv *const *f, int max_chars,
    char *reason, size_t rlen);
void gw_webhook_free(struct gw_webhook *wh);

#define WEBHOOK_MIN_TOKEN 16	/* characters of a secret token in a webhook's path */

/*
 * Check that req->tail is "/" followed by token (compared as SHA-256 digests in constant time;
 * the token is never written anywhere). 0, or 403 with a reason. An empty token never matches.
 */
int gw_check_path_token(const struct gw_req *req, const char *token, char *reason, size_t rlen);
/*
 * The check of a webhook whose secret is required: no token configured, 404 (off); a path
 * ending in "/<token>", as gw_check_path_token; else "Authorization: Bearer <token>" (401
 * without it, 403 when wrong). 0 when it matches.
 */
int gw_check_secret(const struct gw_req *req, const char *token, char *reason, size_t rlen);
/* As gw_check_secret, but the token must be in the path (providers that cannot add headers). */
int gw_check_secret_path(const struct gw_req *req, const char *token, char *reason,
    size_t rlen);
/* Whether given is token, compared as SHA-256 digests in constant time (empty never matches). */
int gw_token_equal(const char *given, const char *token);
/*
 * The path check of a provider whose token is optional: with a token (non-empty), as
 * gw_check_path_token; without, nothing may follow the provider's name (404).
 */
int gw_check_path(const struct gw_req *req, const char *token, char *reason, size_t rlen);
/* A configured token fit for a URL: empty (off), or 16+ letters, digits, '-' and '_'. */
int gw_path_token_ok(const char *token);

/* Whether ref looks like a report reference farmline makes: 16 to 64 letters and digits. */
int gw_ref_ok(const char *ref);


#endif
