// SPDX-License-Identifier: GPL-2.0-or-later
#include "uri.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct uri {
	const char *scheme, *auth, *path, *query, *frag;
	size_t scheme_n, auth_n, path_n, query_n, frag_n;
	int has_scheme, has_auth, has_query, has_frag;
};

/* The regular expression of RFC 3986 appendix B, by hand. */
static void uri_parse(const char *s, struct uri *u)
{
	const char *p = s, *q;

	memset(u, 0, sizeof(*u));
	q = p;
	while (*q && !strchr(":/?#", *q))
		q++;
	if (*q == ':' && q != p) {
		u->has_scheme = 1;
		u->scheme = p;
		u->scheme_n = (size_t)(q - p);
		p = q + 1;
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		q = p;
		while (*q && !strchr("/?#", *q))
			q++;
		u->has_auth = 1;
		u->auth = p;
		u->auth_n = (size_t)(q - p);
		p = q;
	}
	q = p;
	while (*q && !strchr("?#", *q))
		q++;
	u->path = p;
	u->path_n = (size_t)(q - p);
	p = q;
	if (*p == '?') {
		q = ++p;
		while (*q && *q != '#')
			q++;
		u->has_query = 1;
		u->query = p;
		u->query_n = (size_t)(q - p);
		p = q;
	}
	if (*p == '#') {
		u->has_frag = 1;
		u->frag = p + 1;
		u->frag_n = strlen(p + 1);
	}
}

static bool seg_is(const char *p, size_t left, const char *lit, bool whole)
{
	size_t n = strlen(lit);

	return whole ? left == n && memcmp(p, lit, n) == 0 : left >= n && memcmp(p, lit, n) == 0;
}

static void pop_segment(struct strbuf *out)
{
	char *slash = out->len ? memrchr(out->s, '/', out->len) : NULL;

	sb_truncate(out, slash ? (size_t)(slash - out->s) : 0);
}

/* RFC 3986 5.2.4, on a private copy it may rewrite in place. */
static void remove_dot_segments(struct strbuf *out, const char *src, size_t n)
{
	struct strbuf in;
	char *p;
	size_t left;

	sb_init(&in);
	sb_addn(&in, src, n);
	p = in.s;
	left = in.len;
	while (p && left) {
		if (seg_is(p, left, "../", false)) {
			p += 3, left -= 3;
		} else if (seg_is(p, left, "./", false) || seg_is(p, left, "/./", false)) {
			p += 2, left -= 2;
		} else if (seg_is(p, left, "/.", true)) {
			p += 1, left -= 1;
			p[0] = '/';
		} else if (seg_is(p, left, "/../", false)) {
			p += 3, left -= 3;
			pop_segment(out);
		} else if (seg_is(p, left, "/..", true)) {
			p += 2, left -= 2;
			p[0] = '/';
			pop_segment(out);
		} else if (seg_is(p, left, ".", true) || seg_is(p, left, "..", true)) {
			left = 0;
		} else {
			char *q = p + (*p == '/');
			char *end = p + left;

			while (q < end && *q != '/')
				q++;
			sb_addn(out, p, (size_t)(q - p));
			left -= (size_t)(q - p);
			p = q;
		}
	}
	sb_free(&in);
}

static void merge_paths(struct strbuf *out, const struct uri *b, const struct uri *r)
{
	if (b->has_auth && b->path_n == 0) {
		sb_addc(out, '/');
		sb_addn(out, r->path, r->path_n);
	} else {
		const char *slash = b->path_n ? memrchr(b->path, '/', b->path_n) : NULL;

		if (slash)
			sb_addn(out, b->path, (size_t)(slash - b->path) + 1);
		sb_addn(out, r->path, r->path_n);
	}
}

char *uri_resolve(const char *base, const char *ref)
{
	struct uri b, r;
	struct strbuf out, path;
	const struct uri *auth_from, *query_from;

	uri_parse(base, &b);
	uri_parse(ref, &r);
	sb_init(&out);
	sb_init(&path);
	if (r.has_scheme) {
		remove_dot_segments(&path, r.path, r.path_n);
		auth_from = &r;
		query_from = &r;
		sb_addn(&out, r.scheme, r.scheme_n);
		sb_addc(&out, ':');
	} else {
		if (r.has_auth) {
			remove_dot_segments(&path, r.path, r.path_n);
			auth_from = &r;
			query_from = &r;
		} else {
			if (r.path_n == 0) {
				sb_addn(&path, b.path, b.path_n);
				query_from = r.has_query ? &r : &b;
			} else {
				struct strbuf merged;

				sb_init(&merged);
				if (r.path[0] == '/')
					sb_addn(&merged, r.path, r.path_n);
				else
					merge_paths(&merged, &b, &r);
				remove_dot_segments(&path, merged.s ? merged.s : "", merged.len);
				sb_free(&merged);
				query_from = &r;
			}
			auth_from = &b;
		}
		if (b.has_scheme) {
			sb_addn(&out, b.scheme, b.scheme_n);
			sb_addc(&out, ':');
		}
	}
	if (auth_from->has_auth) {
		sb_adds(&out, "//");
		sb_addn(&out, auth_from->auth, auth_from->auth_n);
	}
	sb_addn(&out, path.s ? path.s : "", path.len);
	if (query_from->has_query) {
		sb_addc(&out, '?');
		sb_addn(&out, query_from->query, query_from->query_n);
	}
	if (r.has_frag) {
		sb_addc(&out, '#');
		sb_addn(&out, r.frag, r.frag_n);
	}
	sb_free(&path);
	return sb_steal(&out);
}

char *uri_unescape(const char *s)
{
	struct strbuf out;

	sb_init(&out);
	for (; *s; s++) {
		if (*s == '%') {
			int hi = hex_digit(s[1]), lo = hi < 0 ? -1 : hex_digit(s[2]);

			if (hi < 0 || lo < 0) {
				sb_free(&out);
				return NULL;
			}
			sb_addc(&out, (char)(hi * 16 + lo));
			s += 2;
		} else {
			sb_addc(&out, *s);
		}
	}
	return sb_steal(&out);
}
