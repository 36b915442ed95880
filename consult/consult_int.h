/*
 * Inside consult/: the state the lifecycle files share (consult.c: questions, assignment and
 * queueing; farmer.c: farmers' commands, follow-ups, ratings; staff.c: experts' and staff
 * commands; escalate.c: the timers).
 */
#ifndef FL_CONSULT_INT_H
#define FL_CONSULT_INT_H

#include "common/log.h"
#include "consult/consult.h"
#include "experts/assign.h"

struct consult {
	struct store *s;
	const struct route_rules *rules;
	struct route_norm *norm;
	struct consult_opts o;
	int64_t now;		/* the time of the message or tick being handled */
	int queued;		/* SMS queued since consult_take_queued */
	int64_t next_escalation;	/* when the timers are looked at next */
};

/* When an SMS may go: at once (answers, replies to the sender), or outside quiet hours. */
enum send_when { SEND_NOW, SEND_DAYTIME };

/*
 * Queue an SMS to "to": the signature, then the formatted text. Text longer than
 * max_segments goes as numbered parts, "(1/3)", each within max_segments.
 */
enum store_rc consult_queue(struct consult *c, const char *to, const char *kind, int64_t cid,
    enum send_when when, const char *fmt, ...) FL_PRINTF(6, 7);

/* "。" to end a quoted question, or "" when it already ends a sentence (？, 。, !, …). */
const char *consult_full_stop(const char *quoted);

/* A farmer's number as experts see it: masked unless the county reveals it. */
void consult_farmer_label(const struct consult *c, const char *phone, char *buf, size_t len);

/*
 * Give consultation cid to the next person by the assignment policy and tell them (headline
 * says why: 新问题, 转来的问题…). Records a "queued" event when nobody can take it and
 * record_queued is set.
 */
enum store_rc consult_dispatch(struct consult *c, int64_t cid, const char *headline,
    int record_queued, enum assign_outcome *outcome);
enum store_rc consult_notify_assignee(struct consult *c, int64_t cid, int64_t who,
    const char *headline);

/*
 * Tell the people who must act when no one else can (on-duty triage staff; with none, the
 * bureau contact). Returns STORE_OK also when there is nobody to tell.
 */
enum store_rc consult_tell_staff(struct consult *c, int64_t cid, const char *kind,
    const char *fmt, ...) FL_PRINTF(4, 5);
/* Tell the bureau contact, if the county named one. */
enum store_rc consult_tell_bureau(struct consult *c, int64_t cid, const char *fmt, ...)
    FL_PRINTF(3, 4);

/*
 * A new question from farmer f at this moment. channel is "sms", "ussd" or "commissioner";
 * category is the farmer's own choice (a menu), or NULL to classify the text. The
 * acknowledgement SMS goes to ack_to (NULL: none, it was shown on a screen). Fills res->ticket.
 */
enum store_rc consult_new_question(struct consult *c, const struct store_farmer *f,
    const char *text, const char *channel, const char *category, int64_t commissioner_id,
    const char *ack_to, struct consult_result *res);
/*
 * Rate farmer f's last answered question; *ticket is 0 when there is none (nothing is done).
 * A low rating alerts triage staff.
 */
enum store_rc consult_rate_last(struct consult *c, const struct store_farmer *f, int rating,
    int64_t *ticket);

enum store_rc consult_handle_farmer(struct consult *c, const struct sms_in *in,
    struct consult_result *res);
enum store_rc consult_handle_staff(struct consult *c, const struct store_expert *e,
    const struct sms_in *in, struct consult_result *res);
/* Reminders, reassignments, hand-overs after 暂停, waiting questions. */
enum store_rc consult_escalate(struct consult *c, int *changed);

#endif
