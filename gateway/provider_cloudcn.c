/*
 * What the Chinese cloud uplink callbacks share: a JSON body.
 */
#include "gateway/provider_cloudcn.h"

#include <stdio.h>
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
