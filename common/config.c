/*
 * Settings table for farmline.conf, in the manner of Redis's config.c: each setting has a
 * section, a key, a type, bounds and a default, and lands at an offset in struct config.
 * Unknown sections and keys, and values out of bounds, stop start-up with file, line and key.
 */
#include "common/config.h"

#include "common/inifile.h"
#include "common/sms.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* SET_TEXT: a string whose bounds are characters, not bytes (text that goes into an SMS). */
/* SET_TENTHS: a number with at most one decimal ("4.5"), kept as an int in tenths (45). */
enum setting_type { SET_STRING, SET_TEXT, SET_CHOICE, SET_INT, SET_DURATION, SET_SIZE, SET_BOOL,
	SET_CLOCK, SET_TENTHS };

struct setting {
	const char *section;
	const char *key;
	enum setting_type type;
	size_t offset;
	int64_t min, max;	/* numbers, durations (ms), sizes (bytes); strings: max length */
	const char *dflt;
	const char *choices;	/* SET_CHOICE: the allowed values, "a|b|c" */
	int (*check)(const char *value, char *err, size_t errlen);	/* optional */
};

/* Empty, or something that looks like a phone number (checked fully where it is used). */
static int
check_phone(const char *value, char *err, size_t errlen)
{
	const char *p = value;

	if (*p == '+')
		p++;
	for (; *p; p++) {
		if ((*p < '0' || *p > '9') && *p != ' ' && *p != '-') {
			snprintf(err, errlen, "\"%s\" is not a phone number", value);
			return -1;
		}
	}
	return 0;
}

/* A time zone the C library knows: a name in the zoneinfo database, or a POSIX TZ string. */
static int
check_timezone(const char *value, char *err, size_t errlen)
{
	char path[512];

	if (strstr(value, "..") == NULL) {
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", value);
		if (access(path, R_OK) == 0)
			return 0;
	}
	if (strpbrk(value, "0123456789") != NULL && strchr(value, '/') == NULL)
		return 0;	/* POSIX form, e.g. CST-8 */
	snprintf(err, errlen, "unknown time zone \"%s\" (e.g. Asia/Shanghai; is tzdata installed?)",
	    value);
	return -1;
}

/*
 * A secret: empty (what it guards is off), or at least CONFIG_MIN_SECRET characters. A token
 * that goes into a URL path (/sms/<provider>/<token>) must also be letters, digits, - and _.
 */
static int
check_secret_len(const char *value, char *err, size_t errlen)
{
	size_t n = strlen(value);

	if (n > 0 && n < CONFIG_MIN_SECRET) {
		snprintf(err, errlen, "%zu characters; a secret needs at least %d (or leave it "
		    "empty to turn off what it guards)", n, CONFIG_MIN_SECRET);
		return -1;
	}
	return 0;
}

static int
check_url_secret(const char *value, char *err, size_t errlen)
{
	const char *p;

	if (check_secret_len(value, err, errlen) != 0)
		return -1;
	for (p = value; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) {
			snprintf(err, errlen, "only letters, digits, - and _ (it goes into URLs)");
			return -1;
		}
	}
	return 0;
}

#define OFF(f) offsetof(struct config, f)
#define SETC(sec, k, t, off, lo, hi, d, ch, chk) { .section = sec, .key = k, .type = t, \
	.offset = off, .min = lo, .max = hi, .dflt = d, .choices = ch, .check = chk }
#define SET(sec, k, t, off, lo, hi, d, ch) SETC(sec, k, t, off, lo, hi, d, ch, NULL)

