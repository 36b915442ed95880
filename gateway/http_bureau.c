/*
 * The bureau's HTTP side. Everything it answers is read from the database through a
 * connection of its own (WAL: readers never wait for the writer); the figures are the same
 * bureau/figures.c the command line prints.
 */
#include "gateway/http_bureau.h"

#include "bureau/figures.h"
#include "bureau/period.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "common/metrics.h"
#include "gateway/ingest.h"
#include "common/phone.h"
#include "routing/classify.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define COOKIE "farmline_session"
#define LOGIN_WINDOW_MS 60000
#define LOGIN_PER_WINDOW 5	/* sign-in attempts a minute from one address */
#define LOGIN_SLOTS 256		/* addresses followed at once; the oldest make way */

/* Sign-in attempts from one client address in the current minute (gw_bureau.lock). */
struct login_slot {
	char addr[INET6_ADDRSTRLEN];
	int64_t since;
	int n;
};
#define PAGE_MAX 200
#define ASSET_MAX (4 * 1024 * 1024)

struct gw_bureau {
	struct store *s;
	pthread_mutex_t lock;		/* one request at a time on the connection and the rules */
	struct route_rules *rules;	/* for category names; replaced on SIGHUP (lock) */
	struct ingest *ig;
	unsigned char token_hash[32];
	int has_token;
	char *dashboard;		/* the folder of the dashboard's files */
	char *timezone;
	struct fig_grade grades[3];
	struct fig_opts fig;
	int64_t session_ms;		/* a sign-in lasts this long */
	int secure_cookie;		/* 1 yes, 0 no, -1 when the request came over HTTPS */
	struct login_slot logins[LOGIN_SLOTS];
};

static void
sha256(const char *s, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	EVP_Digest(s, len, out, &n, EVP_sha256(), NULL);
}

struct gw_bureau *
gw_bureau_new(const struct config *cfg, struct ingest *ig, char *err, size_t errlen)
{
	struct gw_bureau *b = xcalloc(1, sizeof(*b));
	char why[512];

	if (store_open(cfg->db_path, cfg->busy_timeout_ms, &b->s, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "bureau: %s", why);
		free(b);
		return NULL;
	}
	if (route_rules_load(cfg->rules_path, &b->rules, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		store_close(b->s);
		free(b);
		return NULL;
	}
	pthread_mutex_init(&b->lock, NULL);
	b->ig = ig;
	b->has_token = cfg->api_token[0] != '\0';
	if (b->has_token)
		sha256(cfg->api_token, strlen(cfg->api_token), b->token_hash);
	b->dashboard = xstrdup(cfg->dashboard_path);
	b->timezone = xstrdup(cfg->timezone);
	bureau_fig_opts(cfg, b->grades, &b->fig);
	b->session_ms = cfg->session_lifetime_ms;
	b->secure_cookie = strcmp(cfg->secure_cookie, "yes") == 0 ? 1 :
	    strcmp(cfg->secure_cookie, "no") == 0 ? 0 : -1;
	if (!b->has_token)
		log_info("http: [bureau] api_token is not set: the API, /metrics and the dashboard "
		    "are off");
	return b;
}

void
gw_bureau_set_rules(struct gw_bureau *b, struct route_rules *rules)
{
	struct route_rules *old;

	pthread_mutex_lock(&b->lock);
	old = b->rules;
	b->rules = rules;
	pthread_mutex_unlock(&b->lock);
	route_rules_free(old);
}

void
gw_bureau_free(struct gw_bureau *b)
{
	if (b == NULL)
		return;
	store_close(b->s);
	route_rules_free(b->rules);
	pthread_mutex_destroy(&b->lock);
	free(b->dashboard);
	free(b->timezone);
	free(b);
}

int
gw_bureau_owns(const char *url)
{
	return strcmp(url, "/") == 0 || strcmp(url, "/login") == 0 || strcmp(url, "/logout") == 0 ||
	    strcmp(url, "/metrics") == 0 || strncmp(url, "/api/", 5) == 0 ||
	    strncmp(url, "/assets/", 8) == 0;
}

/* A response with a body (copied) and a content type. */
static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned int status, const char *type, const char *body,
    size_t len, const char *cookie)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_json(struct MHD_Connection *conn, unsigned int status, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	enum MHD_Result ret;

	json_decref(o);
	if (text == NULL)
		return MHD_NO;
	ret = reply(conn, status, "application/json; charset=utf-8", text, strlen(text), NULL);
	free(text);
	return ret;
}

