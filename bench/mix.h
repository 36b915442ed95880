/*
 * The realistic inbound mix of the ingest and memory benchmarks, as POST /sms/inbound requests:
 * 80% farmer questions (the labeled corpora's lines) from a fixed set of farmer numbers, 15%
 * expert answers to tickets that are open with that expert, 5% ratings by farmers whose question
 * was answered. Tickets come from farmline's own answers ("ticket", "action"); which expert has
 * a ticket is worked out the way farmline does it: the same rules classify the question, and
 * the benchmark registers exactly one expert per category plus one triage staff member.
 *
 * Header-only, like bench.h.
 */
#ifndef FARMLINE_BENCH_MIX_H
#define FARMLINE_BENCH_MIX_H

#include "bench/bench.h"
#include "routing/classify.h"
#include "routing/normalize.h"

enum { MIX_QUESTION, MIX_ANSWER, MIX_RATING, MIX_KINDS };
static const char *const mix_kind_names[MIX_KINDS] = { "question", "answer", "rating" };

#define MIX_ACTIONS 24
#define MIX_RING 8192

struct mix_ticket {
	int64_t ticket;
	int expert;
	int farmer;
};

struct mix {
	int nfarmers;
	char **q;		/* questions, as the farmers wrote them */
	int *q_expert;		/* which expert gets each question */
	int nq;
	int nexperts;		/* categories, then one triage staff member */
	char (*expert_phone)[24];
	char (*expert_cats)[64];
	struct mix_ticket *open;	/* tickets open with an expert, as far as we know */
	size_t nopen, capopen;
	int answered[MIX_RING];	/* farmers whose question was answered lately */
	int64_t nanswered;
	uint64_t rng;
	int64_t seq;
	unsigned runid;
	int bare;		/* the bare server: its answers carry no tickets */
	/* counts */
	int64_t sent[MIX_KINDS];
	int64_t answer_without_ticket, rating_without_answer;
	char action_name[MIX_ACTIONS][24];
	int64_t action_count[MIX_KINDS][MIX_ACTIONS];
	int nactions;
	int64_t status_200, status_other, failed;
	char first_other[256];	/* the first answer that was not 200 */
};

static uint64_t
mix_rand(struct mix *m)
{
	/* xorshift64* */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 2685821657736338717ULL;
}

static int
mix_below(struct mix *m, int n)
{
	return (int)(mix_rand(m) % (uint64_t)n);
}

/* %-encode s (form encoding) into a new string. */
static char *
mix_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i;
	char *out = malloc(n * 3 + 1), *p = out;

	if (out == NULL)
		bench_die("out of memory");
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.') {
			*p++ = (char)ch;
		} else {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		}
	}
	*p = '\0';
	return out;
}

static void
mix_load(struct mix *m, const char *path, const struct route_rules *rules, struct route_norm *norm,
    int *cap)
{
	char line[4096];
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		bench_die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp)) {
		struct route_result rr;
		char *tab, *text, *s;
		int i, e;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL || tab[1] == '\0')
			continue;
		text = tab + 1;
		s = route_normalize(norm, text);
		if (s == NULL)
			continue;
		route_classify(rules, s, &rr);
		free(s);
		e = m->nexperts - 1;	/* triage */
		for (i = 0; i < m->nexperts - 1; i++) {
			if (strcmp(route_rules_category(rules, i)->code, rr.code) == 0)
				e = i;
		}
		if (m->nq == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			m->q = realloc(m->q, (size_t)*cap * sizeof(*m->q));
			m->q_expert = realloc(m->q_expert, (size_t)*cap * sizeof(*m->q_expert));
			if (m->q == NULL || m->q_expert == NULL)
				bench_die("out of memory");
		}
		m->q[m->nq] = strdup(text);
		m->q_expert[m->nq] = e;
		m->nq++;
	}
	fclose(fp);
}

/* The mix over the rules and the corpora (NULL-terminated), with nfarmers farmer numbers. */
static BENCH_UNUSED void
mix_init(struct mix *m, const char *rules_path, const char *const *corpora, int nfarmers,
    uint64_t seed)
{
	struct route_rules *rules;
	struct route_norm *norm;
	char err[512];
	int i, cap = 0;

	memset(m, 0, sizeof(*m));
	m->nfarmers = nfarmers;
	m->rng = seed ? seed : 88172645463325252ULL;
	m->runid = (unsigned)getpid();
	if (route_rules_load(rules_path, &rules, err, sizeof(err)) != 0 ||
	    route_norm_open(&norm, err, sizeof(err)) != 0)
		bench_die("%s", err);
	m->nexperts = route_rules_count(rules) + 1;
	m->expert_phone = calloc((size_t)m->nexperts, sizeof(*m->expert_phone));
	m->expert_cats = calloc((size_t)m->nexperts, sizeof(*m->expert_cats));
	for (i = 0; i < m->nexperts; i++) {
		snprintf(m->expert_phone[i], sizeof(m->expert_phone[i]), "+86139%08d", 1000 + i);
		snprintf(m->expert_cats[i], sizeof(m->expert_cats[i]), "%s",
		    i < m->nexperts - 1 ? route_rules_category(rules, i)->code : "");
	}
	for (i = 0; corpora[i]; i++)
		mix_load(m, corpora[i], rules, norm, &cap);
	route_norm_close(norm);
	route_rules_free(rules);
	if (m->nq == 0)
		bench_die("no questions in the corpora");
}

