/*
 * The generic HTTP provider of DESIGN.md: POST {"id","from","to","text"} as JSON to the
 * configured URL. 2xx is accepted (a JSON body may carry the provider's "id"); 429, 5xx,
 * timeouts and connection failures are tried again later; any other answer is a failure.
 * One libcurl handle is kept so that the connection is reused.
 */
#include "gateway/provider.h"

#include "common/config.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLY_MAX 8192

struct gw_provider {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	long timeout_ms;
	char reply[REPLY_MAX + 1];
	size_t reply_len;
};

static size_t
collect_reply(char *data, size_t size, size_t nmemb, void *arg)
{
	struct gw_provider *p = arg;
	size_t n = size * nmemb, room = REPLY_MAX - p->reply_len;

	memcpy(p->reply + p->reply_len, data, n < room ? n : room);
	p->reply_len += n < room ? n : room;
	return n;
}

static struct gw_provider *
http_open(const struct config *cfg, char *err, size_t errlen)
{
	struct gw_provider *p;

	if (cfg->provider_url == NULL || strncmp(cfg->provider_url, "http", 4) != 0) {
		snprintf(err, errlen, "[provider] url: type http needs an http:// or https:// URL");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->url = strdup(cfg->provider_url);
	p->timeout_ms = (long)cfg->provider_timeout_ms;
	p->curl = curl_easy_init();
	p->headers = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	if (p->url == NULL || p->curl == NULL || p->headers == NULL) {
		snprintf(err, errlen, "cannot set up libcurl");
		curl_slist_free_all(p->headers);
		curl_easy_cleanup(p->curl);
		free(p->url);
		free(p);
		return NULL;
	}
	return p;
}

/* What a provider's HTTP status means for the message. */
static enum gw_send_status
status_for(long code)
{
	if (code >= 200 && code < 300)
		return GW_SEND_OK;
	if (code == 429 || code == 408 || code >= 500)
		return GW_SEND_RETRY;
	return GW_SEND_FAIL;
}

static void
http_send(struct gw_provider *p, const struct gw_outbound *m, struct gw_send_result *r)
{
	json_t *body, *reply, *id;
	char *payload = NULL, idbuf[32];
	CURLcode cc;
	long code = 0;

	memset(r, 0, sizeof(*r));
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)m->id);
	body = json_pack("{s:s, s:s, s:s, s:s}", "id", idbuf, "from", m->from, "to", m->to,
	    "text", m->text);
	payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (payload == NULL) {
		r->status = GW_SEND_FAIL;
		snprintf(r->error, sizeof(r->error), "cannot encode the message as JSON");
		return;
	}

	p->reply_len = 0;
	curl_easy_reset(p->curl);
	curl_easy_setopt(p->curl, CURLOPT_URL, p->url);
	curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, collect_reply);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	cc = curl_easy_perform(p->curl);
	free(payload);
	if (cc != CURLE_OK) {
		r->status = GW_SEND_RETRY;
		snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(cc));
		return;
	}
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
	r->status = status_for(code);
	if (r->status != GW_SEND_OK) {
		snprintf(r->error, sizeof(r->error), "HTTP %ld: %.*s", code,
		    (int)(p->reply_len > 200 ? 200 : p->reply_len), p->reply);
		return;
	}
	p->reply[p->reply_len] = '\0';
	reply = json_loadb(p->reply, p->reply_len, 0, NULL);
	id = reply ? json_object_get(reply, "id") : NULL;
	if (json_is_string(id))
		snprintf(r->provider_id, sizeof(r->provider_id), "%s", json_string_value(id));
	else if (json_is_integer(id))
		snprintf(r->provider_id, sizeof(r->provider_id), "%lld",
		    (long long)json_integer_value(id));
	json_decref(reply);
}

static void
http_close(struct gw_provider *p)
{
	if (p == NULL)
		return;
	curl_slist_free_all(p->headers);
	curl_easy_cleanup(p->curl);
	free(p->url);
	free(p);
}

const struct gw_provider_ops gw_provider_http = {
	.name = "http",
	.open = http_open,
	.send = http_send,
	.close = http_close,
};
