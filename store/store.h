/*
 * The store: every farmer, expert, consultation, assignment, event and message, in SQLite.
 * This header is the whole interface; nothing outside store/ sees SQL, so that a province-wide
 * service can move the store to PostgreSQL behind the same functions.
 *
 * Times are UTC milliseconds since the epoch. Every function returns an enum store_rc; strings
 * in the structs it fills are allocated and freed by the matching store_*_free function.
 */
#ifndef FL_STORE_H
#define FL_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* no such row */
	STORE_DUP,		/* a unique key is already taken */
	STORE_BUSY,		/* the database is locked by someone else for too long */
	STORE_FULL,		/* the disk or the database is full */
	STORE_ERR,		/* anything else: see store_errmsg() */
};

enum store_role { ROLE_EXPERT = 0, ROLE_TRIAGE, ROLE_COMMISSIONER };

enum consult_status { CS_QUEUED = 0, CS_ASSIGNED, CS_ANSWERED, CS_CLOSED };

#define STORE_PHONE_MAX 24

struct store_farmer {
	int64_t id;
	char phone[STORE_PHONE_MAX];
	char *township;		/* NULL when the farmer has not registered one */
	char *village;
	int opted_out;
	int64_t created_at;
};

struct store_expert {
	int64_t id;
	char phone[STORE_PHONE_MAX];
	char *name;
	enum store_role role;
	int on_duty;
	char *categories;	/* "poultry,livestock" */
	char *townships;	/* "舜山镇,六郎镇" or NULL */
	int open_count;		/* consultations assigned and not yet answered (list only) */
	int64_t off_since;	/* when they went off duty (0: on duty) */
	int64_t created_at;
	int64_t removed_at;	/* when the bureau removed them (0: registered) */
};

struct store_consult {
	int64_t id;		/* the ticket */
	int64_t farmer_id;
	const char *channel;	/* "sms", "ussd", "commissioner" (static strings) */
	char *question;
	char *category;
	const char *classified_by;	/* "rules", "staff", "menu" */
	int score;
	char *rule;		/* file:line of the rule that decided, or NULL */
	enum consult_status status;
	int64_t expert_id;	/* 0: none */
	int64_t commissioner_id;
	int64_t created_at, assigned_at, first_answered_at, last_answered_at, closed_at;
	int64_t answered_by;
	int rating;		/* 0: not rated */
	/* filled by store_consult_get from the farmer's row */
	char farmer_phone[STORE_PHONE_MAX];
	char *township;
};

struct store_msg {
	int64_t id;
	char *provider;
	char *provider_id;
	int64_t consultation_id;
	char *kind;
	char *sender;
	char *recipient;
	char *body;
	int segments;
	int attempts;
	int64_t created_at;
	int64_t next_attempt_at;
	char *report_ref;	/* the reference given to the provider (NULL: never sent yet) */
};

/* Connection, transactions. */

/*
 * Open (creating if needed, readable by its owner only) and migrate the database at path.
 * Returns 0 with *out set, or -1 with a reason in err.
 */
int store_open(const char *path, int64_t busy_timeout_ms, struct store **out, char *err,
    size_t errlen);
void store_close(struct store *s);
void store_set_cache(struct store *s, int mb);
/*
 * A consistent copy of the whole database into dest, safe while another process writes it
 * (store_backup.c): the database as of one commit, a one-file SQLite database readable by its
 * owner only, checked, synced, and put in place only once whole. An existing dest is refused
 * unless force. 0 with the copy's size in *bytes (may be NULL), or -1 with a reason in err.
 */
int store_backup(struct store *s, const char *dest, int force, int64_t *bytes, char *err,
    size_t errlen);

/*
 * Dashboard sign-ins (store_sessions.c), each known by a 32-byte digest of its id (the id is
 * never stored). add also deletes the sessions expired by now; find is STORE_OK while the
 * session exists and has not expired at now, else STORE_NOTFOUND; drop ends one.
 */
