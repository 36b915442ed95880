/*
 * The provider adapters' table runner (provider_cases.h): one request builder, one fixture,
 * and one way to check a webhook, a delivery report or a send answer against its row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/lib/provider_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
add_header(struct provider_req *b, const char *key, const char *value)
{
	if (b->nh == PROVIDER_REQ_MAX_HEADERS)
		fail_msg("more than %d headers", PROVIDER_REQ_MAX_HEADERS);
	b->headers[b->nh].key = (char *)key;
	b->headers[b->nh].value = (char *)value;
	b->headers[b->nh++].vlen = strlen(value);
}

/* The signature of in, spoilt as it asks, as the fixture's provider would send it. */
static void
sign_req(const struct provider_fixture *f, const struct req_in *in, struct provider_req *b)
{
	char *p;

	if (f == NULL || f->sign == NULL)
		fail_msg("a signed request, but the fixture cannot sign");
	f->sign(in->sign_key, in->signs, b->sig, sizeof(b->sig));
	if (in->mangle && strcmp(in->mangle, "lower") == 0) {
		for (p = b->sig; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	} else if (in->mangle && strcmp(in->mangle, "cut") == 0) {
		b->sig[strlen(b->sig) - 1] = '\0';
	}
	add_header(b, f->sign_header, b->sig);
}

void
provider_build_req(const struct provider_fixture *f, const struct req_in *in,
    const char *path, struct provider_req *b)
{
	char reason[128], *line, *next;

	memset(b, 0, sizeof(*b));
	b->r.method = in->method ? in->method : "POST";
	b->r.path = path;
	b->r.tail = in->tail ? in->tail : "";
	b->r.content_type = in->content_type;
	b->r.body = in->body;
	b->r.len = in->len ? in->len : in->body ? strlen(in->body) : 0;
	if (in->query) {
		b->nq = gw_form_parse(in->query, strlen(in->query), b->query, WEBHOOK_MAX_FIELDS,
		    reason, sizeof(reason));
		if (b->nq < 0)
			fail_msg("query \"%s\": %s", in->query, reason);
		b->r.query = b->query;
		b->r.nquery = b->nq;
	}
	if (in->content_type)
		add_header(b, "Content-Type", in->content_type);
	snprintf(b->hbuf, sizeof(b->hbuf), "%s", in->headers ? in->headers : "");
	for (line = b->hbuf; *line; line = next) {
		char *colon;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		colon = strstr(line, ": ");
		if (colon == NULL)
			fail_msg("header \"%s\": no \": \"", line);
		*colon = '\0';
		add_header(b, line, colon + 2);
	}
	if (in->sign_key)
		sign_req(f, in, b);
	if (b->nh) {
		b->r.headers = b->headers;
		b->r.nheaders = b->nh;
	}
}

void
provider_req_free(struct provider_req *b)
{
	gw_kv_free(b->query, b->nq);
	b->nq = 0;
}

int
provider_setup(void **state, const char *name, void (*configure)(struct config *))
{
	struct provider_fixture *f = calloc(1, sizeof(*f));
	char err[256];
	int unconfigured = 0;

	if (f == NULL)
		return -1;
	config_defaults(&f->cfg);
	configure(&f->cfg);
	f->ops = gw_provider_find(name);
	f->p = f->ops ? f->ops->open(&f->cfg, &unconfigured, err, sizeof(err)) : NULL;
	if (f->p == NULL) {
		fprintf(stderr, "provider %s does not open: %s\n", name, f->ops ? err : "unknown");
		config_free(&f->cfg);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int
provider_teardown(void **state)
{
	struct provider_fixture *f = *state;

	f->ops->close(f->p);
	config_free(&f->cfg);
	free(f);
	return 0;
}

/* s equals want, or both are NULL. */
static void
check_str(const char *name, const char *what, const char *s, const char *want)
{
	if (want == NULL && s != NULL)
		fail_msg("%s: %s \"%s\", want none", name, what, s);
	if (want != NULL && (s == NULL || strcmp(s, want) != 0))
		fail_msg("%s: %s \"%s\", want \"%s\"", name, what, s ? s : "(none)", want);
}

/* A failed request's reason holds what the row says and nothing secret. */
static void
check_reason(const struct provider_fixture *f, const char *name, const char *reason,
    const char *want, const struct provider_req *b)
{
	if (want == NULL || strstr(reason, want) == NULL)
		fail_msg("%s: reason \"%s\", want \"%s\"", name, reason, want ? want : "(row)");
	if (f->secret && strstr(reason, f->secret))
		fail_msg("%s: the reason tells the secret: %s", name, reason);
	if (b->sig[0] && strstr(reason, b->sig))
		fail_msg("%s: the reason tells the signature: %s", name, reason);
}

void
run_webhook_cases(void **state, const char *path, const struct webhook_case *cases, size_t n)
{
	const struct provider_fixture *f = *state;
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct provider_req b;
	char reason[256];
	size_t i;

	assert_non_null(wh);
	for (i = 0; i < n; i++) {
		const struct webhook_case *c = &cases[i];
		int status, want_n = c->status ? 0 : 1;

		reason[0] = '\0';
		provider_build_req(f, &c->req, path, &b);
		status = f->ops->parse_sms(f->p, &b.r, c->max_chars ? c->max_chars : 2000, wh,
		    reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (wh->nmsgs != want_n)
			fail_msg("%s: %d messages, want %d", c->name, wh->nmsgs, want_n);
		if (status == 0) {
			check_str(c->name, "from", wh->msgs[0].from, c->from);
			check_str(c->name, "to", wh->msgs[0].to, c->to);
			check_str(c->name, "text", wh->msgs[0].text, c->text);
			check_str(c->name, "id", wh->msgs[0].id, c->id);
		} else {
			check_reason(f, c->name, reason, c->reason, &b);
		}
		gw_webhook_free(wh);
		provider_req_free(&b);
	}
	free(wh);
}

void
run_dlr_cases(void **state, const char *path, const struct dlr_case *cases, size_t n)
{
	const struct provider_fixture *f = *state;
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct provider_req b;
	char reason[256];
	size_t i;

	assert_non_null(wh);
	for (i = 0; i < n; i++) {
		const struct dlr_case *c = &cases[i];
		int status;

		reason[0] = '\0';
		provider_build_req(f, &c->req, path, &b);
		status = f->ops->parse_dlr(f->p, &b.r, wh, reason, sizeof(reason));
		if (status != c->status)
			fail_msg("%s: status %d (%s), want %d", c->name, status, reason, c->status);
		if (status == 0) {
			if (!wh->has_dlr)
				fail_msg("%s: no report", c->name);
			check_str(c->name, "ref", wh->dlr.ref, c->ref);
			check_str(c->name, "provider id", wh->dlr.provider_id, c->id);
			if (wh->dlr.status != c->dlr)
				fail_msg("%s: report status %d, want %d", c->name, wh->dlr.status,
				    c->dlr);
			check_str(c->name, "reason", wh->dlr.reason, c->reason);
			if (wh->dlr.opted_out != c->opted_out)
				fail_msg("%s: opted_out %d, want %d", c->name, wh->dlr.opted_out,
				    c->opted_out);
		} else {
			if (wh->has_dlr)
				fail_msg("%s: a report from a refused request", c->name);
			check_reason(f, c->name, reason, c->reason, &b);
		}
		gw_webhook_free(wh);
		provider_req_free(&b);
	}
	free(wh);
}

void
run_reply_cases(void **state, const struct reply_case *cases, size_t n)
{
	const struct provider_fixture *f = *state;
	struct gw_send_result r;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct reply_case *c = &cases[i];

		memset(&r, 0, sizeof(r));
		f->ops->map_reply(f->p, c->status, c->body, c->body ? strlen(c->body) : 0, &r);
		if (r.status != c->want)
			fail_msg("%s: status %d, want %d (%s)", c->name, r.status, c->want,
			    r.error);
		if (r.opted_out != c->opted_out)
			fail_msg("%s: opted_out %d, want %d", c->name, r.opted_out, c->opted_out);
		if (c->want == GW_SEND_OK) {
			if (c->id && strcmp(r.provider_id, c->id) != 0)
				fail_msg("%s: id \"%s\", want \"%s\"", c->name, r.provider_id,
				    c->id);
			if (r.error[0])
				fail_msg("%s: sent, but an error \"%s\"", c->name, r.error);
		} else if (c->error && strstr(r.error, c->error) == NULL) {
			fail_msg("%s: error \"%s\", want \"%s\"", c->name, r.error, c->error);
		}
		if (f->secret && strstr(r.error, f->secret))
			fail_msg("%s: the error tells the secret: %s", c->name, r.error);
	}
}

void
provider_assert_sms_reply(void **state, int status, const char *content_type,
    const char *body)
{
	const struct provider_fixture *f = *state;
	struct gw_webhook *wh = calloc(1, sizeof(*wh));
	struct gw_reply out;

	assert_non_null(wh);
	memset(&out, 0, sizeof(out));
	f->ops->sms_reply(f->p, wh, &out);
	assert_int_equal(out.status, status);
	if (content_type)
		assert_string_equal(out.content_type, content_type);
	assert_string_equal(out.body, body);
	free(out.body);
	free(wh);
}

void
provider_assert_refused(const char *name, const struct config *cfg, const char *err_part,
    const char *secret)
{
	const struct gw_provider_ops *ops = gw_provider_find(name);
	struct gw_provider *p;
	struct config defaults;
	char err[256] = "";
	int unconfigured = 0;

	assert_non_null(ops);
	if (cfg == NULL)
		config_defaults(&defaults);
	p = ops->open(cfg ? cfg : &defaults, &unconfigured, err, sizeof(err));
	if (cfg == NULL)
		config_free(&defaults);
	if (p) {
		ops->close(p);
		fail_msg("%s opened, want %s", name, err_part ? err_part : "unconfigured");
	}
	if (err_part == NULL) {
		if (!unconfigured)
			fail_msg("%s: \"%s\", want unconfigured", name, err);
		return;
	}
	if (unconfigured)
		fail_msg("%s: unconfigured, want \"%s\"", name, err_part);
	if (strstr(err, err_part) == NULL)
		fail_msg("%s: \"%s\", want \"%s\"", name, err, err_part);
	if (secret && strstr(err, secret))
		fail_msg("%s: the error tells the secret: %s", name, err);
}
