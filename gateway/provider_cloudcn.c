/*
 * What the Chinese cloud uplink callbacks share: a JSON body.
 */
#include "gateway/provider_cloudcn.h"

#include "common/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cloudcn_check_json(const struct gw_req *req, char *reason, size_t rlen)
{
	if (req->method && strcmp(req->method, "POST") != 0) {
		snprintf(reason, rlen, "use POST");
		return 405;
	}
	if (req->content_type == NULL || req->content_type[0] == '\0' ||
	    gw_req_is(req, "application/json") || gw_req_is(req, "text/json") ||
	    gw_req_is(req, "text/plain"))
		return 0;
	snprintf(reason, rlen, "Content-Type must be application/json");
	return 415;
}

struct gw_provider *
cloudcn_open(const char *section, const char *token, int *unconfigured, char *err,
    size_t errlen)
{
	struct gw_provider *p;

	*unconfigured = 0;
	if (token[0] == '\0') {
		*unconfigured = 1;
		return NULL;
	}
	if (!gw_path_token_ok(token)) {
		snprintf(err, errlen, "[%s] token: at least %d letters, digits, - or _", section,
		    WEBHOOK_MIN_TOKEN);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->token = xstrdup(token);
	return p;
}

void
cloudcn_close(struct gw_provider *p)
{
	if (p == NULL)
		return;
	free(p->token);
	free(p);
}
