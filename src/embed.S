/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The profile schema and the built-in profiles, compiled into the binary so
 * that fintune validates with exactly the schema it was tested with and runs
 * from the source tree. Paths are relative to the top of the tree (the
 * Makefile passes -I.). Adding a built-in profile: one EMBED line here and one
 * entry in builtin.c.
 */
#define EMBED(sym, file)                 \
	.global sym;                     \
	.type sym, @object;              \
	.balign 16;                      \
sym:                                     \
	.incbin file;                    \
	.byte 0

	.section .rodata
EMBED(builtin_schema_json, "schema/profile.schema.json")
EMBED(builtin_reverse_proxy, "profiles/reverse-proxy.yaml")
EMBED(builtin_outbound_client, "profiles/outbound-client.yaml")
EMBED(builtin_long_half_close, "profiles/long-half-close.yaml")

	.section .note.GNU-stack, "", @progbits
