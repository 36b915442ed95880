/*
 * SMS providers behind one interface, one file each (provider_<name>.c): parse an inbound
 * webhook, a delivery report or a USSD step, build the outbound request, map the provider's
 * reply.
 * The HTTP server uses the inbound half of every configured provider; the sender uses the
 * outbound half of the one named by [provider] type.
 */
#ifndef FL_PROVIDER_H
#define FL_PROVIDER_H

#include "gateway/webhook.h"

#include <stddef.h>
#include <stdint.h>

struct config;
struct curl_slist;
struct ussd_in;

/* One outbound SMS. */
struct gw_outbound {
	int64_t id;		/* our message id */
	const char *from;
	const char *to;
	const char *text;
	int segments;
	/*
	 * Our report reference: unguessable and the same on every attempt, so the idempotency
	 * key where a provider has one and what its reports may name the message by (NULL: none).
	 */
	const char *ref;
};

enum gw_send_status { GW_SEND_OK, GW_SEND_RETRY, GW_SEND_FAIL };

struct gw_send_result {
	enum gw_send_status status;
	char provider_id[128];	/* the provider's id for the message, if it gave one */
	char error[256];	/* why, for RETRY and FAIL */
	int opted_out;		/* the recipient told the provider to stop (Twilio 21610) */
};

/* The HTTP request that sends one message. */
struct gw_out_request {
	char *url;
	struct curl_slist *headers;
	char *body;		/* NULL: GET */
	size_t len;
	char *userpwd;		/* "user:password" for basic authentication, or NULL */
};
void gw_out_request_free(struct gw_out_request *r);

/* The answer to a webhook once what it carried is stored. */
struct gw_reply {
	unsigned int status;
	const char *content_type;
	char *body;		/* allocated */
};

/* A 200 reply of content_type with a copy of body (an adapter's answer to its webhook). */
void gw_reply_ok(struct gw_reply *out, const char *content_type, const char *body);

struct gw_provider;

struct gw_provider_ops {
	const char *name;	/* in the URL: /sms/<name>, /dlr/<name>, /ussd/<name> */
	int get_allowed;	/* its webhooks may use GET (Kannel's get-url) */

	/*
	 * Open with the configuration. NULL with a reason in err when the configuration does
	 * not fit; *unconfigured set (and no reason) when the provider's section is simply
	 * absent, so that its webhooks stay off.
	 */
	struct gw_provider *(*open)(const struct config *cfg, int *unconfigured, char *err,
	    size_t errlen);
	void (*close)(struct gw_provider *p);
	/*
	 * Whether the opened provider's webhooks are on: 1 with what is on and how it is
	 * authenticated in what, or 0 with why not (its secret is not configured: a provider
	 * opened only to send). NULL: on whenever the provider opens.
	 */
	int (*webhooks)(struct gw_provider *p, char *what, size_t wlen);

	/*
	 * Whether a webhook request (any kind: SMS, report, USSD) may come in at all — a secret in
	 * its path, say. 0, or an HTTP status (403) and a reason. NULL: any may.
	 */
	int (*check)(struct gw_provider *p, const struct gw_req *req, char *reason, size_t rlen);
	/* Inbound: 0 with the messages added to wh, or an HTTP status (400, 403…) and a reason. */
	int (*parse_sms)(struct gw_provider *p, const struct gw_req *req, int max_chars,
	    struct gw_webhook *wh, char *reason, size_t rlen);
	/* What to answer once the messages are stored (NULL: {"ok":…} JSON). */
	void (*sms_reply)(struct gw_provider *p, const struct gw_webhook *wh, struct gw_reply *out);
	/* A delivery report: 0 with wh->dlr filled, or an HTTP status and a reason. */
	int (*parse_dlr)(struct gw_provider *p, const struct gw_req *req, struct gw_webhook *wh,
	    char *reason, size_t rlen);
	/*
	 * A USSD step, checked as gateway/ussd.h says of struct ussd_in: 0 with out filled (free
	 * with gw_ussd_free), or an HTTP status (400, 415…) and a reason, out then holding
	 * nothing to free. NULL: the provider has no USSD menu (/ussd/<name> is 404).
	 */
	int (*parse_ussd)(struct gw_provider *p, const struct gw_req *req, struct ussd_in *out,
	    char *reason, size_t rlen);

	/* Outbound over HTTP: build the request (0, or -1 with a reason: the message fails). */
	int (*build)(struct gw_provider *p, const struct gw_outbound *m,
	    struct gw_out_request *req, char *err, size_t errlen);
	/* What the provider's answer means. http_status 0: no answer (timeout, refused). */
	void (*map_reply)(struct gw_provider *p, long http_status, const char *body, size_t len,
	    struct gw_send_result *r);
	/* Outbound without HTTP (the console). */
	void (*send)(struct gw_provider *p, const struct gw_outbound *m, struct gw_send_result *r);
};

/* The provider of that name, or NULL. */
const struct gw_provider_ops *gw_provider_find(const char *name);
/* Every provider, for the HTTP server to open the configured ones. NULL-terminated. */
extern const struct gw_provider_ops *const gw_providers[];

/* What a plain HTTP status means for a message: 2xx sent, 408/429/5xx/none retry, else fail. */
enum gw_send_status gw_status_for(long http_status);

#endif
