/*
 * The HTTP server: providers' webhooks (/sms/…, /dlr/…, /ussd/…; POST /sms/inbound is the
 * generic provider) and GET /healthz.
 */
#ifndef FL_HTTP_H
#define FL_HTTP_H

#include "gateway/ingest.h"

#include <stddef.h>
#include <stdint.h>

struct gw_http_opts {
	const char *bind;	/* an IPv4 or IPv6 address */
	int port;		/* 0: any free port (see gw_http_port) */
	int64_t max_body;
	int threads;
	int64_t conn_timeout_ms;
	int max_text_chars;
	int max_connections;	/* open connections at most (0: libmicrohttpd's default) */
	int max_per_address;	/* from one client address (0: no limit of its own) */
};

struct gw_http;

struct config;
struct ussd_menu;
struct route_rules;

/*
 * Listen and serve, handing what webhooks carry to ig. Every provider whose section cfg holds
 * has its webhooks on; menu (borrowed) answers USSD. health_store is a database connection
 * used only by /healthz. NULL with a reason in err.
 */
struct gw_http *gw_http_start(const struct gw_http_opts *o, const struct config *cfg,
    const struct ussd_menu *menu, struct ingest *ig, struct store *health_store, char *err,
    size_t errlen);
int gw_http_port(const struct gw_http *h);
/* The bureau API's rules from now on (SIGHUP); h owns rules. */
void gw_http_set_rules(struct gw_http *h, struct route_rules *rules);
/*
 * Stop accepting and answer every request already taken: what the writer commits within a
 * few seconds is answered as stored, what is still queued then is answered 503. 0 once
 * stopped and h freed; -1 when the writer is stuck in a transaction and requests are still
 * in its hands: h cannot be freed, and the caller ends the process (nothing unanswered was
 * acknowledged). NULL does nothing.
 */
int gw_http_stop(struct gw_http *h);

#endif
