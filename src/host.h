/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_HOST_H
#define FINTUNE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * The system fintune works on: the real root, or a tree named by --root.
 * The root is opened once, as a directory descriptor, and every file below
 * it is reached through that descriptor, never by a path string put together
 * and opened later: a directory swapped for a symlink halfway through a run
 * can then not lead a write outside the root.
 *
 * Paths are absolute on the target ("/etc/sysctl.d"). Two ways to reach one:
 *   HOST_NOLINKS  no symlink in any component (where fintune writes, and its
 *                 own files): openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
 *                 RESOLVE_NO_MAGICLINKS) where the kernel has it (5.6+), else
 *                 a component-by-component O_NOFOLLOW walk.
 *   HOST_FOLLOW   symlinks followed as the appliers follow them, with the
 *                 root as "/": ".." and absolute links never leave it. The
 *                 walk is made on descriptors, so it cannot be raced out.
 * Functions return 0 (or a descriptor) or -errno, and print nothing.
 */
enum host_how { HOST_NOLINKS, HOST_FOLLOW };

struct host {
	int root_fd;		/* O_PATH, O_DIRECTORY */
	const char *root;	/* as given, for messages; "" for the real root */
	bool no_openat2;	/* the kernel (or a seccomp filter) refused it */
};

/* Opens the root; it must be an existing directory. */
int host_open(struct host *h, const char *root);
void host_close(struct host *h);

/* Opens path below the root. With HOST_FOLLOW, resolved (may be NULL)
 * gets the path on the target with every link followed; a link to
 * /dev/null gives -ENODEV with resolved "/dev/null" (a mask, even in an
 * image that has no /dev). flags as for openat (O_NOFOLLOW is implied at
 * each step; O_CLOEXEC always). */
int host_openat(struct host *h, const char *path, int flags, mode_t mode, enum host_how how, char *resolved,
		size_t size);

/* The same, from a directory already opened below the root (dirfd) whose
 * target path is dir: a name in it, or a path relative to it. st (may be
 * NULL) gets the opened file's stat: a plain name that is no link costs an
 * openat and that fstat. */
int host_openat_in(struct host *h, int dirfd, const char *dir, const char *name, int flags, mode_t mode,
		   enum host_how how, char *resolved, size_t size, struct stat *st);

/* Whether name, in the directory dirfd, is a symlink itself. */
bool host_is_link(int dirfd, const char *name);

/* Opens the directory at path (HOST_NOLINKS), creating what is missing
 * (each component 0755, as a plain directory, never through a link).
 * Returns an O_RDONLY|O_DIRECTORY descriptor or -errno (-ELOOP: a link). */
int host_mkdirs(struct host *h, const char *path);

/* What a descriptor must be before fintune trusts what it reads from it or
 * writes to it: a regular file, owned by root or the caller (an image under
 * --root), with one link (a hard link could lead anywhere). */
enum fd_verdict {
	FD_OK,
	FD_NOT_REGULAR,
	FD_FOREIGN_OWNER,
	FD_LINKED,		/* st_nlink != 1 */
};
enum fd_verdict fd_check(int fd, struct stat *st);

/* Opens the regular file an O_PATH descriptor holds, with flags, and
 * closes the O_PATH one: a device or a FIFO is never opened for real (a
 * watchdog would arm, a tape rewind), only looked at. -EINVAL when it is
 * not a regular file. */
int fd_reopen_regular(int pathfd, int flags);
/* The same, with the O_PATH descriptor's stat already at hand. */
int fd_reopen_checked(int pathfd, const struct stat *st, int flags);

/* Reads a whole regular file from fd, at most max bytes (-EFBIG past it);
 * the buffer is NUL-terminated. */
int fd_read_all(int fd, size_t max, char **text, size_t *len);
/* The same, with the file's stat at hand: one read for a regular file. */
int fd_read_sized(int fd, const struct stat *st, size_t max, char **text, size_t *len);

#endif