/* The CSV for `farmline expert import`: one expert per category, one triage staff member. */
static BENCH_UNUSED int
mix_write_experts(const struct mix *m, const char *path)
{
	FILE *fp = fopen(path, "w");
	int i;

	if (fp == NULL)
		return -1;
	fprintf(fp, "phone,name,categories,townships,role\n");
	for (i = 0; i < m->nexperts - 1; i++)
		fprintf(fp, "%s,专家%d,%s,,expert\n", m->expert_phone[i], i + 1, m->expert_cats[i]);
	fprintf(fp, "%s,分诊员,,,triage\n", m->expert_phone[m->nexperts - 1]);
	return fclose(fp);
}

static const char *const mix_answers[] = {
	"建议先隔离病鹅，保温，饮水中加电解多维",
	"可能是球虫病，用地克珠利拌料，连用3天，垫料保持干燥",
	"每亩追施尿素10公斤，结合灌水，注意排水防渍",
	"喷施百菌清或代森锰锌，间隔7天一次，连喷两三次",
	"菌袋污染的挑出来烧掉，菇房用石灰消毒，降低湿度",
};

static const char *const mix_ratings[] = { "5", "5", "5", "5", "5", "5", "5", "5", "5", "5",
    "4", "4", "4", "4", "4", "4", "3", "3", "2", "1" };

/*
 * The next message: s->kind, s->a (farmer), s->b (question or expert), s->c (ticket) are set,
 * from gets the sender's number (E.164) and *text the text (borrowed from m; answers are
 * written into ansbuf).
 */
static BENCH_UNUSED void
mix_pick(struct mix *m, struct lg_slot *s, char *from, size_t fromlen, const char **text,
    char *ansbuf, size_t anslen)
{
	int r = mix_below(m, 100), kind;

	s->a = s->b = -1;
	s->c = 0;
	if (r < 80) {
		kind = MIX_QUESTION;
		s->a = mix_below(m, m->nfarmers);
		s->b = mix_below(m, m->nq);
		snprintf(from, fromlen, "+86138%08d", 10000000 + s->a);
		*text = m->q[s->b];
	} else if (r < 95) {
		const char *answer = mix_answers[mix_below(m, (int)(sizeof(mix_answers) /
		    sizeof(mix_answers[0])))];

		kind = MIX_ANSWER;
		if (m->nopen > 0) {
			size_t i = mix_rand(m) % m->nopen;
			struct mix_ticket t = m->open[i];

			m->open[i] = m->open[--m->nopen];	/* taken: answered once */
			s->a = t.farmer;
			s->b = t.expert;
			s->c = t.ticket;
			snprintf(ansbuf, anslen, "%lld %s", (long long)t.ticket, answer);
		} else {
			s->b = mix_below(m, m->nexperts);
			m->answer_without_ticket++;
			snprintf(ansbuf, anslen, "%s", answer);
		}
		snprintf(from, fromlen, "%s", m->expert_phone[s->b]);
		*text = ansbuf;
	} else {
		kind = MIX_RATING;
		if (m->nanswered > 0) {
			int64_t n = m->nanswered < MIX_RING ? m->nanswered : MIX_RING;

			s->a = m->answered[mix_rand(m) % (uint64_t)n];
		} else {
			s->a = mix_below(m, m->nfarmers);
			m->rating_without_answer++;
		}
		snprintf(from, fromlen, "+86138%08d", 10000000 + s->a);
		*text = mix_ratings[mix_below(m, (int)(sizeof(mix_ratings) / sizeof(mix_ratings[0])))];
	}
	s->kind = kind;
	m->sent[kind]++;
}