enum store_rc store_session_add(struct store *s, const unsigned char hash[32], int64_t now,
    int64_t expires_at);
enum store_rc store_session_find(struct store *s, const unsigned char hash[32], int64_t now);
enum store_rc store_session_drop(struct store *s, const unsigned char hash[32]);
const char *store_errmsg(struct store *s);
int store_schema_version(struct store *s);
/* The version a database has once every migration this build knows is applied. */
int store_schema_latest(void);
enum store_rc store_ping(struct store *s);

enum store_rc store_begin(struct store *s);	/* BEGIN IMMEDIATE */
enum store_rc store_commit(struct store *s);
enum store_rc store_rollback(struct store *s);
/* A savepoint inside a transaction: one inbound message of a group commit. */
enum store_rc store_savepoint(struct store *s);
enum store_rc store_release(struct store *s);
enum store_rc store_rollback_savepoint(struct store *s);

const char *store_status_name(enum consult_status st);
const char *store_role_name(enum store_role role);
/* "expert" → ROLE_EXPERT; -1 when unknown. */
int store_role_parse(const char *name);

/* Farmers. */
enum store_rc store_farmer_find(struct store *s, const char *phone, struct store_farmer *out);
enum store_rc store_farmer_get(struct store *s, int64_t id, struct store_farmer *out);
/* Find the farmer with this phone, creating the row if there is none. */
enum store_rc store_farmer_ensure(struct store *s, const char *phone, int64_t now,
    struct store_farmer *out);
enum store_rc store_farmer_set_place(struct store *s, int64_t id, const char *township,
    const char *village);
enum store_rc store_farmer_set_opted_out(struct store *s, int64_t id, int opted_out);
/* The provider says this number refuses messages (Twilio 21610). */
enum store_rc store_farmer_opt_out_phone(struct store *s, const char *phone);
enum store_rc store_subscribe(struct store *s, int64_t farmer_id, const char *category,
    int64_t now);
/* Take the farmer off category's broadcasts; *removed is 0 when they were not on them. */
enum store_rc store_unsubscribe(struct store *s, int64_t farmer_id, const char *category,
    int *removed);
/* The farmer's subscribed categories as a comma list into buf ("" for none). */
enum store_rc store_subscriptions(struct store *s, int64_t farmer_id, char *buf, size_t len);
void store_farmer_free(struct store_farmer *f);

/*
 * Experts, triage staff and information commissioners. A person the bureau removed keeps their
 * row, so that figures and histories still name them; find does not see them (their phone is
 * no longer staff), get and list do (removed_at set).
 */
enum store_rc store_expert_find(struct store *s, const char *phone, struct store_expert *out);
enum store_rc store_expert_get(struct store *s, int64_t id, struct store_expert *out);
/*
 * Remove the registered person with phone at now: off duty and never picked again; what they
 * hold is handed on as for anyone off duty (consult/escalate.c). *out is filled with them as
 * they were, open_count included (caller frees). STORE_NOTFOUND when no registered person has
 * that phone.
 */
enum store_rc store_expert_remove(struct store *s, const char *phone, int64_t now,
    struct store_expert *out);
/* Whether phone belongs to a removed person (*removed 1) — for a clearer refusal. */
enum store_rc store_expert_removed(struct store *s, const char *phone, int *removed);
/* Insert; STORE_DUP if the phone is registered. Categories and townships are comma lists. */
enum store_rc store_expert_add(struct store *s, const struct store_expert *e, int64_t now,
    int64_t *id);
/*
 * Replace name, role, categories and townships of the person with e->phone; one who was
 * removed is registered again, on duty.
 */
enum store_rc store_expert_update(struct store *s, const struct store_expert *e);
enum store_rc store_expert_set_duty(struct store *s, int64_t id, int on_duty, int64_t now);
/* Calls cb for each person, ordered by role and id; cb returning non-zero stops the walk. */
enum store_rc store_expert_list(struct store *s,
    int (*cb)(void *arg, const struct store_expert *e), void *arg);
