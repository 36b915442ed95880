/*
 * Whether a text is only courtesy — a greeting, thanks, an acknowledgement, punctuation or
 * emoji — and so carries no question or answer. Used where such a text must not count as one:
 * the labeled examples `farmline corrections` exports, and the lifecycle's handling of "在吗"
 * and "谢谢".
 */
#ifndef FL_COURTESY_H
#define FL_COURTESY_H

/*
 * 1 when normalized (route_normalize()'s result: valid UTF-8, simplified characters,
 * half-width, lower case, single spaces) is made only of courtesy words (在吗, 你好, 谢谢,
 * 好的, 收到, ok, 早上好, …, repeated or mixed), with at most forms of address and sentence
 * particles beside them (谢谢专家, 好的呀), punctuation, spaces and emoji; also when it holds
 * only punctuation, spaces and emoji, or nothing. 0 when anything else is in it (谢谢，鸡还是拉稀).
 * normalized is borrowed.
 */
int route_is_courtesy(const char *normalized);

#endif
