/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_URI_H
#define FINTUNE_URI_H

/* RFC 3986 section 5.2 reference resolution, enough for JSON Schema's $id and
 * $ref (http, file and urn base URIs alike). Returns a malloc'd string, or
 * NULL when out of memory. An empty base means "no base": the reference
 * itself is the result, with dot segments removed. */
char *uri_resolve(const char *base, const char *ref);

/* Percent-decodes s (for fragments); NULL on a malformed escape or no memory. */
char *uri_unescape(const char *s);

#endif
