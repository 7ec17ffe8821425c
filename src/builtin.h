/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_BUILTIN_H
#define FINTUNE_BUILTIN_H

#include <stddef.h>

struct builtin {
	const char *name;	/* reverse-proxy */
	const char *display;	/* as shown in messages */
	const char *data;	/* NUL-terminated text */
};

extern const struct builtin builtin_schema;
extern const struct builtin builtin_profiles[];
extern const size_t builtin_profiles_count;

const struct builtin *builtin_profile(const char *name);

#endif