/*
 * The person to give consultation cid to: on duty, of the role, for role ROLE_EXPERT having
 * category. Never an expert who already had cid; triage staff who had it come after those who
 * did not, but may get it again (no one else is left to ask). Then paired with township first,
 * the fewest open consultations, the one assigned longest ago. STORE_NOTFOUND when nobody fits.
 */
enum store_rc store_expert_pick(struct store *s, enum store_role role, const char *category,
    const char *township, int64_t cid, int64_t *expert_id);
/*
 * The expert a person routing cid to category gives it to: on duty, of the category, never
 * exclude (the person routing); those who had cid come after those who did not, but an
 * explicit route may give it back to one. STORE_NOTFOUND when nobody fits.
 */
enum store_rc store_expert_pick_route(struct store *s, const char *category,
    const char *township, int64_t cid, int64_t exclude, int64_t *expert_id);
void store_expert_free(struct store_expert *e);

/* Consultations. */
enum store_rc store_consult_create(struct store *s, struct store_consult *c);
enum store_rc store_consult_get(struct store *s, int64_t id, struct store_consult *out);
/* Give cid to expert_id: closes any open assignment with outcome, opens a new one. */
enum store_rc store_consult_assign(struct store *s, int64_t cid, int64_t expert_id,
    const char *outcome, int64_t now);
/* Take cid from whoever has it (outcome: "passed", "off_duty", …) and mark it queued. */
enum store_rc store_consult_unassign(struct store *s, int64_t cid, const char *outcome,
    int64_t now);
/*
 * Record an answer by expert_id: the open assignment ends "answered" if it is theirs, else
 * "taken_over" (and an expert's own earlier assignment of cid ends "answered", late); cid now
 * belongs to expert_id. First answer time and answerer are kept from the first answer.
 */
enum store_rc store_consult_answered(struct store *s, int64_t cid, int64_t expert_id,
    int64_t now);
/* Close cid, still queued or assigned, as no question to answer (ends its assignment). */
enum store_rc store_consult_close(struct store *s, int64_t cid, int64_t now);
enum store_rc store_consult_set_category(struct store *s, int64_t cid, const char *category,
    const char *classified_by);
/* Tickets assigned to expert_id and not yet answered, oldest first; at most max. */
enum store_rc store_consult_open_for(struct store *s, int64_t expert_id, int64_t *ids, int max,
    int *n);
/* Tickets waiting for someone to be assigned, oldest first; at most max. */
enum store_rc store_consult_queued(struct store *s, int64_t *ids, int max, int *n);
/*
 * The farmer's consultations a new text could follow up on, newest first, at most max: those
 * still waiting for an answer, or answered at or after answered_since. *n may be 0.
 */
enum store_rc store_consult_followable(struct store *s, int64_t farmer_id,
    int64_t answered_since, int64_t *ids, int max, int *n);
/* The farmer's consultation answered last (the one a rating is for). */
enum store_rc store_consult_last_answered(struct store *s, int64_t farmer_id, int64_t *cid);
/* The farmer's newest consultations, newest first. */
enum store_rc store_consult_recent(struct store *s, int64_t farmer_id, int64_t *ids, int max,
    int *n);
enum store_rc store_consult_rate(struct store *s, int64_t cid, int rating, int64_t now);

/* Assignments the escalation timer looks at: open, not held, of consultations unanswered. */
struct store_open_assignment {
	int64_t id;
	int64_t cid;
	int64_t expert_id;
	enum store_role role;
	int on_duty;
	int64_t off_since;
	int64_t assigned_at;
	int64_t reminded_at;	/* 0: no reminder yet */
};
/* Up to max of them, oldest first; *n is how many. */
enum store_rc store_open_assignments(struct store *s, struct store_open_assignment *rows,
    int max, int *n);
enum store_rc store_assignment_reminded(struct store *s, int64_t id, int64_t now);
/* Escalation could give the assignment's question to no one else: it stays, and is not
 * escalated again. */
