/*
 * The table of providers and what they share.
 */
#include "gateway/provider.h"

#include "common/xmalloc.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

extern const struct gw_provider_ops gw_provider_console;
extern const struct gw_provider_ops gw_provider_http;
extern const struct gw_provider_ops gw_provider_kannel;
extern const struct gw_provider_ops gw_provider_twilio;
extern const struct gw_provider_ops gw_provider_africastalking;
extern const struct gw_provider_ops gw_provider_tencent;
extern const struct gw_provider_ops gw_provider_aliyun;

const struct gw_provider_ops *const gw_providers[] = {
	&gw_provider_console,
	&gw_provider_http,
	&gw_provider_kannel,
	&gw_provider_twilio,
	&gw_provider_africastalking,
	&gw_provider_tencent,
	&gw_provider_aliyun,
	NULL,
};

const struct gw_provider_ops *
gw_provider_find(const char *name)
{
	int i;

	for (i = 0; gw_providers[i]; i++) {
		if (strcmp(gw_providers[i]->name, name) == 0)
			return gw_providers[i];
	}
	return NULL;
}

enum gw_send_status
gw_status_for(long code)
{
	if (code >= 200 && code < 300)
		return GW_SEND_OK;
	if (code == 0 || code == 408 || code == 429 || code >= 500)
		return GW_SEND_RETRY;
	return GW_SEND_FAIL;
}

void
gw_out_request_free(struct gw_out_request *r)
{
	free(r->url);
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r->userpwd);
	memset(r, 0, sizeof(*r));
}

void
gw_reply_ok(struct gw_reply *out, const char *content_type, const char *body)
{
	out->status = 200;
	out->content_type = content_type;
	out->body = xstrdup(body);
}
