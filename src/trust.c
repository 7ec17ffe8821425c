// SPDX-License-Identifier: GPL-2.0-or-later
/* Trust checks on opened files and the directories above them (trust.h). */
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Directories deep a walk up may go before it is taken for a loop. */
#define MAX_UP 4096

bool trust_paths(void)
{
	return geteuid() == 0;
}

static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

int fd_path(int fd, char *buf, size_t size)
{
	char self[64];
	ssize_t n;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	n = readlink(self, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n == size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	/* a socket, a deleted file, a file outside this root */
	return buf[0] == '/' ? 0 : -ENOENT;
}

static int refuse(struct trust_problem *p, enum trust_why why, uid_t uid, const char *path)
{
	p->why = why;
	p->uid = uid;
	snprintf(p->path, sizeof(p->path), "%s", path);
	return 1;
}

/* The walk up from dirfd. holds_file: dirfd holds a file checked itself,
 * so dirfd may be sticky too; otherwise the directory is one whose entries
 * are looked up by name, and no one else may add one, sticky or not. */
static int walk_up(int dirfd, bool holds_file, struct trust_problem *p)
{
	char path[PATH_MAX];
	int cur = dirfd, r = 0;

	if (fd_path(dirfd, path, sizeof(path)) < 0)
		snprintf(path, sizeof(path), "(a directory above it)");
	for (int depth = 0;; depth++) {
		struct stat st, up_st;
		char *slash;
		int up;

		if (depth == MAX_UP) {
			r = -ELOOP;
			break;
		}
		if (fstat(cur, &st) < 0) {
			r = -errno;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			r = -ENOTDIR;
			break;
		}
		if (!trusted_owner(st.st_uid)) {
			r = refuse(p, TRUST_FOREIGN_OWNER, st.st_uid, path);
			break;
		}
		/* sticky (/tmp): nobody else may rename or remove the entry
		 * the walk came up from, and that one was checked; but in a
		 * directory whose names are looked up (the local profiles,
		 * the state's) anyone may put a name of their own */
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (!(st.st_mode & S_ISVTX) || (depth == 0 && !holds_file))) {
			r = refuse(p, TRUST_WRITABLE, st.st_uid, path);
			break;
		}
		up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0) {
			r = -errno;
			break;
		}
		if (fstat(up, &up_st) < 0) {
			r = -errno;
			close(up);
			break;
		}
		if (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino) {
			/* "/" (of this process): its own parent */
			close(up);
			break;
		}
		if (cur != dirfd)
			close(cur);
		cur = up;
		slash = strrchr(path, '/');
		if (slash && slash != path)
			*slash = '\0';
		else if (slash)
			path[1] = '\0';
	}
	if (cur != dirfd)
		close(cur);
	return r;
}

int trust_file(int fd, int dirfd, const char *display, struct trust_problem *p)
{
	struct stat st;
	int own = -1, r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return refuse(p, TRUST_NOT_REGULAR, st.st_uid, display);
	if (!trusted_owner(st.st_uid))
		return refuse(p, TRUST_FOREIGN_OWNER, st.st_uid, display);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return refuse(p, TRUST_WRITABLE, st.st_uid, display);
	if (dirfd < 0) {
		char path[PATH_MAX];
		struct stat in_dir;
		char *slash;

		/* the directory the file is in now, by the kernel's name of
		 * it; the name found there must be this very file */
		r = fd_path(fd, path, sizeof(path));
		if (r < 0)
			return r;
		slash = strrchr(path, '/');
		*slash = '\0';
		own = open(slash == path ? "/" : path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (own < 0)
			return -errno;
		if (fstatat(own, slash + 1, &in_dir, AT_SYMLINK_NOFOLLOW) < 0 || in_dir.st_dev != st.st_dev ||
		    in_dir.st_ino != st.st_ino) {
			close(own);
			return -ESTALE;
		}
		dirfd = own;
	}
	r = walk_up(dirfd, true, p);
	if (own >= 0)
		close(own);
	return r;
}

int trust_dir(int dirfd, struct trust_problem *p)
{
	return walk_up(dirfd, false, p);
}

int trust_named(const char *path, struct trust_problem *p)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;
	int dfd, r;

	if (lstat(path, &st) < 0)
		return -errno;
	/* who made the entry chose the file (a link's owner, its target);
	 * in a sticky directory an entry stays its maker's */
	if (!trusted_owner(st.st_uid))
		return refuse(p, TRUST_FOREIGN_OWNER, st.st_uid, path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* and who may write where it is could put another entry there */
	r = walk_up(dfd, true, p);
	close(dfd);
	return r;
}

const char *trust_message(const struct trust_problem *p, char *buf, size_t size)
{
	switch (p->why) {
	case TRUST_WRITABLE:
		snprintf(buf, size, "%s: writable by others: refusing", p->path);
		break;
	case TRUST_FOREIGN_OWNER:
		if (geteuid() == 0)
			snprintf(buf, size, "%s: owned by uid %u, not root: refusing", p->path, (unsigned)p->uid);
		else
			snprintf(buf, size, "%s: owned by uid %u, not root or uid %u: refusing", p->path,
				 (unsigned)p->uid, (unsigned)geteuid());
		break;
	case TRUST_NOT_REGULAR:
		snprintf(buf, size, "%s: not a regular file: refusing", p->path);
		break;
	}
	return buf;
}