static enum MHD_Result
reply_error(struct MHD_Connection *conn, unsigned int status, const char *reason)
{
	return reply_json(conn, status, json_pack("{s:s}", "error", reason));
}

static enum MHD_Result
unauthorized(struct MHD_Connection *conn)
{
	static const char body[] = "{\"error\":\"a bearer token is needed (Authorization: Bearer "
	    "<[bureau] api_token>)\"}";
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"farmline\"");
	ret = MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
redirect(struct MHD_Connection *conn, const char *to, const char *cookie)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
	if (cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	ret = MHD_queue_response(conn, MHD_HTTP_SEE_OTHER, r);
	MHD_destroy_response(r);
	return ret;
}

/* Whether the token given matches, compared in constant time (over digests). */
static int
token_ok(const struct gw_bureau *b, const char *given)
{
	unsigned char h[32];

	if (!b->has_token || given == NULL)
		return 0;
	sha256(given, strlen(given), h);
	return CRYPTO_memcmp(h, b->token_hash, sizeof(h)) == 0;
}

/*
 * The client's address, and whether the connection came from this machine (a reverse proxy on
 * it, README). From a loopback peer, the last address of X-Forwarded-For is the client's: the
 * proxy appends the address it was reached from. Elsewhere the header is anyone's to write.
 */
static void
client_address(struct MHD_Connection *conn, char *addr, size_t len, int *local)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const char *fwd, *last;
	size_t n;

	snprintf(addr, len, "?");
	*local = 0;
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, addr, (socklen_t)len);
		*local = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, (socklen_t)len);
		*local = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
	}
	fwd = *local ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For") :
	    NULL;
	if (fwd && *fwd) {
		last = strrchr(fwd, ',');
		last = last ? last + 1 : fwd;
		while (*last == ' ')
			last++;
		n = strcspn(last, " ");
		if (n > 0 && n < len)
			snprintf(addr, len, "%.*s", (int)n, last);
	}
}

/*
 * Whether the request reached us over HTTPS: only a proxy on this machine is believed when it
 * says so (X-Forwarded-Proto); [bureau] secure_cookie = yes says it for a proxy elsewhere.
 */
static int
over_https(const struct gw_bureau *b, struct MHD_Connection *conn)
{
	const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-Forwarded-Proto");
	char addr[INET6_ADDRSTRLEN];
	int local;

	if (b->secure_cookie >= 0)
		return b->secure_cookie;
	client_address(conn, addr, sizeof(addr), &local);
	return local && proto && strcasecmp(proto, "https") == 0;
}

/* A session's digest: SHA-256 of its id and of the token's digest (a new token: no match). */
static void
session_hash(const struct gw_bureau *b, const char *id, unsigned char out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 32;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, id, strlen(id)) != 1 ||
	    EVP_DigestUpdate(ctx, b->token_hash, sizeof(b->token_hash)) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1)
		abort();
	EVP_MD_CTX_free(ctx);
}

/* Whether the sign-in cookie names a live session. */
static int
session_ok(struct gw_bureau *b, const char *id)
{
	unsigned char h[32];
	enum store_rc rc;

	if (!b->has_token || id == NULL || strlen(id) != 64)
		return 0;
	session_hash(b, id, h);
	pthread_mutex_lock(&b->lock);
	rc = store_session_find(b->s, h, clock_now_ms());
	pthread_mutex_unlock(&b->lock);
	return rc == STORE_OK;
}

/* A request's credentials: Authorization: Bearer <api_token>, or the sign-in cookie. */
static int
authorized(struct gw_bureau *b, struct MHD_Connection *conn)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);

	if (auth && strncmp(auth, "Bearer ", 7) == 0)
		return token_ok(b, auth + 7);
	return session_ok(b, MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE));
}

