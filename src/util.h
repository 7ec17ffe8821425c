/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_UTIL_H
#define FINTUNE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A growable, always NUL-terminated byte string. */
struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;	/* sticky: a failed allocation makes every later append a no-op */
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void sb_truncate(struct strbuf *sb, size_t len);
/* Appends s quoted for a message: "...", with control bytes and quotes escaped and
 * long strings shortened. */
void sb_add_quoted(struct strbuf *sb, const char *s, size_t n);
/* Appends s[0..n) as it may go to a terminal: control bytes (C0, newline
 * and tab included, DEL, C1) and bytes that are not UTF-8 become \xNN, so
 * text from a file cannot move the cursor, retitle or clear the screen.
 * JSON output needs none of this: jansson escapes. */
void sb_add_printable(struct strbuf *sb, const char *s, size_t n);
/* s as sb_add_printable makes it, in buf (cut to fit, never inside a
 * character). Returns buf, for printf. */
const char *printable(char *buf, size_t size, const char *s);
/* Hands the buffer to the caller (NULL after an allocation failure). */
char *sb_steal(struct strbuf *sb);

/* Bump allocator: everything a document owns lives in one arena, freed at once. */
struct arena {
	struct arena_chunk *head;
	size_t used;	/* bytes handed out, for limits */
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);	/* zeroed, aligned for any type */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Number of Unicode code points in valid UTF-8. */
size_t utf8_length(const char *s, size_t n);
/* The length of the character at s[0..n) (n > 0; 1 for a byte that is not
 * UTF-8) and, in *escape, whether it must not reach a reader as it is:
 * control bytes, C1, bytes that are not UTF-8, bidirectional controls, line
 * and paragraph separators. */
size_t utf8_next_shown(const char *s, size_t n, bool *escape);
/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool utf8_valid(const char *s, size_t n);

/* Strict decimal parse of the whole string into [min, max]; 0 or -ERANGE/-EINVAL. */
int parse_long(const char *s, long min, long max, long *out);

/* Whether two texts are the same bytes, NUL bytes included; NULL is an absent
 * file, equal only to another. */
bool text_equal(const char *a, size_t a_len, const char *b, size_t b_len);

/* Levenshtein distance, capped: returns cap+1 when larger. For "did you mean". */
unsigned edit_distance(const char *a, const char *b, unsigned cap);

/* Reads a whole file (or "-" for stdin) of at most max bytes, refusing anything
 * that is not a regular file or a pipe. On error returns -errno-ish and sets
 * *why to a static message. The buffer is NUL-terminated. */
int read_file_limited(const char *path, size_t max, char **buf, size_t *len, const char **why);

/* "166.6 MiB": an amount of memory for people (KiB, MiB or GiB). */
const char *human_size(char *buf, size_t size, double bytes);

/* The value of a hexadecimal digit, or -1. */
int hex_digit(char c);

#endif
