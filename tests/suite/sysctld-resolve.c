// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: what fintune's sysctl.d reader says each key ends up as.
 *
 *   sysctld-resolve ROOT systemd|procps KEY...
 *
 * For each key, prints "KEY VALUE" with the value in force after the
 * applier ran: the winning entry's value as the kernel parses it (as many
 * integers as the key holds now; a refused write leaves the value as it
 * is), or the current value when nothing sets the key. The namespace test
 * compares this with what the real applier leaves.
 */
#include "kernel.h"
#include "sysctld.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool read_value(const char *root, const char *path, char *out, size_t size)
{
	char file[4096];
	FILE *f;
	size_t n;

	snprintf(file, sizeof(file), "%s/proc/sys/%s", root, path);
	f = fopen(file, "re");
	if (!f)
		return false;
	n = fread(out, 1, size - 1, f);
	fclose(f);
	out[n] = '\0';
	/* fold whitespace */
	{
		size_t o = 0;

		for (size_t i = 0; i < n; i++) {
			char c = out[i] == '\t' || out[i] == '\n' ? ' ' : out[i];

			if (c == ' ' && (o == 0 || out[o - 1] == ' '))
				continue;
			out[o++] = c;
		}
		while (o && out[o - 1] == ' ')
			o--;
		out[o] = '\0';
	}
	return true;
}

/* Keys outside the facts table that the kernel keeps as a u8
 * (proc_dou8vec_minmax): 0..255 unless its table narrows that, and no '-'
 * at all, not even on 0. Seen on 6.18 in a private network namespace. */
static const struct {
	const char *path;
	long min, max;
} u8_keys[] = {
	{ "net/ipv4/tcp_keepalive_probes", 0, 255 },
	{ "net/ipv4/tcp_synack_retries", 0, 255 },
	{ "net/ipv4/tcp_syn_retries", 1, 127 },
};

/* The kernel's integer-vector parse (kernel_parse_ints), for as many
 * integers as the key holds now, each in the key's range. */
static bool kernel_parse(const char *path, const char *written, unsigned count, char *out, size_t size)
{
	long v[8], min = -2147483648L, max = 2147483647L;
	bool u8 = false;
	size_t len = 0;

	for (size_t i = 0; i < sizeof(u8_keys) / sizeof(u8_keys[0]); i++)
		if (strcmp(path, u8_keys[i].path) == 0) {
			u8 = true;
			min = u8_keys[i].min;
			max = u8_keys[i].max;
		}
	if (count > 8 || !kernel_parse_ints(written, count, v))
		return false;
	if (u8 && written[strspn(written, " \t\n\v\f\r")] == '-')
		return false;
	for (unsigned i = 0; i < count; i++) {
		if (v[i] < min || v[i] > max)
			return false;
		len += (size_t)snprintf(out + len, size - len, "%s%ld", i ? " " : "", v[i]);
	}
	return true;
}

static bool exists(const char *path, void *ctx)
{
	char buf[256];

	return read_value(ctx, path, buf, sizeof(buf));
}

static struct kernel running;

/* Whether the kernel would take the value: for the keys fintune knows, by
 * its facts table (ranges included); for the others, it parses as many
 * integers as the key holds now, each fitting an int, or a u8 key's range. */
static bool accepts(const char *path, const char *value, void *ctx)
{
	char now[256], out[256];
	unsigned count = 1;
	int id = key_lookup(path);

	if (id >= 0)
		return kernel_parse_write(&running, id, value, out, sizeof(out));
	if (!read_value(ctx, path, now, sizeof(now)))
		return false;
	for (const char *p = now; *p; p++)
		count += *p == ' ';
	return kernel_parse(path, value, count, out, sizeof(out));
}

int main(int argc, char **argv)
{
	struct sysctl_config c;
	struct diags d;

	if (argc < 4 || (strcmp(argv[2], "systemd") && strcmp(argv[2], "procps"))) {
		fprintf(stderr, "usage: %s ROOT systemd|procps KEY...\n", argv[0]);
		return 2;
	}
	diags_init(&d);
	kernel_read(argv[1], NULL, &running, &d);
	if (sysctld_load(&c, argv[1], strcmp(argv[2], "procps") == 0, NULL, NULL, &d) < 0)
		return 1;
	for (int i = 3; i < argc; i++) {
		struct sysctl_probe probe = { exists, accepts, argv[1] };
		struct sysctl_setting s = sysctld_resolve(&c, argv[i], &probe);
		char *path = sysctl_normalize_key(argv[i]);
		char now[256] = "", out[256];
		unsigned count = 0;

		if (!path || !read_value(argv[1], path, now, sizeof(now))) {
			printf("%s (absent)\n", argv[i]);
			free(path);
			continue;
		}
		count = 1;
		for (const char *p = now; *p; p++)
			count += *p == ' ';
		if (s.entry && key_lookup(path) >= 0 &&
		    kernel_parse_write(&running, key_lookup(path), s.entry->value, out, sizeof(out)))
			printf("%s %s\n", argv[i], out);
		else if (s.entry && kernel_parse(path, s.entry->value, count, out, sizeof(out)))
			printf("%s %s\n", argv[i], out);
		else
			printf("%s %s\n", argv[i], now);
		free(path);
	}
	sysctld_free(&c);
	diags_free(&d);
	return 0;
}
