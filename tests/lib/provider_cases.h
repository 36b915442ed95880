/*
 * The table runner every provider adapter's unit test uses (after nyaruka/courier's
 * RunIncomingTestCases): a request written as strings, built into a struct gw_req; rows of
 * webhook, delivery-report and send-answer cases, each checked the same way for every adapter
 * and failing with the row's name.
 */
#ifndef FL_PROVIDER_CASES_H
#define FL_PROVIDER_CASES_H

#include "common/config.h"
#include "gateway/provider.h"

#include <stddef.h>

/* A webhook request written as strings. */
struct req_in {
	const char *method;	/* NULL: POST */
	const char *tail;	/* what follows the path ("/TOKEN"); NULL: "" */
	const char *content_type;
	const char *body;
	size_t len;		/* 0: strlen(body) (0 for no body) */
	const char *query;	/* as in the URL, decoded the way libmicrohttpd does */
	const char *headers;	/* more headers, "Name: value\n…" */
	/* A provider that signs its requests (Twilio): the key it signs with (NULL: not signed),
	 * what it signs, and "lower" or "cut" to spoil the signature once made. */
	const char *sign_key, *signs, *mangle;
};

#define PROVIDER_REQ_MAX_HEADERS 8

/* A request built from a struct req_in; free with provider_req_free. */
struct provider_req {
	struct gw_req r;
	struct gw_kv query[WEBHOOK_MAX_FIELDS], headers[PROVIDER_REQ_MAX_HEADERS];
	int nq, nh;
	char hbuf[512];
	char sig[64];		/* the signature sent, or "" */
};

/* What a test file gives the runner; provider_setup puts one in *state. */
struct provider_fixture {
	struct config cfg;
	const struct gw_provider_ops *ops;
	struct gw_provider *p;
	/* Never to be found in a reason or an error (a token, a password); NULL: none. */
	const char *secret;
	/* For signed requests: the header and how to sign (base64 into out). */
	const char *sign_header;
	void (*sign)(const char *key, const char *data, char *out, size_t outlen);
};

struct webhook_case {
	const char *name;
	struct req_in req;
	int max_chars;		/* 0: 2000 */
	int status;		/* 0: parsed */
	/* The one message taken; to and id NULL: it must have none. */
	const char *from, *to, *text, *id;
	const char *reason;	/* part of the error */
};

struct dlr_case {
	const char *name;
	struct req_in req;
	int status;		/* 0: parsed */
	const char *ref, *id;	/* our reference, the provider's id; NULL: none */
	enum gw_dlr_status dlr;
	const char *reason;	/* stored (NULL: none), or part of the error */
	int opted_out;
};

/* A provider's answer to a send (map_reply). */
struct reply_case {
	const char *name;
	long status;		/* HTTP status, 0: no answer */
	const char *body;	/* NULL: none */
	enum gw_send_status want;
	const char *id;		/* GW_SEND_OK: the provider's id (NULL: not checked) */
	const char *error;	/* otherwise part of the error (NULL: not checked) */
	int opted_out;
};

/* Fill b from in as the HTTP server would for path; fails the test on a malformed row. */
void provider_build_req(const struct provider_fixture *f, const struct req_in *in,
    const char *path, struct provider_req *b);
void provider_req_free(struct provider_req *b);

/*
 * Configure (configure gets a struct config after config_defaults) and open the adapter name
 * into a new struct provider_fixture in *state; -1 when it does not open. teardown closes it.
 */
int provider_setup(void **state, const char *name, void (*configure)(struct config *));
int provider_teardown(void **state);

/* Run each case through parse_sms, parse_dlr or map_reply of the fixture in *state. */
void run_webhook_cases(void **state, const char *path, const struct webhook_case *cases,
    size_t n);
void run_dlr_cases(void **state, const char *path, const struct dlr_case *cases, size_t n);
void run_reply_cases(void **state, const struct reply_case *cases, size_t n);

/* The answer to a webhook: status, Content-Type (NULL: not checked) and body. */
void provider_assert_sms_reply(void **state, int status, const char *content_type,
    const char *body);

/*
 * Open adapter name with cfg (NULL: the defaults, no section of its own), which must fail:
 * err_part NULL, as unconfigured (its webhooks off); else with an error holding err_part and
 * not secret (NULL: not checked).
 */
void provider_assert_refused(const char *name, const struct config *cfg, const char *err_part,
    const char *secret);

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

#endif
