/*
 * What the Chinese cloud SMS uplink callbacks (Tencent Cloud, Aliyun) share: a JSON body, and
 * no signature, so that the URL carries a secret token (gw_check_path_token in webhook.h).
 */
#ifndef FL_PROVIDER_CLOUDCN_H
#define FL_PROVIDER_CLOUDCN_H

#include "gateway/webhook.h"

/*
 * Check that the request is a POST of JSON: 0, or 405 / 415 with a reason. A missing
 * Content-Type, application/json, text/json and text/plain are taken (their documents name
 * none, or application/json); form and multipart bodies are refused.
 */
int cloudcn_check_json(const struct gw_req *req, char *reason, size_t rlen);

/* Both adapters hold only the secret their webhooks' paths end with. */
struct gw_provider {
	char *token;
};

/*
 * The adapter of [section] with its token: NULL with *unconfigured set when there is none
 * (its webhooks are off), NULL with err when it is not a usable secret. Caller frees with
 * cloudcn_close.
 */
struct gw_provider *cloudcn_open(const char *section, const char *token, int *unconfigured,
    char *err, size_t errlen);
void cloudcn_close(struct gw_provider *p);

#endif
