/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_TRUST_H
#define FINTUNE_TRUST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Trust, as doas has it for doas.conf: what fintune reads to decide what it
 * writes must be changeable by nobody fintune does not already trust.
 *
 * The owners trusted are root and the user fintune runs as (fd_check's
 * "caller"): run as root, root alone. A trusted file is a regular file owned
 * by one of them and not writable by group or others, and so is every
 * directory from the one that holds it up to "/" (anyone who may write a
 * directory on the way may put another file in the file's place). One
 * exception on the way: a sticky directory owned by a trusted owner (/tmp)
 * may be writable by others, since nobody else can rename or remove the
 * entry below it that the walk came up from, and that entry is checked
 * itself.
 *
 * The checks are made on descriptors: the file that was opened (never a
 * path checked earlier), then each directory above it reached by ".." from
 * the one below. Functions return 0 (trusted), 1 (not trusted: *p says
 * why), or -errno (the check could not be made: fail closed), and print
 * nothing.
 */
enum trust_why {
	TRUST_WRITABLE,		/* writable by group or others */
	TRUST_FOREIGN_OWNER,	/* owned by neither root nor the caller */
	TRUST_NOT_REGULAR,	/* a directory, a device, a FIFO */
};

struct trust_problem {
	enum trust_why why;
	uid_t uid;		/* the owner */
	char path[PATH_MAX];	/* the file or the directory at fault, as shown */
};

/* Whether files named on the command line or by a profile's extends: (a
 * profile, a plan file) are checked: when fintune runs as root. Another
 * user reads them with nothing but the rights they already have, like
 * `doas -C`. fintune's own files on the target (the local profile
 * directory, the state) are checked whoever runs it. */
bool trust_paths(void);

/* The kernel's name of fd (/proc/self/fd), an absolute path: for
 * messages, and as the real path of a file opened by a path. */
int fd_path(int fd, char *buf, size_t size);

/* fd (O_PATH will do) is the file display names; dirfd the directory that
 * holds it, or -1 to find it (the kernel's name of fd, checked to be the
 * same file). */
int trust_file(int fd, int dirfd, const char *display, struct trust_problem *p);
/* dirfd, a directory whose entries are looked up by name (the local
 * profiles, the state's), and every directory above it: dirfd itself may
 * not be writable by others even when sticky. */
int trust_dir(int dirfd, struct trust_problem *p);

/* The entry path names (a file, or a symlink to one), before it is
 * followed: its owner, and the directory holding it and every one above
 * it, as trust_file checks a file's own. A link in a directory others may
 * write, or one another user made, chooses the file: refused. (A link in
 * a directory on the way is followed; the directories checked are those
 * of the real path.) */
int trust_named(const char *path, struct trust_problem *p);

/* "FILE: writable by others: refusing", in buf: raw, for diag_add or
 * report_error, which make it printable. */
const char *trust_message(const struct trust_problem *p, char *buf, size_t size);

#endif