enum store_rc store_assignment_held(struct store *s, int64_t id, int64_t now);

/* Phones of the on-duty people of a role, up to max, into phones[max][STORE_PHONE_MAX]. */
enum store_rc store_staff_phones(struct store *s, enum store_role role,
    char (*phones)[STORE_PHONE_MAX], int max, int *n);

/* Every answer to cid, oldest first: cb(text, who) with strings borrowed for the call;
 * cb returning non-zero stops. */
enum store_rc store_consult_answers(struct store *s, int64_t cid,
    int (*cb)(void *arg, const char *text, const char *who), void *arg);
/* The text of the latest answer to cid and who gave it (caller frees both; NOTFOUND: none). */
enum store_rc store_consult_last_answer(struct store *s, int64_t cid, char **text, char **who);

/* A consultation's history, for `farmline show`. Strings are borrowed for the callback. */
struct store_history_item {
	int64_t at;
	const char *what;	/* "event" or "in"/"out" for a message */
	const char *kind;
	const char *who;	/* an expert's name, or a phone number for messages */
	const char *text;	/* event detail or message body */
	const char *status;	/* messages: received, queued, sent, failed… */
	int segments;
	int attempts;
};
enum store_rc store_consult_history(struct store *s, int64_t cid,
    int (*cb)(void *arg, const struct store_history_item *h), void *arg);

/* A question staff re-routed away from what the rules said: how a county improves its rules. */
struct store_correction {
	int64_t id;
	const char *question;
	const char *rules_category;	/* what the rules said */
	const char *category;		/* what staff said */
	const char *rule;		/* file:line of the rule that decided, or NULL */
	int64_t created_at;
};
/* Calls cb (strings borrowed for the call) for each correction of a question asked in
 * [from, to), oldest first; cb returning non-zero stops. */
enum store_rc store_corrections(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_correction *c), void *arg);
/* Whether expert_id ever had cid. */
enum store_rc store_consult_had(struct store *s, int64_t cid, int64_t expert_id, int *had);
enum store_rc store_event_add(struct store *s, int64_t cid, int64_t now, const char *kind,
    int64_t expert_id, const char *detail);
void store_consult_free(struct store_consult *c);

/* Messages in. */
/*
 * Store an inbound message. A repeated (provider, sender, provider_id) gives STORE_DUP with *id
 * set to the first one's row; the same id from another sender is another message. provider_id
 * may be NULL (no dedup).
 */
enum store_rc store_msg_in_add(struct store *s, const char *provider, const char *provider_id,
    const char *sender, const char *recipient, const char *body, int segments, int64_t now,
    int64_t *id);
/* What processing found the message to be: its consultation (0: none) and its kind. */
enum store_rc store_msg_in_finish(struct store *s, int64_t id, int64_t cid, const char *kind);
/* How many messages sender sent at or after since, counting to max at most (loop protection). */
enum store_rc store_msg_in_count(struct store *s, const char *sender, int64_t since, int max,
    int *n);
/*
 * The latest earlier inbound message from sender with the same text since since (a provider
 * that gives no message id and sent it again): its row and time. STORE_NOTFOUND when none.
 */
enum store_rc store_msg_in_recent(struct store *s, const char *provider, const char *sender,
    const char *body, int64_t since, int64_t *id, int64_t *at);
/* Whether an SMS to recipient queued at or after since has left us (sent or delivered). */
enum store_rc store_msg_out_sent_since(struct store *s, const char *recipient, int64_t since,
    int *sent);
/* The consultation and kind recorded for an inbound message (to answer a repeat alike). */
enum store_rc store_msg_in_get(struct store *s, int64_t id, int64_t *cid, char *kind,
    size_t kindlen);

/* The outbox. */
/* Queue an SMS at now, to be sent no earlier than not_before (quiet hours). */
enum store_rc store_outbox_add(struct store *s, const char *provider, int64_t cid,
    const char *kind, const char *sender, const char *recipient, const char *body,
    int segments, int64_t now, int64_t not_before, int64_t *id);
