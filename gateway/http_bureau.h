/*
 * The bureau's side of the HTTP server: the JSON API (GET /api/stats, GET /api/consultations),
 * GET /metrics, and the dashboard (GET / and its files under /assets/), all behind the bearer
 * token of [bureau] api_token. A browser signs in with the token in a form (POST /login, at
 * most 5 tries a minute from one address) and gets a session: a random id in a cookie
 * (HttpOnly, SameSite=Strict, Secure over HTTPS), its digest in the database, ending after
 * [bureau] session_lifetime, at POST /logout, or when the token changes. A token is never
 * taken in a URL.
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