/*
 * One more sign-in attempt from addr: 0 when allowed, else the seconds until the next is
 * (LOGIN_PER_WINDOW a minute). An address not followed yet takes a free slot, or the one
 * whose minute began longest ago.
 */
static int
login_throttled(struct gw_bureau *b, const char *addr, int64_t now)
{
	struct login_slot *slot = NULL, *oldest = &b->logins[0];
	int i, wait = 0;

	pthread_mutex_lock(&b->lock);
	for (i = 0; i < LOGIN_SLOTS && slot == NULL; i++) {
		if (strcmp(b->logins[i].addr, addr) == 0)
			slot = &b->logins[i];
		else if (b->logins[i].since < oldest->since)
			oldest = &b->logins[i];
	}
	if (slot == NULL) {
		slot = oldest;
		snprintf(slot->addr, sizeof(slot->addr), "%s", addr);
		slot->since = now;
		slot->n = 0;
	}
	if (now - slot->since >= LOGIN_WINDOW_MS) {
		slot->since = now;
		slot->n = 0;
	}
	if (slot->n >= LOGIN_PER_WINDOW)
		wait = (int)((slot->since + LOGIN_WINDOW_MS - now + 999) / 1000);
	else
		slot->n++;
	pthread_mutex_unlock(&b->lock);
	return wait;
}

/*
 * Start a session: a random id (256 bits) in the cookie, its digest in the database. The
 * cookie into buf; 0, or -1 when the database refused.
 */
static int
session_start(struct gw_bureau *b, struct MHD_Connection *conn, char *buf, size_t len)
{
	unsigned char raw[32], h[32];
	char id[65];
	int64_t now = clock_now_ms();
	enum store_rc rc;
	int i;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	session_hash(b, id, h);
	pthread_mutex_lock(&b->lock);
	rc = store_session_add(b->s, h, now, now + b->session_ms);
	pthread_mutex_unlock(&b->lock);
	if (rc)
		return -1;
	snprintf(buf, len, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", id,
	    (long long)(b->session_ms / 1000), over_https(b, conn) ? "; Secure" : "");
	return 0;
}

static const char login_page[] =
    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<link rel=\"icon\" href=\"data:,\"><title>科技扶贫在线 · 登录</title><style>body{font-family:sans-serif;max-width:22em;"
    "margin:4em auto;padding:0 1em}input,button{font-size:1.1em;width:100%;margin:.4em 0;"
    "padding:.4em;box-sizing:border-box}</style></head><body><h1>科技扶贫在线</h1>"
    "<p>请输入县科技局的访问口令（配置文件 [bureau] api_token）。</p>"
    "<form method=\"post\" action=\"/login\"><input type=\"password\" name=\"token\" "
    "autocomplete=\"current-password\" placeholder=\"访问口令\" required autofocus>"
    "<button type=\"submit\">登录</button></form>";

static enum MHD_Result
show_login(struct MHD_Connection *conn, unsigned int status, const char *note)
{
	char page[sizeof(login_page) + 256];

	snprintf(page, sizeof(page), "%s%s</body></html>", login_page, note);
	return reply(conn, status, "text/html; charset=utf-8", page, strlen(page), NULL);
}

/* Read a whole file under the dashboard folder (caller frees); NULL when there is none. */
static char *
read_asset(const char *path, size_t *len)
{
	struct stat st;
	char *data = NULL;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return NULL;
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= ASSET_MAX) {
		data = malloc((size_t)st.st_size + 1);
		if (data && fread(data, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
			free(data);
			data = NULL;
		}
		*len = (size_t)st.st_size;
	}
	fclose(fp);
	return data;
}

static const char *
type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".json") == 0)
		return "application/json";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	return "application/octet-stream";
}

