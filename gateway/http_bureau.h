/*
 * The bureau's side of the HTTP server: the JSON API (GET /api/stats, GET /api/consultations),
 * GET /metrics, and the dashboard (GET / and its files under /assets/), all behind the bearer
 * token of [bureau] api_token. A browser signs in once (a form, or ?token= in the URL) and
 * keeps a cookie.
 */
#ifndef FL_HTTP_BUREAU_H
#define FL_HTTP_BUREAU_H

#include <microhttpd.h>
#include <stddef.h>

struct config;
struct ingest;
struct gw_bureau;
struct route_rules;

/* Set up (its own database connection, the category names). NULL with a reason in err. */
struct gw_bureau *gw_bureau_new(const struct config *cfg, struct ingest *ig, char *err,
    size_t errlen);
void gw_bureau_free(struct gw_bureau *b);
/* Use rules from now on (SIGHUP); b owns them, and frees the ones it used before. */
void gw_bureau_set_rules(struct gw_bureau *b, struct route_rules *rules);

/* Whether url is one of the bureau's. */
int gw_bureau_owns(const char *url);

/* Answer a request for one of the bureau's urls (body: a POSTed form, for the sign-in). */
enum MHD_Result gw_bureau_request(struct gw_bureau *b, struct MHD_Connection *conn,
    const char *url, const char *method, const char *body, size_t len);

#endif
