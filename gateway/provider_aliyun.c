/*
 * Aliyun SMS uplink batch push (上行短信, SmsUp, "HTTP 批量推送"): POST /sms/aliyun/<token> with
 * application/json, a JSON array of {"phone_number","content","send_time","sign_name",
 * "dest_code","sequence_id"} — strings, sequence_id a number in older documents and a string in
 * newer ones; answered {"code":0,"msg":"接收成功"} with 200 (anything else is pushed again after 1,
 * 5 and 10 minutes). Each message is deduplicated on its sequence_id.
 * A message that cannot be taken (an empty text, a number that is not one) is left out of a
 * batch that has others, so that they are not lost with it; a batch with none is refused.
 * Receiving only — Aliyun's sending API needs approved templates.
 */
#include "gateway/provider.h"

#include "common/config.h"
#include "common/log.h"
#include "gateway/provider_cloudcn.h"
#include "common/xmalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gw_provider *
aliyun_open(const struct config *cfg, int *unconfigured, char *err, size_t errlen)
{
	return cloudcn_open("aliyun", cfg->aliyun_token, unconfigured, err, errlen);
}


/*
 * The fields of message i of the batch, checked for their types: 0, or 400 with a reason.
 * id receives the sequence_id as text.
 */
static int
aliyun_item(json_t *item, size_t i, json_t **phone, json_t **content, json_t **dest, char *id,
    size_t idlen, char *reason, size_t rlen)
{
	json_t *seq;

	if (!json_is_object(item)) {
		snprintf(reason, rlen, "message %zu: not a JSON object", i + 1);
		return 400;
	}
	*phone = json_object_get(item, "phone_number");
	*content = json_object_get(item, "content");
	*dest = json_object_get(item, "dest_code");
	seq = json_object_get(item, "sequence_id");
	if (!json_is_string(*phone) || !json_is_string(*content) ||
	    !(json_is_integer(seq) || json_is_string(seq))) {
		snprintf(reason, rlen, "message %zu: phone_number, content and sequence_id are "
		    "needed", i + 1);
		return 400;
	}
	if (*dest && !json_is_string(*dest) && !json_is_null(*dest)) {
		snprintf(reason, rlen, "message %zu: dest_code must be a string", i + 1);
		return 400;
	}
	if (json_is_integer(seq)) {
		snprintf(id, idlen, "%lld", (long long)json_integer_value(seq));
	} else if (json_string_length(seq) == 0 || json_string_length(seq) >= idlen) {
		snprintf(reason, rlen, "message %zu: sequence_id: 1 to %zu characters", i + 1,
		    idlen - 1);
		return 400;
	} else {
		memcpy(id, json_string_value(seq), json_string_length(seq) + 1);
	}
	return 0;
}

/*
 * Whether the JSON text s (len bytes) is an array of more than max elements, counted without
 * parsing it: the commas outside strings at depth one, stopping as soon as there are too many.
 * Malformed text is left to the parser (0), except that one past the cap is refused already.
 */
static int
more_than(const char *s, size_t len, size_t max)
{
	size_t i, items = 0, depth = 0;
	int in_string = 0, escaped = 0, empty = 1;

	for (i = 0; i < len && items <= max; i++) {
		char c = s[i];

		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (depth == 1 && empty && c != ']') {
			empty = 0;
			items = 1;
		}
		if (c == '"')
			in_string = 1;
		else if (c == '[' || c == '{')
			depth++;
		else if ((c == ']' || c == '}') && depth > 0 && --depth == 0)
			break;
		else if (c == ',' && depth == 1)
			items++;
	}
	return items > max;
}

static int
aliyun_parse_sms(struct gw_provider *p, const struct gw_req *req, int max_chars,
    struct gw_webhook *wh, char *reason, size_t rlen)
{
	json_error_t jerr;
	json_t *root = NULL, *item;
	char first[256] = "";
	size_t i;
	int rc, skipped = 0;

	rc = gw_check_path_token(req, p->token, reason, rlen);
	if (rc == 0)
		rc = cloudcn_check_json(req, reason, rlen);
	if (rc)
		return rc;
	/* Refused before a JSON tree of it is built: past the cap it is never parsed whole. */
	if (more_than(req->body ? req->body : "", req->len, WEBHOOK_MAX_BATCH)) {
		snprintf(reason, rlen, "more than %d messages in one request", WEBHOOK_MAX_BATCH);
		return 413;
	}
	rc = 400;
	root = json_loadb(req->body ? req->body : "", req->len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		char near[sizeof(jerr.text)];

		/* jansson quotes the bytes near the error: made text for the JSON answer. */
		gw_clean_text(near, sizeof(near), jerr.text, sizeof(jerr.text));
		snprintf(reason, rlen, "invalid JSON at line %d column %d: %s", jerr.line,
		    jerr.column, near);
		goto out;
	}
	if (!json_is_array(root) || json_array_size(root) == 0) {
		snprintf(reason, rlen, "a JSON array of messages is expected");
		goto out;
	}
	if (json_array_size(root) > WEBHOOK_MAX_BATCH) {
		snprintf(reason, rlen, "more than %d messages in one request", WEBHOOK_MAX_BATCH);
		rc = 413;
		goto out;
	}
	/* The whole batch is checked for its form before any of it is taken. */
	json_array_foreach(root, i, item) {
		json_t *phone, *content, *dest;
		char id[WEBHOOK_MAX_ID + 1];

		rc = aliyun_item(item, i, &phone, &content, &dest, id, sizeof(id), reason, rlen);
		if (rc)
			goto out;
	}
	json_array_foreach(root, i, item) {
		json_t *phone, *content, *dest;
		char id[WEBHOOK_MAX_ID + 1], why[200];

		aliyun_item(item, i, &phone, &content, &dest, id, sizeof(id), why, sizeof(why));
		rc = gw_webhook_add(wh, json_string_value(phone), json_is_string(dest) ?
		    json_string_value(dest) : NULL, json_string_value(content),
		    json_string_length(content), id, max_chars, why, sizeof(why));
		if (rc && skipped++ == 0)
			snprintf(first, sizeof(first), "message %zu: %s", i + 1, why);
	}
	if (wh->nmsgs > 0) {
		if (skipped)
			log_warnx("aliyun: %d of %zu messages in a push left out (%s)", skipped,
			    json_array_size(root), first);
		rc = 0;
	} else {
		snprintf(reason, rlen, "%s", first);
		rc = 400;
	}
out:
	json_decref(root);
	return rc;
}

static void
aliyun_sms_reply(struct gw_provider *p, const struct gw_webhook *wh, struct gw_reply *out)
{
	(void)p;
	(void)wh;
	gw_reply_ok(out, "application/json; charset=utf-8", "{\"code\":0,\"msg\":\"接收成功\"}");
}

const struct gw_provider_ops gw_provider_aliyun = {
	.name = "aliyun",
	.open = aliyun_open,
	.close = cloudcn_close,
	.parse_sms = aliyun_parse_sms,
	.sms_reply = aliyun_sms_reply,
};
