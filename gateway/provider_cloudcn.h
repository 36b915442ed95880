/*
 * What the Chinese cloud SMS uplink callbacks (Tencent Cloud, Aliyun) share: they are not
 * signed, so the URL carries a secret token, compared in constant time.
 */
#ifndef FL_PROVIDER_CLOUDCN_H
#define FL_PROVIDER_CLOUDCN_H

#include "gateway/webhook.h"

#define CLOUDCN_MIN_TOKEN 16

/*
 * Check that req->tail is "/" followed by token. 0, or 403 with a reason. An empty configured
 * token never matches.
 */
int cloudcn_check_token(const struct gw_req *req, const char *token, char *reason, size_t rlen);
/* A configured token fit for a URL: empty (off), or 16+ letters, digits, '-' and '_'. */
int cloudcn_token_ok(const char *token);
/*
 * Check that the request is a POST of JSON: 0, or 405 / 415 with a reason. A missing
 * Content-Type, application/json, text/json and text/plain are taken (their documents name
 * none, or application/json); form and multipart bodies are refused.
 */
int cloudcn_check_json(const struct gw_req *req, char *reason, size_t rlen);

#endif
