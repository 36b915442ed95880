/*
 * What a farmer's SMS is: a question (or a follow-up), or one of the few commands —
 * 帮助/HELP, 查询/CX (查询 N: ticket N's answers again), 退订/TD/STOP (退订 类别: that
 * category only), 订阅, 登记, and ratings (1–5, 满意/一般/不满意, scored as on USSD).
 */
#ifndef FL_FARMER_COMMAND_H
#define FL_FARMER_COMMAND_H

enum farmer_cmd_kind {
	FCMD_TEXT,	/* a question or a follow-up */
	FCMD_HELP,
	FCMD_QUERY,	/* status of my last questions; with ticket, that one's answers */
	FCMD_STOP,	/* no more broadcasts */
	FCMD_UNSUBSCRIBE,	/* arg: a category to take no more broadcasts of */
	FCMD_SUBSCRIBE,	/* arg: a category, or "" to take broadcasts again */
	FCMD_REGISTER,	/* arg: "township village" as written */
	FCMD_RATING,	/* rating: 1–5 */
};

struct farmer_cmd {
	enum farmer_cmd_kind kind;
	int rating;
	long long ticket;	/* FCMD_QUERY: 0 for the recent questions' status */
	char arg[192];
	int arg_spaced;	/* a space came between the keyword and arg ("订阅 畜牧", not "订阅号") */
};

/*
 * Parse text that route_normalize() produced (simplified, half-width, lower case, single
 * spaces). Anything that is not a command is FCMD_TEXT.
 */
void farmer_cmd_parse(const char *normalized, struct farmer_cmd *out);

#endif
