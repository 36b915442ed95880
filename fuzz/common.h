/*
 * What the libFuzzer harnesses (fuzz/fuzz_<target>.c) share: the input as a C string or as a
 * temporary file, a webhook request written as text, and the checks every provider's parse
 * must pass. Built with clang only, by `make fuzz` (see the Makefile).
 */
#ifndef FL_FUZZ_COMMON_H
#define FL_FUZZ_COMMON_H

#include "gateway/provider.h"
#include "gateway/webhook.h"

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * An invariant that must hold whatever the input: when it does not, print it and abort, which
 * libFuzzer reports as a crash and keeps the input.
 */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) \
		fuzz_fail(#cond, __FILE__, __LINE__); \
} while (0)
void fuzz_fail(const char *what, const char *file, int line) __attribute__((noreturn));
/* Say more about a failure, on stderr even when libFuzzer closed it for the target. */
void fuzz_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The input up to its first NUL byte, NUL-terminated (caller frees). */
char *fuzz_cstr(const uint8_t *data, size_t size);

/*
 * The input written to this process's temporary file (created on first use, removed at exit).
 * Returns its path, borrowed; aborts when the file cannot be written.
 */
const char *fuzz_tmpfile(const uint8_t *data, size_t size);

/*
 * A webhook request written as text, the way it goes over the wire:
 *
 *     POST /sms/kannel/TOKEN?from=%2B8613800000001&coding=2
 *     Content-Type: text/plain; charset=UTF-16BE
 *     X-Kannel-From: +8613800000001
 *
 *     body bytes (anything, to the end of the input)
 *
 * The first line is the method and the target; the path's first part says what kind of
 * webhook it is (sms, dlr, ussd), what follows the provider's name is the tail. The query is
 * decoded with gw_form_parse, as libmicrohttpd decodes arguments. Header lines run to the
 * first empty line; the body is the rest, followed by a NUL as the server stores it.
 */
enum fuzz_kind { FUZZ_SMS, FUZZ_DLR, FUZZ_USSD };

struct fuzz_req {
	struct gw_req r;
	enum fuzz_kind kind;
	char *text;		/* the input's head, cut into the strings r points to */
	char *body;
	struct gw_kv query[WEBHOOK_MAX_FIELDS];
	int nquery;
	struct gw_kv headers[WEBHOOK_MAX_FIELDS];
	int nheaders;
};

/* 0 with req filled (free with fuzz_req_free), or -1 when the input is no request. */
int fuzz_req_parse(const uint8_t *data, size_t size, struct fuzz_req *req);
void fuzz_req_free(struct fuzz_req *req);

struct config;

/*
 * Open the provider of that name with cfg (config_defaults plus the harness's settings) for
 * the whole run: it is closed, and cfg freed, at exit. Aborts when it does not open.
 */
struct gw_provider *fuzz_provider_open(const char *name, struct config *cfg,
    const struct gw_provider_ops **ops);

/*
 * What the HTTP server (gateway/http.c) does with a webhook, up to where the messages would be
 * stored: the method check, the provider's path check, its parse of an SMS, a report or a USSD
 * step, and its reply. Checks that a refusal is a 4xx with a reason the server can
 * put into JSON and adds nothing, and that what is accepted is what the rest of farmline
 * counts on: phone numbers, valid UTF-8 text neither empty nor longer than max_chars, ids of
 * printable ASCII. Returns the status (0: accepted; -1: the server would not call the parser).
 */
int fuzz_webhook(const struct gw_provider_ops *ops, struct gw_provider *p,
    const struct fuzz_req *req, int max_chars);

/*
 * The outbound half, for inputs that start with a pseudo-request line instead:
 *
 *     REPLY 400                     the provider's answer to a send, status and body: map_reply
 *     {"code":21610,"message":"…"}
 *
 *     SEND                          a message to send, its text the rest (valid UTF-8 only,
 *     建议先隔离病鹅                   as the outbox holds): build
 *
 * Checks that an error or a provider id is clean text and that a built URL is printable
 * ASCII. Returns 0 when the input was one of these, -1 when it is a webhook request.
 */
int fuzz_outbound(const struct gw_provider_ops *ops, struct gw_provider *p, const uint8_t *data,
    size_t size);

#endif