/* Up to max messages due at now, oldest first; *n set; free each with store_msg_free. */
enum store_rc store_outbox_due(struct store *s, int64_t now, struct store_msg *rows, int max,
    int *n);
/* When the next queued message falls due (STORE_NOTFOUND when none is queued). */
enum store_rc store_outbox_next_due(struct store *s, int64_t *at);
/*
 * The status of an outbound message only moves forward: queued → sending → sent →
 * delivered | failed (a second try is a new row). Each call below names the one step it takes
 * and changes nothing (STORE_NOTFOUND) when the row is not where that step starts, so that a
 * late outcome never undoes a delivery report.
 */
/*
 * queued → sending, handed to provider. ref (letters and digits, may be NULL) becomes the
 * message's report reference unless it has one already (a retry keeps the first).
 */
enum store_rc store_outbox_sending(struct store *s, int64_t id, const char *provider,
    const char *ref, int64_t now);
/* The provider took it: sending → sent; a report that came first (delivered, failed) stays. */
enum store_rc store_outbox_sent(struct store *s, int64_t id, const char *provider_id,
    int64_t now);
/* sending → queued again at next_at. */
enum store_rc store_outbox_retry(struct store *s, int64_t id, int64_t next_at,
    const char *error);
/* sending → failed. */
enum store_rc store_outbox_failed(struct store *s, int64_t id, const char *error, int64_t now);
/*
 * A delivery report from provider: the message it names is now "delivered" or "failed" (reason
 * kept). It names the message by ref, the reference farmline gave it (the message must be
 * sending or sent), or else by provider_id, the provider's own id for it (the message must be
 * sent). Either may be NULL. Nothing else changes: a message still queued or never handed to
 * this provider, or one already delivered or failed, is left alone. *found is 1 when a message
 * changed.
 */
enum store_rc store_outbox_report(struct store *s, const char *provider, const char *ref,
    const char *provider_id, const char *status, const char *reason, int64_t now, int *found);
/* The recipient of the outbound message a report names (as store_outbox_report matches it). */
enum store_rc store_outbox_recipient(struct store *s, const char *provider, const char *ref,
    const char *provider_id, char *phone, size_t len);
/* A failed message nobody has acted on yet. */
struct store_failed {
	int64_t id;
	int64_t cid;
	int64_t retry_of;
	char kind[16];
	char recipient[STORE_PHONE_MAX];
	char error[160];
};
enum store_rc store_outbox_failed_unhandled(struct store *s, struct store_failed *rows, int max,
    int *n);
enum store_rc store_outbox_failure_handled(struct store *s, int64_t id);
/* Queue a copy of message id for another try at not_before (its retry_of is id). */
enum store_rc store_outbox_requeue(struct store *s, int64_t id, int64_t now, int64_t not_before);
/* After a crash: messages left "sending" go back to the queue. *n is how many. */
enum store_rc store_outbox_recover(struct store *s, int *n);
void store_msg_free(struct store_msg *m);

/* Statistics for the bureau (see bureau/figures.c and bureau/stats.c). */
struct store_consult_line {
	int64_t id;
	char *category;
	char *status;
	char *expert;		/* the expert's name, or NULL */
	char *question;
	int64_t created_at;
	int64_t first_answered_at;	/* 0: not answered */
	int rating;
};
/*
 * The rows behind the bureau's figures (bureau/figures.c aggregates them). Each walk calls cb
 * once a row, with strings borrowed for the call; cb returning non-zero stops the walk.
 */
struct store_fig_consult {
	int64_t id, farmer_id, answered_by, expert_id;
	const char *category, *channel, *status, *township, *question, *farmer_phone;
	int64_t created_at, first_answered_at;	/* 0: not answered */
	int64_t farmer_since;	/* when the farmer first wrote */
	int rating;		/* 0: none */
};
/* Consultations created in [from, to), oldest first. */
enum store_rc store_fig_consultations(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_fig_consult *c), void *arg);
/* Consultations open at instant at (created before, not answered or closed by then). */
enum store_rc store_fig_open_at(struct store *s, int64_t at,
    int (*cb)(void *arg, const struct store_fig_consult *c), void *arg);

