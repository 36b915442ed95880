/*
 * The harness the integration tests share: a world with a fake SMS provider on loopback
 * (fakeprov.h), the real farmline binary started and stopped, HTTP requests to it, waits.
 */
#ifndef FL_HARNESS_H
#define FL_HARNESS_H

#include "tests/lib/fakeprov.h"

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#define WAIT_MS 15000		/* how long to wait for something that should happen at once */

struct body {
	char *data;
	size_t len;
};

/* The gateway process. */
struct gateway {
	pid_t pid;
	int port;
	int err_fd;
	pthread_t reader;
	pthread_mutex_t lock;
	char *log;		/* everything it wrote on stderr */
	size_t log_len;
};

struct world {
	char *dir, *conf, *db;
	const char *bin;
	struct fprov fake;	/* h_world_new starts it; fl_world_new does not */
	struct gateway gw;
	CURL *curl;
};

/*
 * The generic provider's secret ([http] inbound_token) every test world's gateway is given
 * (h_world_new, fl_world_new). h_http_ex and fl_request send it as "Authorization: Bearer" to
 * /sms/inbound, /sms/http and /dlr/http unless the request names its own Authorization header
 * ("Authorization:" alone sends none) or carries a token in its path. A test that writes its own
 * [http] section or raw requests must add it itself.
 */
#define H_INBOUND_TOKEN "test-inbound-token-5f0c2a9e"
#define H_AUTH_HEADER "Authorization: Bearer " H_INBOUND_TOKEN
/* Whether a request to path with these extra headers gets H_AUTH_HEADER added. */
int h_wants_inbound_auth(const char *path, const char *const *extra);

int64_t h_now_ms(void);		/* monotonic */
void h_sleep_ms(int ms);

/* A fake provider, a temporary folder and a configuration; extra_conf is appended to it. */
struct world *h_world_new(const char *tag, const char *extra_conf);
void h_world_free(struct world *w);

/* Run `farmline -c CONF arg1 … NULL` to completion: its exit status, its output in *out. */
int h_run_cli(struct world *w, char **out, const char *arg1, ...);
/* Start `farmline serve` and wait until it listens; stop it with SIGINT (its exit status). */
void h_gateway_start(struct world *w);
int h_gateway_stop(struct world *w);
/* Wait until the gateway's log holds needle. */
int h_log_wait(struct world *w, const char *needle);

/* An HTTP request to the gateway: the status, the body in *reply (caller frees). */
long h_http(struct world *w, const char *method, const char *path, const char *content_type,
    const char *body, size_t len, char **reply);
/* The same with extra request headers ("Name: value", NULL-terminated) and the response's. */
long h_http_ex(struct world *w, const char *method, const char *path, const char *const *extra,
    const char *content_type, const char *body, size_t len, char **reply, char **resp_headers);
/* POST a form to /sms/inbound as `curl -d` does; the JSON answer in *reply. */
long h_post_form(struct world *w, const char *form, json_t **reply);

/* Wait until sql on the database gives want; returns the last value. */
long long h_db_wait(struct world *w, const char *sql, long long want);
void h_copy_file(const char *from, const char *to);

/* Added for the fault tests (tests/faults/). */
/* Start `farmline serve` again after a stop or a kill, waiting for the listening line that this
 * start writes (the log keeps what the earlier runs wrote). */
void h_gateway_restart(struct world *w);
/* Start `farmline serve` and return at once, without waiting for it to listen. */
void h_gateway_spawn(struct world *w);
/* SIGKILL the gateway and reap it; what it wrote stays in the log. */
void h_gateway_kill(struct world *w);
/* A copy of everything the gateway wrote on stderr so far (caller frees). */
char *h_gateway_log(struct world *w);

#endif
