// SPDX-License-Identifier: GPL-2.0-or-later
#include "util.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sb_init(struct strbuf *sb)
{
	sb->s = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb_init(sb);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->s)
		sb->s[0] = '\0';
}

static bool sb_grow(struct strbuf *sb, size_t extra)
{
	size_t want, cap;
	char *s;

	if (sb->oom)
		return false;
	if (extra > SIZE_MAX - sb->len - 1)
		goto fail;
	want = sb->len + extra + 1;
	if (want <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	s = realloc(sb->s, cap);
	if (!s)
		goto fail;
	sb->s = s;
	sb->cap = cap;
	return true;
fail:
	sb->oom = true;
	return false;
}

void sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	if (!sb_grow(sb, n))
		return;
	if (n)
		memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_addn(sb, &c, 1);
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !sb_grow(sb, (size_t)n))
		return;
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sb_truncate(struct strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->s[len] = '\0';
	}
}

void sb_add_quoted(struct strbuf *sb, const char *s, size_t n)
{
	const size_t max = 60;
	size_t i, shown = n;

	/* Cut long values at a character boundary so a message stays one line. */
	if (n > max) {
		shown = max;
		while (shown > 0 && ((unsigned char)s[shown] & 0xc0) == 0x80)
			shown--;
	}
	sb_addc(sb, '"');
	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sb_addf(sb, "\\%c", c);
		else if (c == '\n')
			sb_adds(sb, "\\n");
		else if (c == '\t')
			sb_adds(sb, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sb_addf(sb, "\\x%02x", c);
		else
			sb_addc(sb, (char)c);
	}
	if (shown < n)
		sb_adds(sb, "...");
	sb_addc(sb, '"');
}

char *sb_steal(struct strbuf *sb)
{
	char *s;

	if (sb->oom) {
		sb_free(sb);
		return NULL;
	}
	if (!sb->s && !sb_grow(sb, 0))
		return NULL;
	if (sb->len == 0)
		sb->s[0] = '\0';
	s = sb->s;
	sb_init(sb);
	return s;
}

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, off;
	max_align_t data[];
};

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	arena_init(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	struct arena_chunk *c = a->head;
	size_t size;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (!c || c->size - c->off < n) {
		size = n > 16384 ? n : 16384;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->off = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->off;
	c->off += n;
	a->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t utf8_length(const char *s, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	return count;
}

/* The length of the well-formed UTF-8 character at s (n bytes left, n > 0),
 * its code point in *cp; 0 when it is not one. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned need;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		need = 1, *cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2, *cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3, *cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n <= need)
		return 0;
	for (unsigned k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[k] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return need + 1;
}

bool utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_char(s + i, n - i, &cp);

		if (!len)
			return false;
		i += len;
	}
	return true;
}

/* Characters valid in UTF-8 that still change what a reader sees: the
 * bidirectional controls (text that reads one way and is another), the line
 * and paragraph separators (a YAML reader breaks lines at them) and the two
 * noncharacters YAML refuses. */
static bool invisible(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfffe || cp == 0xffff;
}

size_t utf8_next_shown(const char *str, size_t n, bool *escape)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	size_t len = utf8_char(s, n, &cp);

	/* C0 (newline and tab too), DEL, C1 and bytes that are not UTF-8: a
	 * terminal may act on each */
	*escape = len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || invisible(cp);
	return len ? len : 1;
}

/* Appends s[0..n) for a terminal, up to limit bytes: a character or an
 * escape that would not fit whole is left out, and the rest with it. */
static void add_printable(struct strbuf *sb, const char *str, size_t n, size_t limit)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, used = 0;

	while (i < n) {
		bool escape;
		size_t len = utf8_next_shown(str + i, n - i, &escape);

		if (used + (escape ? 4 * len : len) > limit)
			break;
		if (escape)
			for (size_t k = 0; k < len; k++)
				sb_addf(sb, "\\x%02x", s[i + k]);
		else
			sb_addn(sb, str + i, len);
		used += escape ? 4 * len : len;
		i += len;
	}
}

void sb_add_printable(struct strbuf *sb, const char *s, size_t n)
{
	add_printable(sb, s, n, SIZE_MAX);
}

const char *printable(char *buf, size_t size, const char *s)
{
	struct strbuf sb;

	if (!size)
		return buf;
	sb_init(&sb);
	add_printable(&sb, s, strlen(s), size - 1);
	snprintf(buf, size, "%s", sb.oom ? "?" : sb.s ? sb.s : "");
	sb_free(&sb);
	return buf;
}

bool text_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
	if (!a || !b)
		return !a && !b;
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

unsigned edit_distance(const char *a, const char *b, unsigned cap)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned row[64], best;

	if (lb >= ARRAY_SIZE(row) || la >= 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned v = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

int read_file_limited(const char *path, size_t max, char **bufp, size_t *lenp, const char **why)
{
	int fd, r = -EIO;
	bool is_stdin = strcmp(path, "-") == 0;
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;

	*why = NULL;
	/* O_NONBLOCK so a FIFO or a device cannot hang us before fstat says what it is. */
	fd = is_stdin ? dup(STDIN_FILENO) :
			open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		*why = "is a directory, expected a file";
		r = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !(is_stdin && S_ISFIFO(st.st_mode)) &&
	    !(is_stdin && S_ISCHR(st.st_mode) && isatty(fd))) {
		*why = "is not a regular file";
		r = -EINVAL;
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		*why = "is larger than the size limit";
		r = -EFBIG;
		goto out;
	}
	if (!is_stdin) {
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (len > max)
				break;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		*why = "is larger than the size limit";
		r = -EFBIG;
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *human_size(char *buf, size_t size, double bytes)
{
	if (bytes >= 1024.0 * 1024 * 1024)
		snprintf(buf, size, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
	else if (bytes >= 1024.0 * 1024)
		snprintf(buf, size, "%.1f MiB", bytes / (1024.0 * 1024));
	else
		snprintf(buf, size, "%.0f KiB", ceil(bytes / 1024.0));
	return buf;
}