/*
 * Events in [from, to) by kind: cb(kind, count). A "rerouted" event that left the category as
 * it was (detail "poultry -> poultry") is not counted: only changes are.
 */
enum store_rc store_fig_events(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const char *kind, int64_t n), void *arg);

struct store_fig_assignment {
	int64_t expert_id, consultation_id;
	int64_t assigned_at, ended_at;	/* ended 0: still open */
	const char *outcome;		/* NULL while open */
};
/* Assignments made in [from, to). */
enum store_rc store_fig_assignments(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_fig_assignment *a), void *arg);

struct store_fig_message {
	const char *direction, *status, *kind, *category;	/* category NULL: none */
	const char *provider;	/* "ussd" for a question asked on the USSD menu: not an SMS */
	int segments;
	int64_t broadcast_id;	/* 0: not part of a broadcast */
};
/* Messages created in [from, to). */
enum store_rc store_fig_messages(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_fig_message *m), void *arg);

/* For /metrics: outbound SMS queued and being sent; consultations not yet answered. */
enum store_rc store_fig_depths(struct store *s, int64_t *queued, int64_t *sending,
    int64_t *open);

/* People registered before at and not removed by then, by role; farmers first seen before at. */
struct store_fig_registry {
	int64_t experts, triage, commissioners, farmers;
};
enum store_rc store_fig_registry(struct store *s, int64_t at, struct store_fig_registry *out);

/* GET /api/consultations: a page of consultations matching the filter (NULL/0: any). */
struct store_consult_filter {
	int64_t from, to;		/* created in [from, to) */
	const char *category, *township, *status, *channel;	/* status "open": not answered */
	int64_t expert_id;
	int64_t offset, limit;
};
enum store_rc store_consult_page(struct store *s, const struct store_consult_filter *f,
    int64_t *total, int (*cb)(void *arg, const struct store_fig_consult *c), void *arg);

/* A consultation and one of its messages, for the export (message fields NULL/0: none). */
struct store_export_row {
	int64_t id;
	const char *farmer, *township, *village, *channel, *category, *classified_by, *status;
	const char *expert, *question;
	int64_t created_at, first_answered_at;	/* 0: not answered */
	int rating;				/* 0: none */
	int64_t msg_id, msg_at;
	const char *direction, *kind, *sender, *recipient, *body, *msg_status;
	int segments;
};
/* Consultations created in [from, to), each with every message of it, in order. */
enum store_rc store_export(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_export_row *r), void *arg);

/* Broadcasts: one SMS to each farmer who takes them (see store_broadcast.c). */
struct store_broadcast {
	int64_t id;
	const char *category, *township, *body;	/* category, township NULL: every farmer */
	int64_t created_at, queued, sent, delivered, failed, segments;
};
/*
 * Queue body (signature included, segments each) from sender to every farmer not opted out,
 * subscribed to category (NULL: all) and registered in township (NULL: any). *id and *queued
 * say which broadcast and how many SMS. Inside the caller's transaction.
 */
enum store_rc store_broadcast_create(struct store *s, const char *provider, const char *sender,
    const char *category, const char *township, const char *body, int segments, int64_t now,
    int64_t *id, int64_t *queued);
/* Broadcasts made in [from, to) with their delivery figures, oldest first. */
enum store_rc store_broadcast_list(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *arg, const struct store_broadcast *b), void *arg);

/* The newest consultations in [from, to), at most max, newest first. */
enum store_rc store_stats_recent(struct store *s, int64_t from, int64_t to, int max,
    struct store_consult_line **lines, size_t *nlines);
void store_stats_recent_free(struct store_consult_line *lines, size_t n);

#endif
