/*
 * Tencent Cloud SMS reply callback (短信回复回调): POST /sms/tencent/<token> with a JSON object
 * {"extend","mobile","nationcode","sign","text","time"} — mobile, nationcode, sign and text
 * strings, time a number (Unix seconds), extend the channel's extension code, often "" —
 * answered {"result":0,"errmsg":"OK"}. It carries no message id: repeats are caught by the
 * short-window dedup on sender and text. Receiving only — Tencent's sending API needs
 * approved templates.
 */
#include "gateway/provider.h"

#include "common/config.h"
#include "gateway/provider_cloudcn.h"
#include "common/xmalloc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gw_provider *
tencent_open(const struct config *cfg, int *unconfigured, char *err, size_t errlen)
{
	return cloudcn_open("tencent", cfg->tencent_token, unconfigured, err, errlen);
}


/* Whether s is 1 to max ASCII digits. */
static int
digits(const char *s, size_t max)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= max && s[n] == '\0';
}

static int
tencent_parse_sms(struct gw_provider *p, const struct gw_req *req, int max_chars,
    struct gw_webhook *wh, char *reason, size_t rlen)
{
	json_error_t jerr;
	json_t *root = NULL, *mobile, *nation, *text, *extend, *t;
	const char *m, *nc;
	char from[48];
	int rc;

	rc = gw_check_path_token(req, p->token, reason, rlen);
	if (rc == 0)
		rc = cloudcn_check_json(req, reason, rlen);
	if (rc)
		return rc;
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
	if (!json_is_object(root)) {
		snprintf(reason, rlen, "the JSON body must be an object");
		goto out;
	}
	mobile = json_object_get(root, "mobile");
	nation = json_object_get(root, "nationcode");
	text = json_object_get(root, "text");
	extend = json_object_get(root, "extend");
	t = json_object_get(root, "time");
	if (!json_is_string(mobile) || !json_is_string(text)) {
		snprintf(reason, rlen, "mobile and text must be strings");
		goto out;
	}
	if ((nation && !json_is_string(nation) && !json_is_null(nation)) ||
	    (extend && !json_is_string(extend) && !json_is_null(extend)) ||
	    (t && !json_is_integer(t) && !json_is_null(t))) {
		snprintf(reason, rlen, "nationcode and extend must be strings, time a number");
		goto out;
	}
	m = json_string_value(mobile);
	nc = json_is_string(nation) ? json_string_value(nation) : "";
	if (*nc == '+')
		nc++;
	if (*nc && !digits(nc, 4)) {
		snprintf(reason, rlen, "nationcode: 1 to 4 digits");
		goto out;
	}
	if (json_string_length(mobile) > 20) {
		snprintf(reason, rlen, "from: not a phone number");
		goto out;
	}
	/* mobile is national ("13800000001") with nationcode beside it; "+…" is whole already. */
	snprintf(from, sizeof(from), "%s%s%s", *nc && *m != '+' ? "+" : "", *m != '+' ? nc : "", m);
	/* The extension code is the number's tail the farmer texted, when there is one. */
	rc = gw_webhook_add(wh, from, json_is_string(extend) &&
	    digits(json_string_value(extend), 20) ? json_string_value(extend) : NULL,
	    json_string_value(text), json_string_length(text), NULL, max_chars, reason, rlen);
out:
	json_decref(root);
	return rc;
}

static void
tencent_sms_reply(struct gw_provider *p, const struct gw_webhook *wh, struct gw_reply *out)
{
	(void)p;
	(void)wh;
	gw_reply_ok(out, "application/json", "{\"result\":0,\"errmsg\":\"OK\"}");
}

const struct gw_provider_ops gw_provider_tencent = {
	.name = "tencent",
	.open = tencent_open,
	.close = cloudcn_close,
	.parse_sms = tencent_parse_sms,
	.sms_reply = tencent_sms_reply,
};
