/*
 * The harnesses' shared parts (fuzz/common.h): inputs as strings and files, webhook requests
 * written as text, and the checks on what a provider's parse returns.
 */
#include "fuzz/common.h"

#include "common/config.h"
#include "common/phone.h"
#include "common/sms.h"
#include "gateway/ussd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * stderr as it was before libFuzzer's -close_fd_mask=2 closed it (make fuzz keeps farmline's
 * log lines out that way): a failed check must still be seen.
 */
static int report_fd = 2;

__attribute__((constructor)) static void
keep_stderr(void)
{
	int fd = dup(2);

	if (fd >= 0)
		report_fd = fd;
}

void
fuzz_report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(report_fd, fmt, ap);
	va_end(ap);
}

void
fuzz_fail(const char *what, const char *file, int line)
{
	dprintf(report_fd, "fuzz: check failed at %s:%d: %s\n", file, line, what);
	abort();
}

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	size_t n = 0;
	char *s;

	while (n < size && data[n] != '\0')
		n++;
	s = malloc(n + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

static char tmp_path[256];

static void
tmp_remove(void)
{
	if (tmp_path[0])
		unlink(tmp_path);
}

const char *
fuzz_tmpfile(const uint8_t *data, size_t size)
{
	FILE *fp;

	if (tmp_path[0] == '\0') {
		const char *dir = getenv("TMPDIR");
		int fd;

		snprintf(tmp_path, sizeof(tmp_path), "%s/farmline-fuzz-XXXXXX",
		    dir && *dir ? dir : "/tmp");
		fd = mkstemp(tmp_path);
		if (fd < 0) {
			perror("fuzz: mkstemp");
			abort();
		}
		close(fd);
		atexit(tmp_remove);
	}
	fp = fopen(tmp_path, "wb");
	if (fp == NULL || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) {
		perror("fuzz: cannot write the temporary file");
		abort();
	}
	return tmp_path;
}

static const struct gw_provider_ops *open_ops;
static struct gw_provider *open_prov;
static struct config *open_cfg;

static void
provider_close(void)
{
	open_ops->close(open_prov);
	config_free(open_cfg);
}

struct gw_provider *
fuzz_provider_open(const char *name, struct config *cfg, const struct gw_provider_ops **ops)
{
	char err[256] = "";
	int unconfigured = 0;

	open_ops = gw_provider_find(name);
	open_prov = open_ops ? open_ops->open(cfg, &unconfigured, err, sizeof(err)) : NULL;
	if (open_prov == NULL) {
		fprintf(stderr, "fuzz: cannot open provider %s: %s%s\n", name, err,
		    unconfigured ? "(unconfigured)" : "");
		abort();
	}
	open_cfg = cfg;
	atexit(provider_close);
	*ops = open_ops;
	return open_prov;
}

/* Cut the line at s (a "\n" or the end), dropping a "\r" before it; the next line or NULL. */
static char *
cut_line(char *s)
{
	char *nl = strchr(s, '\n'), *next = NULL;
	size_t len;

	if (nl) {
		*nl = '\0';
		next = nl + 1;
	}
	len = strlen(s);
	if (len > 0 && s[len - 1] == '\r')
		s[len - 1] = '\0';
	return next;
}

int
fuzz_req_parse(const uint8_t *data, size_t size, struct fuzz_req *req)
{
	const uint8_t *blank = NULL;
	char *line, *next, *sp, *q, *rest, *slash, reason[256];
	size_t head = size, i;

	memset(req, 0, sizeof(*req));
	for (i = 0; i + 1 < size; i++) {
		if (data[i] == '\n' && (data[i + 1] == '\n' || (data[i + 1] == '\r' &&
		    i + 2 < size && data[i + 2] == '\n'))) {
			blank = data + i;
			break;
		}
	}
	if (blank) {
		size_t skip = blank[1] == '\n' ? 2 : 3;
		size_t len;

		head = (size_t)(blank - data);
		len = size - head - skip;
		if (len > 0) {
			/* Its size and a NUL, as gateway/http.c collects it (Kannel's post-url
			 * hands the body on as the text, a C string): reading further is caught. */
			req->body = malloc(len + 1);
			if (req->body == NULL)
				abort();
			memcpy(req->body, blank + skip, len);
			req->body[len] = '\0';
			req->r.body = req->body;
			req->r.len = len;
		}
	}
	req->text = malloc(head + 1);
	if (req->text == NULL)
		abort();
	memcpy(req->text, data, head);
	req->text[head] = '\0';
	if (strlen(req->text) != head)
		goto fail;	/* a NUL in the URL or a header: no server takes it */

	line = req->text;
	next = cut_line(line);
	sp = strchr(line, ' ');
	if (sp == NULL)
		goto fail;
	*sp = '\0';
	req->r.method = line;
	req->r.path = sp + 1;
	q = strchr(sp + 1, '?');
	if (q)
		*q++ = '\0';
	if (strncmp(req->r.path, "/sms/", 5) == 0)
		req->kind = FUZZ_SMS, rest = (char *)req->r.path + 5;
	else if (strncmp(req->r.path, "/dlr/", 5) == 0)
		req->kind = FUZZ_DLR, rest = (char *)req->r.path + 5;
	else if (strncmp(req->r.path, "/ussd/", 6) == 0)
		req->kind = FUZZ_USSD, rest = (char *)req->r.path + 6;
	else
		goto fail;	/* 404 */
	slash = strchr(rest, '/');
	req->r.tail = slash ? slash : "";
	if (q) {
		req->nquery = gw_form_parse(q, strlen(q), req->query, WEBHOOK_MAX_FIELDS, reason,
		    sizeof(reason));
		if (req->nquery < 0) {
			req->nquery = 0;
			goto fail;	/* 400: more arguments than the server collects */
		}
	}
	for (line = next; line; line = next) {
		char *colon, *value, *end;

		next = cut_line(line);
		colon = strchr(line, ':');
		if (colon == NULL || colon == line)
			continue;	/* not a header line: libmicrohttpd drops it */
		if (req->nheaders == WEBHOOK_MAX_FIELDS)
			goto fail;	/* 400 */
		*colon = '\0';
		value = colon + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		end = value + strlen(value);
		while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		req->headers[req->nheaders].key = line;
		req->headers[req->nheaders].value = value;
		req->headers[req->nheaders].vlen = strlen(value);
		req->nheaders++;
	}
	req->r.query = req->query;
	req->r.nquery = req->nquery;
	req->r.headers = req->headers;
	req->r.nheaders = req->nheaders;
	req->r.content_type = gw_req_header(&req->r, "Content-Type");
	return 0;
fail:
	fuzz_req_free(req);
	return -1;
}

void
fuzz_req_free(struct fuzz_req *req)
{
	gw_kv_free(req->query, req->nquery);
	free(req->text);
	free(req->body);
	memset(req, 0, sizeof(*req));
}

static int
printable_ascii(const char *s, size_t max)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		if (s[n] < 0x21 || s[n] > 0x7e)
			return 0;
	}
	return n >= 1 && n <= max;
}