static const struct setting settings[] = {
	SETC("general", "timezone", SET_STRING, OFF(timezone), 1, 64, "Asia/Shanghai", NULL,
	    check_timezone),
	/* At most 16 characters: the acknowledgement, signature included, is one SMS. */
	SET("general", "signature", SET_TEXT, OFF(signature), 0, 16, "【科技扶贫在线】", NULL),
	SET("general", "log_level", SET_CHOICE, OFF(log_level), 0, 0, "info", "warn|info|debug"),

	SET("http", "bind", SET_STRING, OFF(bind), 1, 64, "127.0.0.1", NULL),
	SET("http", "port", SET_INT, OFF(port), 0, 65535, "8080", NULL),
	SET("http", "max_body", SET_SIZE, OFF(max_body), 1024, 16 << 20, "64k", NULL),
	SET("http", "threads", SET_INT, OFF(threads), 1, 64, "2", NULL),
	SET("http", "connection_timeout", SET_DURATION, OFF(conn_timeout_ms), 1000, 3600000, "30s", NULL),
	SETC("http", "inbound_token", SET_STRING, OFF(inbound_token), 0, 128, "", NULL,
	    check_url_secret),
	/* Open connections at most, in all and from one address (0: no limit of its own). */
	SET("http", "max_connections", SET_INT, OFF(max_connections), 16, 100000, "512", NULL),
	SET("http", "max_connections_per_address", SET_INT, OFF(max_connections_per_address), 0,
	    100000, "128", NULL),
	SET("http", "timers_late", SET_DURATION, OFF(timers_late_ms), 0, 86400000, "60s", NULL),

	SET("store", "path", SET_STRING, OFF(db_path), 1, 4096, "data/farmline.db", NULL),
	SET("store", "busy_timeout", SET_DURATION, OFF(busy_timeout_ms), 0, 600000, "5s", NULL),
	SET("store", "batch_max", SET_INT, OFF(batch_max), 1, 10000, "256", NULL),
	SET("store", "cache", SET_INT, OFF(cache_mb), 1, 4096, "16", NULL),

	SET("sms", "country_code", SET_STRING, OFF(country_code), 1, 4, "86", NULL),
	SET("sms", "service_number", SET_STRING, OFF(service_number), 1, 32, "10690000", NULL),
	SET("sms", "max_text_chars", SET_INT, OFF(max_text_chars), 1, 10000, "2000", NULL),
	SET("sms", "dedup_window", SET_DURATION, OFF(dedup_window_ms), 0, 86400000, "2m", NULL),

	SET("routing", "rules", SET_STRING, OFF(rules_path), 1, 4096, "config/categories.conf", NULL),

	SET("provider", "type", SET_CHOICE, OFF(provider_type), 0, 0, "console",
	    "console|http|kannel|twilio|africastalking"),
	SET("provider", "url", SET_STRING, OFF(provider_url), 0, 4096, "", NULL),
	SET("provider", "timeout", SET_DURATION, OFF(provider_timeout_ms), 100, 600000, "10s", NULL),
	SET("provider", "rate", SET_INT, OFF(provider_rate), 0, 100000, "0", NULL),
	SET("provider", "parallel", SET_INT, OFF(provider_parallel), 1, 256, "16", NULL),

	SET("kannel", "sendsms_url", SET_STRING, OFF(kannel_sendsms_url), 0, 4096, "", NULL),
	SET("kannel", "username", SET_STRING, OFF(kannel_username), 0, 128, "", NULL),
	SET("kannel", "password", SET_STRING, OFF(kannel_password), 0, 128, "", NULL),
	SET("kannel", "dlr_url", SET_STRING, OFF(kannel_dlr_url), 0, 4096, "", NULL),
	SET("kannel", "smsc", SET_STRING, OFF(kannel_smsc), 0, 128, "", NULL),
	SETC("kannel", "token", SET_STRING, OFF(kannel_token), 0, 128, "", NULL,
	    check_url_secret),

	SET("twilio", "account_sid", SET_STRING, OFF(twilio_account_sid), 0, 64, "", NULL),
	SET("twilio", "auth_token", SET_STRING, OFF(twilio_auth_token), 0, 128, "", NULL),
	SET("twilio", "from", SET_STRING, OFF(twilio_from), 0, 32, "", NULL),
	SET("twilio", "messaging_service_sid", SET_STRING, OFF(twilio_messaging_service_sid), 0, 64,
	    "", NULL),
	SET("twilio", "public_url", SET_STRING, OFF(twilio_public_url), 0, 4096, "", NULL),
	SET("twilio", "api_url", SET_STRING, OFF(twilio_api_url), 1, 4096, "https://api.twilio.com",
	    NULL),

	SET("africastalking", "username", SET_STRING, OFF(at_username), 0, 128, "", NULL),
	SET("africastalking", "api_key", SET_STRING, OFF(at_api_key), 0, 256, "", NULL),
	SET("africastalking", "from", SET_STRING, OFF(at_from), 0, 32, "", NULL),
	SETC("africastalking", "token", SET_STRING, OFF(at_token), 0, 128, "", NULL,
	    check_url_secret),
	SET("africastalking", "api_url", SET_STRING, OFF(at_api_url), 1, 4096,
	    "https://api.africastalking.com/version1/messaging", NULL),

	SET("ussd", "menu", SET_STRING, OFF(ussd_menu_path), 1, 4096, "config/ussd.conf", NULL),
	/* At least an hour: a number's steps in the last hour count against loop_limit. */
	SET("ussd", "keep", SET_DURATION, OFF(ussd_keep_ms), 3600000, 365LL * 86400000, "7d", NULL),

	SETC("tencent", "token", SET_STRING, OFF(tencent_token), 0, 128, "", NULL,
	    check_url_secret),
	SETC("aliyun", "token", SET_STRING, OFF(aliyun_token), 0, 128, "", NULL,
	    check_url_secret),

	SET("sender", "retry_base", SET_DURATION, OFF(retry_base_ms), 10, 86400000, "10s", NULL),
	SET("sender", "retry_max", SET_DURATION, OFF(retry_max_ms), 10, 86400000, "1h", NULL),
	SET("sender", "max_age", SET_DURATION, OFF(max_age_ms), 1000, 30LL * 86400000, "2d", NULL),
	SET("sender", "poll_interval", SET_DURATION, OFF(poll_ms), 10, 60000, "1s", NULL),
	SET("sender", "batch", SET_INT, OFF(sender_batch), 1, 10000, "64", NULL),
	SET("sender", "redeliver_after", SET_DURATION, OFF(redeliver_after_ms), 0, 7LL * 86400000,
	    "30m", NULL),

	SET("consult", "followup_window", SET_DURATION, OFF(followup_window_ms), 0, 30LL * 86400000,
	    "3d", NULL),
	SET("consult", "new_question_score", SET_INT, OFF(new_question_score), 1, 1000, "5", NULL),
	SET("consult", "low_rating", SET_INT, OFF(low_rating), 0, 5, "2", NULL),
	SET("consult", "max_segments", SET_INT, OFF(max_segments), 1, 10, "3", NULL),
	SET("consult", "loop_limit", SET_INT, OFF(loop_limit), 1, 100000, "20", NULL),
	SET("consult", "reveal_farmer_number", SET_BOOL, OFF(reveal_farmer_number), 0, 1, "no", NULL),
	SET("consult", "alert_farmer_number", SET_BOOL, OFF(alert_farmer_number), 0, 1, "yes", NULL),
	SETC("consult", "bureau_contact", SET_STRING, OFF(bureau_contact), 0, 32, "", NULL,
	    check_phone),

	SET("escalation", "remind_after", SET_DURATION, OFF(remind_after_ms), 1000, 30LL * 86400000,
	    "2h", NULL),
	SET("escalation", "reassign_after", SET_DURATION, OFF(reassign_after_ms), 1000,
	    30LL * 86400000, "8h", NULL),
	SET("escalation", "off_duty_grace", SET_DURATION, OFF(off_duty_grace_ms), 0, 30LL * 86400000,
	    "1h", NULL),
	SET("escalation", "check_interval", SET_DURATION, OFF(escalation_check_ms), 100, 3600000,
	    "30s", NULL),

	SET("quiet", "start", SET_CLOCK, OFF(quiet_start_min), 0, 1439, "22:00", NULL),
	SET("quiet", "end", SET_CLOCK, OFF(quiet_end_min), 0, 1439, "07:00", NULL),

	SET("bureau", "working_time", SET_BOOL, OFF(bureau_working_time), 0, 1, "no", NULL),
	SETC("bureau", "api_token", SET_STRING, OFF(api_token), 0, 256, "", NULL,
	    check_secret_len),
	SET("bureau", "dashboard", SET_STRING, OFF(dashboard_path), 1, 4096, "bureau/web", NULL),
	SET("bureau", "session_lifetime", SET_DURATION, OFF(session_lifetime_ms), 60000,
	    30LL * 86400000, "12h", NULL),
	SET("bureau", "secure_cookie", SET_CHOICE, OFF(secure_cookie), 0, 0, "auto", "auto|yes|no"),

	SET("appraisal", "excellent", SET_TEXT, OFF(grade_name[0]), 1, 8, "优秀", NULL),
	SET("appraisal", "excellent_answer_rate", SET_INT, OFF(grade_rate[0]), 0, 100, "90", NULL),
	SET("appraisal", "excellent_median", SET_DURATION, OFF(grade_median_ms[0]), 0,
	    30LL * 86400000, "4h", NULL),
	SET("appraisal", "excellent_rating", SET_TENTHS, OFF(grade_rating[0]), 0, 50, "4.5", NULL),
	SET("appraisal", "pass", SET_TEXT, OFF(grade_name[1]), 1, 8, "合格", NULL),
	SET("appraisal", "pass_answer_rate", SET_INT, OFF(grade_rate[1]), 0, 100, "60", NULL),
	SET("appraisal", "pass_median", SET_DURATION, OFF(grade_median_ms[1]), 0, 30LL * 86400000,
	    "1d", NULL),
	SET("appraisal", "pass_rating", SET_TENTHS, OFF(grade_rating[1]), 0, 50, "3", NULL),
	SET("appraisal", "fail", SET_TEXT, OFF(grade_name[2]), 1, 8, "不合格", NULL),
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static int
choice_index(const char *choices, const char *value)
{
	const char *p = choices;
	size_t vlen = strlen(value);
	int i = 0;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == vlen && strncmp(p, value, len) == 0)
			return i;
		i++;
		if (!bar)
			break;
		p = bar + 1;
	}
	return -1;
}