/* /assets/<path>: segments of letters, digits, ".", "_", "-" only, none starting with ".". */
static enum MHD_Result
asset(struct gw_bureau *b, struct MHD_Connection *conn, const char *rel)
{
	char path[4096];
	const char *p;
	char *data;
	size_t len = 0;
	enum MHD_Result ret;

	for (p = rel; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' &&
		    *p <= '9') || *p == '.' || *p == '_' || *p == '-' || *p == '/'))
			return reply_error(conn, MHD_HTTP_NOT_FOUND, "no such file");
		if (*p == '.' && (p == rel || p[-1] == '/'))
			return reply_error(conn, MHD_HTTP_NOT_FOUND, "no such file");
	}
	if (*rel == '\0' || snprintf(path, sizeof(path), "%s/%s", b->dashboard, rel) >=
	    (int)sizeof(path))
		return reply_error(conn, MHD_HTTP_NOT_FOUND, "no such file");
	data = read_asset(path, &len);
	if (data == NULL)
		return reply_error(conn, MHD_HTTP_NOT_FOUND, "no such file");
	ret = reply(conn, MHD_HTTP_OK, type_of(rel), data, len, NULL);
	free(data);
	return ret;
}

/* A YYYY-MM-DD query argument as local midnight (UTC ms); def when absent, -1 when bad. */
static int64_t
date_arg(struct MHD_Connection *conn, const char *key, int64_t def, int64_t plus)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
	int64_t ms;

	if (v == NULL || *v == '\0')
		return def;
	if (bureau_date_parse(v, &ms) != 0)
		return -1;	/* not a date, or one that does not exist (2026-02-30) */
	return ms + plus;
}

static enum MHD_Result
api_stats(struct gw_bureau *b, struct MHD_Connection *conn)
{
	struct fig_opts o = b->fig;
	const char *wt = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "working_time");
	struct figures f;
	char err[256];
	json_t *root;
	int rc;

	o.from = date_arg(conn, "from", 0, 0);
	o.to = date_arg(conn, "to", INT64_MAX, 86400000);
	if (o.from < 0 || o.to < 0)
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "from and to are dates: YYYY-MM-DD");
	if (bureau_period_check(o.from, o.to, err, sizeof(err)) != 0)
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, err);
	if (wt)
		o.working_time = strcmp(wt, "1") == 0 || strcmp(wt, "yes") == 0 ||
		    strcmp(wt, "true") == 0;
	o.now = clock_now_ms();
	pthread_mutex_lock(&b->lock);
	rc = bureau_figures(b->s, &o, &f, err, sizeof(err));
	root = rc ? NULL : bureau_figures_json(&f, b->rules, b->timezone);
	pthread_mutex_unlock(&b->lock);
	if (rc)
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, err);
	bureau_figures_free(&f);
	return reply_json(conn, MHD_HTTP_OK, root);
}

struct page {
	json_t *items;
	const struct gw_bureau *b;
};

static json_t *
local_time_json(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	char buf[32];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm);
	return json_string(buf);
}

static int
on_item(void *arg, const struct store_fig_consult *c)
{
	struct page *p = arg;
	char masked[32];
	json_t *o = json_object();

	phone_mask(c->farmer_phone, masked, sizeof(masked));
	json_object_set_new(o, "ticket", json_integer(c->id));
	json_object_set_new(o, "created_at", local_time_json(c->created_at));
	json_object_set_new(o, "farmer", json_string(masked));
	json_object_set_new(o, "township", c->township ? json_string(c->township) : json_null());
	json_object_set_new(o, "channel", json_string(c->channel));
	json_object_set_new(o, "category", json_string(c->category));
	json_object_set_new(o, "label", json_string(route_rules_name(p->b->rules, c->category)));
	json_object_set_new(o, "status", json_string(c->status));
	json_object_set_new(o, "expert_id", c->answered_by ? json_integer(c->answered_by) :
	    c->expert_id ? json_integer(c->expert_id) : json_null());
	json_object_set_new(o, "question", json_string(c->question));
	json_object_set_new(o, "first_answered_at", c->first_answered_at ?
	    local_time_json(c->first_answered_at) : json_null());
	json_object_set_new(o, "response_seconds", c->first_answered_at ?
	    json_integer((c->first_answered_at - c->created_at + 500) / 1000) : json_null());
	json_object_set_new(o, "rating", c->rating ? json_integer(c->rating) : json_null());
	json_array_append_new(p->items, o);
	return 0;
}