/* Valid UTF-8 with no control character (what gw_clean_text makes). */
static int
clean_text(const char *s)
{
	const char *p = s;

	if (!utf8_valid(s, strlen(s)))
		return 0;
	while (*p) {
		uint32_t cp;

		p += utf8_decode(p, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return 0;
	}
	return 1;
}

/* A normalized phone number: normalizing it again changes nothing. */
static int
phone_ok(const char *s)
{
	char again[PHONE_MAX];

	return s[0] == '+' && strlen(s) >= 8 && strlen(s) <= 16 &&
	    strspn(s + 1, "0123456789") == strlen(s + 1) &&
	    phone_normalize(s, again, sizeof(again)) == 0 && strcmp(again, s) == 0;
}

static void
check_msg(const struct gw_msg *m, int max_chars)
{
	const char *p;
	int blank = 1;

	FUZZ_CHECK(phone_ok(m->from));
	FUZZ_CHECK(m->text != NULL);
	FUZZ_CHECK(utf8_valid(m->text, strlen(m->text)));
	FUZZ_CHECK(utf8_chars(m->text) <= max_chars);
	for (p = m->text; *p; ) {
		uint32_t cp;

		p += utf8_decode(p, &cp);
		if (!(cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000))
			blank = 0;
	}
	FUZZ_CHECK(!blank);
	FUZZ_CHECK(m->to == NULL || (strlen(m->to) <= 32 && printable_ascii(m->to, 32)));
	FUZZ_CHECK(m->id == NULL || printable_ascii(m->id, WEBHOOK_MAX_ID));
}

static void
check_dlr(const struct gw_webhook *wh)
{
	FUZZ_CHECK(wh->has_dlr);
	FUZZ_CHECK(wh->nmsgs == 0);
	FUZZ_CHECK(wh->dlr.ref != NULL || wh->dlr.provider_id != NULL);
	FUZZ_CHECK(wh->dlr.ref == NULL || printable_ascii(wh->dlr.ref, WEBHOOK_MAX_ID));
	FUZZ_CHECK(wh->dlr.provider_id == NULL ||
	    printable_ascii(wh->dlr.provider_id, WEBHOOK_MAX_ID));
	FUZZ_CHECK(wh->dlr.status == DLR_PENDING || wh->dlr.status == DLR_DELIVERED ||
	    wh->dlr.status == DLR_FAILED);
	FUZZ_CHECK(wh->dlr.reason == NULL || clean_text(wh->dlr.reason));
}

static void
check_ussd(const struct ussd_in *u)
{
	FUZZ_CHECK(u->session && printable_ascii(u->session, 128));
	FUZZ_CHECK(u->service_code && printable_ascii(u->service_code, 128));
	FUZZ_CHECK(phone_ok(u->phone));
	FUZZ_CHECK(u->text && strlen(u->text) <= USSD_MAX_TEXT &&
	    utf8_valid(u->text, strlen(u->text)));
}

int
fuzz_webhook(const struct gw_provider_ops *ops, struct gw_provider *p,
    const struct fuzz_req *req, int max_chars)
{
	const struct gw_req *r = &req->r;
	int is_get = strcmp(r->method, "GET") == 0, status = 0, i;
	struct gw_webhook wh;
	struct ussd_in u;
	char reason[256];

	/* gateway/http.c: webhook() */
	if (strcmp(r->method, "POST") != 0 && !(is_get && ops->get_allowed &&
	    req->kind != FUZZ_USSD))
		return -1;
	if ((req->kind == FUZZ_DLR && ops->parse_dlr == NULL) ||
	    (req->kind == FUZZ_SMS && ops->parse_sms == NULL) ||
	    (req->kind == FUZZ_USSD && ops->parse_ussd == NULL))
		return -1;

	memset(&wh, 0, sizeof(wh));
	memset(&u, 0, sizeof(u));
	reason[0] = '\0';
	if (ops->check)
		status = ops->check(p, r, reason, sizeof(reason));
	if (status == 0) {
		switch (req->kind) {
		case FUZZ_SMS:
			status = ops->parse_sms(p, r, max_chars, &wh, reason, sizeof(reason));
			break;
		case FUZZ_DLR:
			status = ops->parse_dlr(p, r, &wh, reason, sizeof(reason));
			break;
		case FUZZ_USSD:
			status = ops->parse_ussd(p, r, &u, reason, sizeof(reason));
			break;
		}
	}
	if (status) {
		/* A refusal: a 4xx whose reason goes into {"error": …} (valid UTF-8, or
		 * json_pack fails and the provider gets no answer at all), nothing taken. */
		FUZZ_CHECK(status >= 400 && status <= 499);
		FUZZ_CHECK(reason[0] != '\0');
		if (!utf8_valid(reason, strlen(reason)))
			fuzz_report("fuzz: status %d, reason \"%s\"\n", status, reason);
		FUZZ_CHECK(utf8_valid(reason, strlen(reason)));
		FUZZ_CHECK(wh.nmsgs == 0 && !wh.has_dlr);
		FUZZ_CHECK(u.session == NULL && u.service_code == NULL && u.text == NULL);
	} else if (req->kind == FUZZ_SMS) {
		FUZZ_CHECK(wh.nmsgs >= 1 && wh.nmsgs <= WEBHOOK_MAX_BATCH);
		FUZZ_CHECK(!wh.has_dlr);
		for (i = 0; i < wh.nmsgs; i++)
			check_msg(&wh.msgs[i], max_chars);
		if (ops->sms_reply) {
			struct gw_reply reply;

			memset(&reply, 0, sizeof(reply));
			ops->sms_reply(p, &wh, &reply);
			FUZZ_CHECK(reply.status == 200 && reply.body != NULL &&
			    reply.content_type != NULL);
			free(reply.body);
		}
	} else if (req->kind == FUZZ_DLR) {
		check_dlr(&wh);
	} else {
		check_ussd(&u);
		gw_ussd_free(&u);
	}
	gw_webhook_free(&wh);
	return status;
}

static void
check_send_result(const struct gw_send_result *r)
{
	FUZZ_CHECK(r->status == GW_SEND_OK || r->status == GW_SEND_RETRY ||
	    r->status == GW_SEND_FAIL);
	FUZZ_CHECK(memchr(r->error, '\0', sizeof(r->error)) != NULL);
	FUZZ_CHECK(memchr(r->provider_id, '\0', sizeof(r->provider_id)) != NULL);
	FUZZ_CHECK(clean_text(r->error));
	FUZZ_CHECK(clean_text(r->provider_id));
	FUZZ_CHECK(r->status == GW_SEND_OK || r->error[0] != '\0');
}

int
fuzz_outbound(const struct gw_provider_ops *ops, struct gw_provider *p, const uint8_t *data,
    size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t head = nl ? (size_t)(nl - data) : size, len = nl ? size - head - 1 : 0;
	char line[32], *body = NULL;

	if (head >= sizeof(line))
		return -1;
	memcpy(line, data, head);
	line[head] = '\0';
	if (strncmp(line, "REPLY ", 6) == 0) {
		struct gw_send_result r;
		long status = strtol(line + 6, NULL, 10);

		if (ops->map_reply == NULL)
			return 0;
		if (len > 0) {
			body = malloc(len);	/* exactly its size, as libcurl's buffer is not */
			if (body == NULL)
				abort();
			memcpy(body, nl + 1, len);
		}
		memset(&r, 0, sizeof(r));
		ops->map_reply(p, status, body, len, &r);
		check_send_result(&r);
		free(body);
		return 0;
	}
	if (strcmp(line, "SEND") == 0) {
		struct gw_out_request out;
		struct gw_outbound m;
		char err[256] = "";
		const char *u;

		if (ops->build == NULL || (nl && !utf8_valid((const char *)nl + 1, len)))
			return 0;
		body = malloc(len + 1);
		if (body == NULL)
			abort();
		if (len > 0)
			memcpy(body, nl + 1, len);
		body[len] = '\0';
		memset(&m, 0, sizeof(m));
		m.id = 42;
		m.from = "10690000";
		m.to = "+8613800000001";
		m.text = body;
		m.segments = sms_segments(body);
		memset(&out, 0, sizeof(out));
		if (ops->build(p, &m, &out, err, sizeof(err)) == 0) {
			FUZZ_CHECK(out.url != NULL);
			for (u = out.url; *u; u++)
				FUZZ_CHECK(*u > 0x20 && *u < 0x7f);
			FUZZ_CHECK(out.body == NULL || out.len == strlen(out.body));
		} else {
			FUZZ_CHECK(err[0] != '\0');
		}
		gw_out_request_free(&out);
		free(body);
		return 0;
	}
	return -1;
}