int
config_parse_duration(const char *s, int64_t *ms)
{
	char *end;
	long long v;
	int64_t mult;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else if (strcmp(end, "d") == 0)
		mult = 86400000;
	else
		return -1;
	if (v > INT64_MAX / mult)
		return -1;
	*ms = v * mult;
	return 0;
}

static int
parse_size(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int64_t mult = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024, end++;
	if (*end != '\0' || v > INT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

void
config_set_string(char **slot, const char *value)
{
	char *copy = xstrdup(value);

	free(*slot);
	*slot = copy;
}

/* Store value in cfg; checks (which look at the system) are run only for values read. */
static int
setting_apply(struct config *cfg, const struct setting *st, const char *value, int check,
    char *err, size_t errlen)
{
	char *base = (char *)cfg;
	int64_t n;
	char *end;

	if (check && st->check && st->check(value, err, errlen) != 0)
		return -1;
	switch (st->type) {
	case SET_STRING:
		if ((int64_t)strlen(value) > st->max || (int64_t)strlen(value) < st->min) {
			snprintf(err, errlen, "length must be %lld..%lld bytes",
			    (long long)st->min, (long long)st->max);
			return -1;
		}
		config_set_string((char **)(base + st->offset), value);
		return 0;
	case SET_TEXT:
		if (!utf8_valid(value, strlen(value))) {
			snprintf(err, errlen, "not UTF-8 text");
			return -1;
		}
		if (utf8_chars(value) > st->max || utf8_chars(value) < st->min) {
			snprintf(err, errlen, "%d characters; it must have %lld..%lld",
			    utf8_chars(value), (long long)st->min, (long long)st->max);
			return -1;
		}
		config_set_string((char **)(base + st->offset), value);
		return 0;
	case SET_CHOICE:
		if (choice_index(st->choices, value) < 0) {
			snprintf(err, errlen, "\"%s\" is not one of %s", value, st->choices);
			return -1;
		}
		config_set_string((char **)(base + st->offset), value);
		return 0;
	case SET_INT:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (end == value || *end != '\0' || errno) {
			snprintf(err, errlen, "\"%s\" is not a whole number", value);
			return -1;
		}
		break;
	case SET_TENTHS: {
		double d;

		errno = 0;
		d = strtod(value, &end);
		/* Written so that NaN ("nan") is refused too: it compares false. */
		if (end == value || *end != '\0' || errno || !(d >= -1e9 && d <= 1e9)) {
			snprintf(err, errlen, "\"%s\" is not a number (e.g. 4.5)", value);
			return -1;
		}
		n = (int64_t)(d * 10 + (d < 0 ? -0.5 : 0.5));
		if (n < st->min || n > st->max) {
			snprintf(err, errlen, "%s out of range %.1f..%.1f", value, st->min / 10.0,
			    st->max / 10.0);
			return -1;
		}
		*(int *)(base + st->offset) = (int)n;
		return 0;
	}
	case SET_DURATION:
		if (config_parse_duration(value, &n) != 0) {
			snprintf(err, errlen, "\"%s\" is not a duration (e.g. 500ms, 30s, 15m, 2h, 1d)",
			    value);
			return -1;
		}
		break;
	case SET_SIZE:
		if (parse_size(value, &n) != 0) {
			snprintf(err, errlen, "\"%s\" is not a size (e.g. 65536, 64k, 1m)", value);
			return -1;
		}
		break;
	case SET_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 ||
		    strcmp(value, "on") == 0 || strcmp(value, "1") == 0) {
			n = 1;
		} else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 ||
		    strcmp(value, "off") == 0 || strcmp(value, "0") == 0) {
			n = 0;
		} else {
			snprintf(err, errlen, "\"%s\" is not yes or no", value);
			return -1;
		}
		break;
	case SET_CLOCK: {
		int h, m, used = 0;

		if (sscanf(value, "%d:%d%n", &h, &m, &used) != 2 || value[used] != '\0' ||
		    h < 0 || h > 23 || m < 0 || m > 59) {
			snprintf(err, errlen, "\"%s\" is not a time of day (HH:MM)", value);
			return -1;
		}
		n = h * 60 + m;
		break;
	}
	default:
		return -1;
	}
	if (n < st->min || n > st->max) {
		snprintf(err, errlen, "%s out of range %lld..%lld", value, (long long)st->min,
		    (long long)st->max);
		return -1;
	}
	if (st->type == SET_INT || st->type == SET_BOOL || st->type == SET_CLOCK)
		*(int *)(base + st->offset) = (int)n;
	else
		*(int64_t *)(base + st->offset) = n;
	return 0;
}

