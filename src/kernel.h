/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_KERNEL_H
#define FINTUNE_KERNEL_H

#include "diag.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * The kernel facts of the TCP close path, in one table (kernel.c), and what
 * the running kernel says about them. Ground truth: ../shared/KERNEL.md.
 *
 * The planned keys come first; the context keys after them are read for the
 * advice (RTO bounds, the privileged port boundary, send buffers) and shown by
 * explain, but never written.
 */
enum key_id {
	K_FIN_TIMEOUT,
	K_ORPHAN_RETRIES,
	K_MAX_ORPHANS,
	K_MAX_TW_BUCKETS,
	K_TW_REUSE,
	K_TIMESTAMPS,
	K_TW_REUSE_DELAY,
	K_PORT_RANGE,
	K_PLANNED,		/* number of planned keys */
	K_RETRIES2 = K_PLANNED,
	K_RTO_MIN_US,
	K_RTO_MAX_MS,
	K_UNPRIV_PORT_START,
	K_TCP_WMEM,
	K_TW_RECYCLE,
	K_COUNT
};

/* Kernel versions as major * 1000 + minor. */
#define KV(major, minor) ((major) * 1000u + (minor))

enum key_scope { SCOPE_NETNS, SCOPE_GLOBAL };

/* What the kernel accepts and starts with, from a version on. */
struct key_era {
	unsigned since;
	long min, max;
	const char *def;	/* the default as proc/sys reads it; NULL when it is not a
				 * constant (ehash/2 depends on the memory) */
	const char *def_note;	/* what the default means, for people */
	bool no_sign;		/* an unsigned handler (u8, uint): a '-' is refused, even "-0" */
};

struct key_fact {
	const char *name;	/* net.ipv4.tcp_fin_timeout */
	const char *proc;	/* below proc/sys: net/ipv4/tcp_fin_timeout */
	const char *unit;
	enum key_scope scope;
	unsigned since;		/* first kernel with the key (0: older than anything we care about) */
	unsigned netns_since;	/* per network namespace since (0 for host-global keys) */
	unsigned removed;	/* the kernel that removed it, or 0 */
	unsigned values;	/* integers in the value: 1, or 2 for a range; 3 for tcp_wmem */
	struct key_era eras[3];	/* newest last; a zero since ends the list early */
	const char *governs;	/* what it does */
	const char *not_governs;	/* what it is thought to do and does not */
	const char *traps;	/* KERNEL.md's traps, as an admin needs them */
};

const struct key_fact *key_fact(enum key_id id);
/* By dotted name, short name (tcp_fin_timeout) or slash path; -1 if unknown. */
int key_lookup(const char *name);

/* The running kernel, as seen under a root. */
#define KERNEL_VALUE_MAX 64

/* Where the release of the kernel the facts are of comes from. */
enum kernel_from {
	KERNEL_FROM_NONE,	/* unknown: the facts of KERNEL_NEWEST */
	KERNEL_FROM_PROC,	/* proc/sys/kernel/osrelease (live values) */
	KERNEL_FROM_MODULES,	/* an offline image's /lib/modules (the newest there) */
	KERNEL_FROM_OPTION,	/* --kernel */
};

struct kernel {
	char release[128];	/* proc/sys/kernel/osrelease, "" when unknown */
	enum kernel_from from;
	unsigned n_modules;	/* releases found in the image's /lib/modules */
	unsigned version;	/* KV(), or 0 when unknown */
	unsigned hz;		/* CONFIG_HZ, 0 when unknown (the advice assumes 250) */
	bool live;		/* ROOT/proc/sys/net/ipv4 exists: there are live values */
	bool child_netns;	/* live, but host-global keys are absent */
	struct {
		bool exists;	/* the file is there (even if it cannot be read) */
		bool present;	/* and its value was read */
		bool not_plain;	/* there, but not a plain file with one link: never written */
		char value[KERNEL_VALUE_MAX];	/* as read back, whitespace folded: "32768 60999" */
	} running[K_COUNT];
};

/* The kernel the figures explain quotes were measured on, by make
 * kernel-facts and make lab (docs/LAB.md; a test holds the two equal). */
#define LAB_KERNEL "6.18.44"

/* Facts of the newest kernel fintune knows, for offline images. */
#define KERNEL_NEWEST KV(6, 18)