/* Fill in the next request, POST /sms/inbound (an lg build callback). */
static BENCH_UNUSED void
mix_build(void *arg, struct lg_slot *s)
{
	struct mix *m = arg;
	char from[32], ansbuf[512], body[LG_REQ_MAX - 512], *efrom, *etext;
	const char *text;
	int blen;

	mix_pick(m, s, from, sizeof(from), &text, ansbuf, sizeof(ansbuf));
	efrom = mix_encode(from);
	etext = mix_encode(text);
	blen = snprintf(body, sizeof(body), "from=%s&to=10690000&text=%s&id=b%u-%lld", efrom,
	    etext, m->runid, (long long)++m->seq);
	free(efrom);
	free(etext);
	s->len = (size_t)snprintf(s->req, sizeof(s->req),
	    "POST /sms/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer " BENCH_INBOUND_TOKEN "\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
	    blen, body);
}

static int
mix_action(struct mix *m, const char *name, size_t len)
{
	int i;

	if (len >= sizeof(m->action_name[0]))
		len = sizeof(m->action_name[0]) - 1;
	for (i = 0; i < m->nactions; i++) {
		if (strlen(m->action_name[i]) == len && strncmp(m->action_name[i], name, len) == 0)
			return i;
	}
	if (m->nactions == MIX_ACTIONS)
		return MIX_ACTIONS - 1;
	memcpy(m->action_name[m->nactions], name, len);
	m->action_name[m->nactions][len] = '\0';
	return m->nactions++;
}

/* What farmline did with message s: its action and ticket (0: none). */
static BENCH_UNUSED void
mix_result(struct mix *m, const struct lg_slot *s, const char *action, size_t actlen,
    int64_t ticket)
{
	int act = mix_action(m, action, actlen);

	m->action_count[s->kind][act]++;
	if (s->kind == MIX_QUESTION && ticket > 0 && strcmp(m->action_name[act], "question") == 0) {
		if (m->nopen == m->capopen) {
			m->capopen = m->capopen ? m->capopen * 2 : 65536;
			m->open = realloc(m->open, m->capopen * sizeof(*m->open));
			if (m->open == NULL)
				bench_die("out of memory");
		}
		m->open[m->nopen].ticket = ticket;
		m->open[m->nopen].expert = m->q_expert[s->b];
		m->open[m->nopen].farmer = s->a;
		m->nopen++;
	} else if (s->kind == MIX_ANSWER && s->c > 0 && strcmp(m->action_name[act], "answer") == 0) {
		m->answered[m->nanswered++ % MIX_RING] = s->a;
	}
}

/* An answer came (an lg done callback): note tickets and what farmline did. */
static BENCH_UNUSED void
mix_done(void *arg, const struct lg_slot *s, int status, const char *body, size_t len)
{
	struct mix *m = arg;
	const char *p, *q;
	int64_t ticket = 0;

	if (status == 0) {
		m->failed++;
		return;
	}
	if (status != 200) {
		m->status_other++;
		if (m->first_other[0] == '\0')
			snprintf(m->first_other, sizeof(m->first_other), "%d %.*s", status,
			    (int)(len < 200 ? len : 200), body);
		return;
	}
	m->status_200++;
	if (m->bare)
		return;
	p = strstr(body, "\"ticket\":");
	if (p && p[9] >= '0' && p[9] <= '9')
		ticket = strtoll(p + 9, NULL, 10);
	p = strstr(body, "\"action\":\"");
	if (p == NULL)
		return;
	p += 10;
	q = strchr(p, '"');
	if (q == NULL)
		return;
	mix_result(m, s, p, (size_t)(q - p), ticket);
}

/* What was sent and what farmline made of it. */
static BENCH_UNUSED void
mix_report(const struct mix *m, const char *indent)
{
	int64_t total = m->sent[0] + m->sent[1] + m->sent[2];
	int k, i;

	if (total == 0)
		return;
	printf("%smix sent: %lld questions (%.1f%%), %lld expert answers (%.1f%%, %lld without a "
	    "known ticket), %lld ratings (%.1f%%, %lld from farmers with no answer yet)\n", indent,
	    (long long)m->sent[0], 100.0 * (double)m->sent[0] / (double)total,
	    (long long)m->sent[1], 100.0 * (double)m->sent[1] / (double)total,
	    (long long)m->answer_without_ticket,
	    (long long)m->sent[2], 100.0 * (double)m->sent[2] / (double)total,
	    (long long)m->rating_without_answer);
	printf("%sanswers: %lld 200, %lld other status, %lld failed connections\n", indent,
	    (long long)m->status_200, (long long)m->status_other, (long long)m->failed);
	if (m->first_other[0])
		printf("%s  the first that was not 200: %s\n", indent, m->first_other);
	for (k = 0; k < MIX_KINDS && !m->bare; k++) {
		printf("%s  farmline's action for %-8s:", indent, mix_kind_names[k]);
		for (i = 0; i < m->nactions; i++) {
			if (m->action_count[k][i])
				printf(" %s %lld", m->action_name[i], (long long)m->action_count[k][i]);
		}
		printf("\n");
	}
}

#endif
