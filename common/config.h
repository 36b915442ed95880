/*
 * farmline.conf: every setting, its type, bounds and default, in one table (common/config.c).
 */
#ifndef FL_CONFIG_H
#define FL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct config {
	char *path;			/* the file this was read from (NULL: defaults only) */

	/* [general] */
	char *timezone;			/* shown times, e.g. Asia/Shanghai */
	char *signature;		/* 【科技扶贫在线】, put in front of every SMS */
	char *log_level;		/* warn | info | debug */

	/* [http] */
	char *bind;
	int port;
	int64_t max_body;		/* bytes; larger requests get 413 */
	int threads;
	int64_t conn_timeout_ms;
	char *inbound_token;		/* the generic provider's secret ("": webhooks off) */
	int max_connections;		/* open connections at most, from everyone */
	int max_connections_per_address;	/* from one address (0: no limit of its own) */
	int64_t timers_late_ms;		/* /healthz 503 when the periodic work is this late */

	/* [store] */
	char *db_path;
	int64_t busy_timeout_ms;
	int batch_max;			/* inbound messages committed in one transaction at most */
	int cache_mb;			/* the writer's page cache, in MB */

	/* [sms] */
	char *country_code;		/* "86": numbers without one get it */
	char *service_number;		/* the number farmers text; "from" of what we send */
	int max_text_chars;		/* longest inbound text accepted */

	/* [routing] */
	char *rules_path;

	/* [provider]: which provider sends, and how fast */
	char *provider_type;		/* console | http | kannel | twilio | africastalking */
	char *provider_url;		/* type http: where to POST */
	int64_t provider_timeout_ms;
	int provider_rate;		/* messages a second at most (0: no cap) */
	int provider_parallel;		/* requests in flight at once */

	/* [kannel] */
	char *kannel_sendsms_url;	/* http://127.0.0.1:13013/cgi-bin/sendsms */
	char *kannel_username;
	char *kannel_password;
	char *kannel_dlr_url;		/* how Kannel reaches /dlr/kannel ("" : no reports) */
	char *kannel_smsc;		/* route to this smsc-id ("" : Kannel decides) */
	char *kannel_token;		/* a secret the webhooks' paths must end with ("": none) */

	/* [twilio] */
	char *twilio_account_sid;
	char *twilio_auth_token;
	char *twilio_from;		/* a number, or */
	char *twilio_messaging_service_sid;
	char *twilio_public_url;	/* how Twilio reaches farmline: signatures are over it */
	char *twilio_api_url;

	/* [africastalking] */
	char *at_username;
	char *at_api_key;
	char *at_from;			/* a short code or sender id ("" : the account's default) */
	char *at_api_url;
	char *at_token;			/* a secret the webhooks' paths must end with ("": none) */

	/* [ussd] */
	char *ussd_menu_path;		/* the screens' texts */
	int64_t ussd_keep_ms;		/* steps (screens shown, answers in them) kept this long */

	/* [tencent], [aliyun]: their uplink callbacks are not signed: a secret in the path */
	char *tencent_token;
	char *aliyun_token;

	/* [sms] dedup of messages that carry no provider id */
	int64_t dedup_window_ms;

	/* [sender] */
	int64_t retry_base_ms;
	int64_t retry_max_ms;
	int64_t max_age_ms;
	int64_t poll_ms;
	int sender_batch;
	int64_t redeliver_after_ms;	/* a farmer's answer that failed is tried once more after */

	/* [consult] */
	int64_t followup_window_ms;	/* after an answer, a farmer's text follows up on it */
	int new_question_score;		/* a follow-up classified elsewhere this surely is new */
	int low_rating;			/* ratings at or below alert triage staff */
	int max_segments;		/* one concatenated SMS at most; longer goes in parts */
	int loop_limit;			/* messages an hour from one number before replies stop */
	int reveal_farmer_number;	/* experts see whole numbers (bool) */
	int alert_farmer_number;	/* undelivered-answer alerts give the whole number (bool) */
	char *bureau_contact;		/* told when no one is left to take a question ("" none) */

	/* [escalation] */
	int64_t remind_after_ms;	/* working time before one reminder to the expert */
	int64_t reassign_after_ms;	/* working time before the next expert gets it */
	int64_t off_duty_grace_ms;	/* after 暂停, open questions are handed on after this */
	int64_t escalation_check_ms;	/* how often the timers are looked at */

	/* [quiet] hours, minutes after local midnight; equal: no quiet hours */
	int quiet_start_min;
	int quiet_end_min;

	/* [bureau] */
	int bureau_working_time;	/* response times leave out the quiet hours (bool) */
	char *api_token;		/* bearer token of /api, /metrics and the dashboard */
	char *dashboard_path;		/* the dashboard's files */
	int64_t session_lifetime_ms;	/* a dashboard sign-in lasts this long */
	char *secure_cookie;		/* auto | yes | no: the session cookie's Secure flag */

	/* [appraisal]: grades of experts, best first; [2] is the grade below the others */
	char *grade_name[3];
	int grade_rate[3];		/* answer rate at least, percent */
	int64_t grade_median_ms[3];	/* median response at most (0: no bar) */
	int grade_rating[3];		/* mean rating at least, tenths (0: no bar) */

	/* [townships]: "舜山镇 = 六郎村, 大坪村" — the townships farmers may register with */
	struct config_township {
		char *name;
		char *villages;		/* comma list; "" when any village is accepted */
	} *townships;
	int ntownships;
};

/* The shortest secret (webhook tokens, [bureau] api_token) start-up accepts. */
#define CONFIG_MIN_SECRET 16
/*
 * The [http] inbound_token config/farmline.conf ships with, so that README's walkthrough runs
 * as is on 127.0.0.1; start-up refuses it with any other [http] bind.
 */
#define CONFIG_WALKTHROUGH_TOKEN "local-walkthrough-token-change-me"

/* Defaults for every setting. Caller frees with config_free. */
void config_defaults(struct config *cfg);
/*
 * Read path over the defaults already in cfg. Returns 0, or -1 with "file:line: [section] key:
 * reason" in err; cfg then holds what was read so far and must still be freed.
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
/* Replace a string setting (command-line overrides). */
void config_set_string(char **slot, const char *value);
void config_free(struct config *cfg);

/* Parse "90", "90s", "500ms", "15m", "2h", "1d" into milliseconds. 0 or -1. */
int config_parse_duration(const char *s, int64_t *ms);

#endif
