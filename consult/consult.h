/*
 * The consultation lifecycle: what an inbound message means and what happens next. The core
 * sees only struct sms_in — never HTTP or a provider's wire format — and writes everything it
 * decides (consultations, assignments, events, outbound SMS) through the store, inside the
 * caller's transaction.
 */
#ifndef FL_CONSULT_H
#define FL_CONSULT_H

#include "common/worktime.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

struct route_rules;
struct route_norm;

/* An inbound SMS as every provider adapter hands it over. */
struct sms_in {
	const char *provider;		/* "http", "kannel", … */
	const char *provider_id;	/* the provider's message id; NULL when it gives none */
	const char *from;		/* E.164 */
	const char *to;			/* the number texted; may be NULL */
	const char *text;		/* valid UTF-8, not empty */
};

struct config;
struct config_township;

struct consult_opts {
	const char *signature;		/* put in front of every SMS */
	const char *service_number;	/* the "from" of every SMS we send */
	const char *provider;		/* the outbound provider's name, stored on each row */
	int64_t followup_window_ms;	/* after an answer, a farmer's text follows up on it */
	int new_question_score;		/* …unless classified elsewhere with at least this score */
	int low_rating;			/* ratings at or below alert triage staff */
	int max_segments;		/* one concatenated SMS at most; longer goes in parts */
	int loop_limit;			/* messages an hour from a number before replies stop */
	int reveal_farmer_number;	/* experts see whole numbers */
	int alert_farmer_number;	/* an answer that cannot be delivered: staff get the whole
					   number, to phone the farmer */
	char bureau_contact[24];	/* E.164, or "" */
	int64_t remind_after_ms, reassign_after_ms, off_duty_grace_ms, escalation_check_ms;
	struct quiet_hours quiet;
	const struct config_township *townships;	/* borrowed from the configuration */
	int ntownships;
	int64_t dedup_window_ms;	/* a message without provider id repeated within: dropped */
	int64_t redeliver_after_ms;	/* a farmer's answer that failed is tried again after */
};

/* A provider's delivery report, as every adapter hands it over. */
enum consult_report { REPORT_PENDING = 0, REPORT_DELIVERED, REPORT_FAILED };

struct report_in {
	const char *provider;
	const char *ref;		/* our report reference, when the provider echoes it */
	const char *provider_id;	/* else the provider's id for the message */
	enum consult_report status;
	const char *reason;
	int opted_out;			/* the recipient told the provider to stop (Twilio 21610) */
};

/*
 * Options from the configuration (strings borrowed from cfg). Returns 0, or -1 with a reason
 * when a value is not usable (a bureau contact that is not a phone number).
 */
int consult_opts_from_config(const struct config *cfg, struct consult_opts *o, char *err,
    size_t errlen);

struct consult_result {
	int64_t message_id;	/* the stored inbound row */
	int64_t ticket;		/* the consultation it opened or concerned; 0 if none */
	char action[16];	/* question, followup, rating, command, answer, list, pass, duty,
				   route, proxy, rejected, throttled */
	int duplicate;		/* a repeat of a message already processed */
};

struct consult;

/* The rules and normalizer are borrowed and must outlive the consult. Caller frees. */
struct consult *consult_new(struct store *s, const struct route_rules *rules,
    struct route_norm *norm, const struct consult_opts *opts);
void consult_free(struct consult *c);
/* Classify from now on with rules; returns the rules used until now (the caller's again). */
const struct route_rules *consult_set_rules(struct consult *c, const struct route_rules *rules);

/*
 * Process one inbound message at time now, inside a transaction the caller opened: store it
 * (a repeated provider id is recognized and answered as the first was), decide what it means,
 * queue the SMS that follow. On an error the caller rolls back.
 */
enum store_rc consult_handle(struct consult *c, const struct sms_in *in, int64_t now,
    struct consult_result *res);

/*
 * Record a delivery report, inside a transaction. *found is 0 when it matches no message we
 * sent (it is then ignored). What a failure means — a second try, a word to the expert and
 * triage — is decided by the periodic work.
 */
enum store_rc consult_handle_report(struct consult *c, const struct report_in *r, int64_t now,
    int *found);

/*
 * Periodic work, inside a transaction: waiting consultations get someone if a person has
 * become available; reminders, reassignments and hand-overs fall due (every
 * escalation_check_ms). *changed is how many consultations it touched.
 */
enum store_rc consult_tick(struct consult *c, int64_t now, int *changed);

/* How many outbound SMS were queued since the last call (the sender is woken when > 0). */
int consult_take_queued(struct consult *c);

/* The acknowledgement text a farmer gets for a new question (exposed for tests). */
void consult_ack_text(const struct consult *c, int64_t ticket, const char *category_name,
    int outcome, char *buf, size_t len);

#endif