/* A whole number query argument within lo..hi; def when absent; -1 when bad. */
static int64_t
int_arg(struct MHD_Connection *conn, const char *key, int64_t def, int64_t lo, int64_t hi)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end || errno || n < lo || n > hi)
		return -1;
	return n;
}

static enum MHD_Result
api_consultations(struct gw_bureau *b, struct MHD_Connection *conn)
{
	static const char *const statuses[] = { "open", "queued", "assigned", "answered",
	    "closed", NULL };
	struct store_consult_filter f;
	struct page p = { NULL, b };
	int64_t total = 0, page, per;
	const char *status, *category;
	enum store_rc rc;
	char err[160];
	int i;

	memset(&f, 0, sizeof(f));
	f.from = date_arg(conn, "from", 0, 0);
	f.to = date_arg(conn, "to", INT64_MAX, 86400000);
	page = int_arg(conn, "page", 1, 1, 1000000);
	per = int_arg(conn, "per_page", 50, 1, PAGE_MAX);
	f.expert_id = int_arg(conn, "expert", 0, 1, INT64_MAX);
	if (f.from < 0 || f.to < 0)
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "from and to are dates: YYYY-MM-DD");
	if (bureau_period_check(f.from, f.to, err, sizeof(err)) != 0)
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, err);
	if (page < 0 || per < 0 || f.expert_id < 0)
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "page is 1 or more, per_page 1..200, "
		    "expert an expert's id");
	status = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "status");
	if (status && *status) {
		for (i = 0; statuses[i] && strcmp(statuses[i], status) != 0; i++)
			;
		if (statuses[i] == NULL)
			return reply_error(conn, MHD_HTTP_BAD_REQUEST, "status is one of open, queued, "
			    "assigned, answered, closed");
		f.status = status;
	}
	category = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "category");
	pthread_mutex_lock(&b->lock);	/* the rules and the connection, until the page is read */
	if (category && *category) {
		const struct route_category *cat = route_rules_find(b->rules, category);

		f.category = cat ? cat->code : category;	/* a code, a name, or "triage" */
	}
	f.township = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "township");
	f.channel = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "channel");
	if (f.township && *f.township == '\0')
		f.township = NULL;
	if (f.channel && *f.channel == '\0')
		f.channel = NULL;
	f.offset = (page - 1) * per;
	f.limit = per;
	p.items = json_array();
	rc = store_consult_page(b->s, &f, &total, on_item, &p);
	pthread_mutex_unlock(&b->lock);
	if (rc) {
		json_decref(p.items);
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the database did not answer");
	}
	return reply_json(conn, MHD_HTTP_OK, json_pack("{s:I, s:I, s:I, s:o}", "total",
	    (json_int_t)total, "page", (json_int_t)page, "per_page", (json_int_t)per, "items",
	    p.items));
}

static enum MHD_Result
metrics(struct gw_bureau *b, struct MHD_Connection *conn)
{
	struct metrics_gauges g;
	char *text = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	FILE *out;

	memset(&g, 0, sizeof(g));
	pthread_mutex_lock(&b->lock);
	store_fig_depths(b->s, &g.outbox_queued, &g.outbox_sending, &g.open_consultations);
	pthread_mutex_unlock(&b->lock);
	g.ingest_waiting = b->ig ? ingest_waiting(b->ig) : 0;
	out = open_memstream(&text, &len);
	if (out == NULL)
		return MHD_NO;
	metrics_print(out, &g);
	fclose(out);
	ret = reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len,
	    NULL);
	free(text);
	return ret;
}