void
config_defaults(struct config *cfg)
{
	char err[128];
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NSETTINGS; i++) {
		if (setting_apply(cfg, &settings[i], settings[i].dflt, 0, err, sizeof(err)) != 0)
			abort();	/* a default outside its own bounds is a programming error */
	}
}

/* [townships]: each key a township, its value the villages (or nothing). */
static int
add_township(struct config *cfg, const char *name, const char *villages, char *err,
    size_t errlen)
{
	struct config_township *t;
	int i;

	for (i = 0; i < cfg->ntownships; i++) {
		if (strcmp(cfg->townships[i].name, name) == 0) {
			snprintf(err, errlen, "[townships] %s: given twice", name);
			return -1;
		}
	}
	t = xreallocarray(cfg->townships, (size_t)cfg->ntownships + 1, sizeof(*t));
	cfg->townships = t;
	t = &cfg->townships[cfg->ntownships++];
	t->name = NULL;
	t->villages = NULL;
	config_set_string(&t->name, name);
	config_set_string(&t->villages, villages);
	return 0;
}

static int
config_handler(void *user, const char *section, const char *name, const char *value, int line,
    char *err, size_t errlen)
{
	struct config *cfg = user;
	char reason[160];
	int known_section = 0;
	size_t i;

	(void)line;
	if (strcmp(section, "townships") == 0)
		return add_township(cfg, name, value, err, errlen);
	for (i = 0; i < NSETTINGS; i++) {
		if (strcmp(settings[i].section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(settings[i].key, name) != 0)
			continue;
		if (setting_apply(cfg, &settings[i], value, 1, reason, sizeof(reason)) != 0) {
			snprintf(err, errlen, "[%s] %s: %s", section, name, reason);
			return -1;
		}
		return 0;
	}
	if (!known_section)
		snprintf(err, errlen, "[%s] %s: unknown section [%s]", section, name, section);
	else
		snprintf(err, errlen, "[%s] %s: unknown key", section, name);
	return -1;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	config_set_string(&cfg->path, path);
	return inifile_parse(path, config_handler, cfg, err, errlen);
}

void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		if (settings[i].type == SET_STRING || settings[i].type == SET_TEXT ||
		    settings[i].type == SET_CHOICE)
			free(*(char **)((char *)cfg + settings[i].offset));
	}
	for (i = 0; i < (size_t)cfg->ntownships; i++) {
		free(cfg->townships[i].name);
		free(cfg->townships[i].villages);
	}
	free(cfg->townships);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