struct host;
/* Reads release and every key under ROOT/proc/sys, through the host's root
 * descriptor. Unreadable files become "absent" with a problem in d (a
 * warning); so do files that are not plain (a FIFO, a hard link). Without
 * live values, the release is the newest in the image's /lib/modules, or
 * release (--kernel) when not NULL, and HZ from its /boot/config-RELEASE.
 * -EEXIST when release is given but the root has live values (their
 * kernel decides, and k has them), -EINVAL when it is no kernel release. */
int kernel_read_host(struct host *h, struct kernel *k, const char *release, struct diags *d);
/* The same for a root given by name ("" for the real root). */
int kernel_read(const char *root, const char *release, struct kernel *k, struct diags *d);

/* A proc value as read (n bytes; more: the file went on past them) with
 * its whitespace runs folded into one space and none at the ends: 0, or
 * -EINVAL when it holds nothing; 1 when it is no value a kernel shows (a
 * byte not printable ASCII, kept as \xNN; more than out holds, cut with
 * "..."). out is printable ASCII either way. */
int kernel_fold_value(const char *buf, size_t n, bool more, char *out, size_t size);
/* CONFIG_HZ of a kernel's config text (NUL-terminated), or 0 when it
 * says none fintune believes. */
unsigned kernel_config_hz(const char *text);

/* Reads one key's value under ROOT/proc/sys now, whitespace folded. */
int kernel_read_value(struct host *h, enum key_id id, char *out, size_t size);
/* Writes value to the key under ROOT/proc/sys and reads it back through the
 * same descriptor; 0, or -errno (EINVAL: the kernel refused; EBADFD: the file
 * is not a plain one with one link; EIO: it reads back otherwise). */
int kernel_write_value(struct host *h, enum key_id id, const char *value);

/* The kernel the facts are of, for people: the release, or "Linux 6.18"
 * (KERNEL_NEWEST) when it is unknown. */
const char *kernel_label(const struct kernel *k, char *buf, size_t size);
/* Where that release comes from, for people ("from /lib/modules of the
 * image") and for JSON ("proc", "modules", "option", "assumed"). */
const char *kernel_from_text(const struct kernel *k, char *buf, size_t size);
const char *kernel_from_name(const struct kernel *k);



/* Parses "6.18.44-foo" into KV(6, 18); 0 when it cannot. */
unsigned kernel_parse_version(const char *release);

/* The era of a key that applies to this kernel (the newest when unknown). */
const struct key_era *kernel_era(const struct kernel *k, enum key_id id);
/* Whether the key exists here: present in proc when live, else by version. */
bool kernel_has(const struct kernel *k, enum key_id id);
/* The key's scope on this kernel: host-global before it was namespaced. */
enum key_scope kernel_scope(const struct kernel *k, enum key_id id);
/* Whether fintune may write it here (exists, and not host-global in a child). */
bool kernel_writable(const struct kernel *k, enum key_id id);
/* The running value as a number (first integer); false when absent. */
bool kernel_value(const struct kernel *k, enum key_id id, long *out);
/* The first n integers of a value written to a proc/sys integer file, as the
 * kernel's proc_dointvec family parses them: white space (isspace) skipped
 * before each, an optional '-', then a digit; the base from the prefix as
 * strtoul(..., 0) picks it ("010" is 8, "0x10" 16, "08" refused); each ended
 * by a blank (space, tab, newline) or the end; at most 20 characters each.
 * Returns where the n-th ends, or NULL where the kernel says EINVAL. */
const char *kernel_parse_ints(const char *value, unsigned n, long v[]);
/* What the kernel stores when value is written to the key, as it parses it
 * (kernel_parse_ints), in canonical decimal: anything after the last integer
 * it needs ignored ("0 # off" stores 0); fewer integers than the key holds
 * set the first ones and keep the rest ("1024" to ip_local_port_range keeps
 * the high end, from the running value or the default); then the range.
 * False (EINVAL, the value stays) when it would refuse. */
bool kernel_parse_write(const struct kernel *k, enum key_id id, const char *value, char *out, size_t size);
/* Whether value, written to proc as it is, is accepted by this kernel for the
 * key: exactly the key's integers (kernel_parse_ints), each in range. */
bool kernel_accepts(const struct kernel *k, enum key_id id, const char *value);

#endif
