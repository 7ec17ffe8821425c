// SPDX-License-Identifier: GPL-2.0-or-later
#include "builtin.h"

#include <string.h>

/* NOLINTNEXTLINE(bugprone-macro-parentheses): sym is the name declared, not an expression */
#define DECLARE(sym) extern const char sym[]
DECLARE(builtin_schema_json);
DECLARE(builtin_reverse_proxy);
DECLARE(builtin_outbound_client);
DECLARE(builtin_long_half_close);

const struct builtin builtin_schema = {
	"profile.schema.json", "<builtin>/profile.schema.json", builtin_schema_json,
};

const struct builtin builtin_profiles[] = {
	{ "reverse-proxy", "<builtin>/reverse-proxy.yaml", builtin_reverse_proxy },
	{ "outbound-client", "<builtin>/outbound-client.yaml", builtin_outbound_client },
	{ "long-half-close", "<builtin>/long-half-close.yaml", builtin_long_half_close },
};
const size_t builtin_profiles_count = sizeof(builtin_profiles) / sizeof(builtin_profiles[0]);

const struct builtin *builtin_profile(const char *name)
{
	for (size_t i = 0; i < builtin_profiles_count; i++)
		if (strcmp(builtin_profiles[i].name, name) == 0)
			return &builtin_profiles[i];
	return NULL;
}