/* POST /login with token=…: a session cookie, then the dashboard. */
static enum MHD_Result
login(struct gw_bureau *b, struct MHD_Connection *conn, const char *body, size_t len)
{
	char token[300], cookie[400], addr[INET6_ADDRSTRLEN], retry[16], page[sizeof(login_page)
	    + 256];
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *v;
	size_t n = 0;
	int local, wait;

	client_address(conn, addr, sizeof(addr), &local);
	if ((wait = login_throttled(b, addr, clock_now_ms())) > 0) {
		log_warnx("http: sign-ins to the dashboard from %s refused for %d s: more than %d a "
		    "minute", addr, wait, LOGIN_PER_WINDOW);
		snprintf(page, sizeof(page), "%s<p>尝试次数过多，请%d秒后再试。</p></body></html>",
		    login_page, wait);
		snprintf(retry, sizeof(retry), "%d", wait);
		r = MHD_create_response_from_buffer(strlen(page), page, MHD_RESPMEM_MUST_COPY);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
		ret = MHD_queue_response(conn, MHD_HTTP_TOO_MANY_REQUESTS, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (body == NULL || len < 6 || strncmp(body, "token=", 6) != 0)
		return show_login(conn, MHD_HTTP_BAD_REQUEST, "<p>请输入口令。</p>");
	for (v = body + 6; v < body + len && *v != '&' && n + 1 < sizeof(token); v++) {
		if (*v == '+') {
			token[n++] = ' ';
		} else if (*v == '%' && v + 2 < body + len) {
			char hex[3] = { v[1], v[2], 0 };

			token[n++] = (char)strtol(hex, NULL, 16);
			v += 2;
		} else {
			token[n++] = *v;
		}
	}
	token[n] = '\0';
	if (!token_ok(b, token)) {
		log_warnx("http: a sign-in to the dashboard with a wrong token from %s", addr);
		return show_login(conn, MHD_HTTP_UNAUTHORIZED, "<p>口令不对，请重试。</p>");
	}
	if (session_start(b, conn, cookie, sizeof(cookie)) != 0)
		return show_login(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "<p>暂时无法登录，请稍后再试。</p>");
	return redirect(conn, "/", cookie);
}

/* POST /logout: the session ends here and in the browser. */
static enum MHD_Result
logout(struct gw_bureau *b, struct MHD_Connection *conn)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE);
	unsigned char h[32];

	if (id && strlen(id) == 64) {
		session_hash(b, id, h);
		pthread_mutex_lock(&b->lock);
		(void)store_session_drop(b->s, h);
		pthread_mutex_unlock(&b->lock);
	}
	return redirect(conn, "/", COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

enum MHD_Result
gw_bureau_request(struct gw_bureau *b, struct MHD_Connection *conn, const char *url,
    const char *method, const char *body, size_t len)
{
	int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	if (strncmp(url, "/assets/", 8) == 0)
		return get ? asset(b, conn, url + 8) : reply_error(conn,
		    MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
	if (!b->has_token)
		return reply_error(conn, MHD_HTTP_NOT_FOUND, "the bureau's pages are off: set "
		    "[bureau] api_token in the configuration");
	/* A token in a URL ends up in proxies' logs and the browser's history: never taken. */
	if (MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token") != NULL) {
		if (strcmp(url, "/") == 0)
			return show_login(conn, MHD_HTTP_BAD_REQUEST, "<p>口令不能放在网址里，请在此输入。"
			    "</p>");
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "the token is not taken in a URL: "
		    "send Authorization: Bearer <token>");
	}
	if (strcmp(url, "/login") == 0) {
		if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
			return login(b, conn, body, len);
		return show_login(conn, MHD_HTTP_OK, "");
	}
	if (strcmp(url, "/logout") == 0)
		return strcmp(method, MHD_HTTP_METHOD_POST) == 0 ? logout(b, conn) :
		    reply_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
	if (!get)
		return reply_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
	if (!authorized(b, conn)) {
		if (strcmp(url, "/") == 0)
			return show_login(conn, MHD_HTTP_OK, "");
		return unauthorized(conn);
	}
	if (strcmp(url, "/") == 0)
		return asset(b, conn, "index.html");
	if (strcmp(url, "/metrics") == 0)
		return metrics(b, conn);
	if (strcmp(url, "/api/stats") == 0)
		return api_stats(b, conn);
	if (strcmp(url, "/api/consultations") == 0)
		return api_consultations(b, conn);
	return reply_error(conn, MHD_HTTP_NOT_FOUND, "no such path");
}
