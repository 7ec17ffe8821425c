// SPDX-License-Identifier: GPL-2.0-or-later
/* The root as a directory descriptor, and every path below it reached
 * through it (host.h). */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's MAXSYMLINKS: more links in one walk is ELOOP. */
#define MAX_HOPS 40
/* Directories deep a walk may go. */
#define MAX_DEPTH 64

int host_open(struct host *h, const char *root)
{
	struct stat st;

	memset(h, 0, sizeof(*h));
	h->root = root ? root : "";
	h->root_fd = open(*h->root ? h->root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h->root_fd < 0)
		return -errno;
	if (fstat(h->root_fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(h->root_fd);
		h->root_fd = -1;
		return -ENOTDIR;
	}
	/* tests force the walk that kernels before 5.6 get */
	h->no_openat2 = secure_getenv("FINTUNE_NO_OPENAT2") != NULL;
	return 0;
}

void host_close(struct host *h)
{
	if (h->root_fd >= 0)
		close(h->root_fd);
	h->root_fd = -1;
}

bool host_is_link(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/*
 * The walk: one component at a time, each opened O_NOFOLLOW relative to the
 * descriptor of the one before; ".." goes back to a descriptor already held
 * (never above the root), and a link's text is walked in its place (HOST_FOLLOW)
 * or refused (HOST_NOLINKS). What is opened is what was checked.
 */
static int walk(struct host *h, const char *path, int flags, mode_t mode, enum host_how how, char *resolved,
		size_t size)
{
	int fds[MAX_DEPTH + 1];
	size_t off[MAX_DEPTH + 1];
	char todo[2 * PATH_MAX], done[PATH_MAX], link[PATH_MAX], comp[NAME_MAX + 1];
	const char *p;
	int depth = 0, hops = 0, r = -EINVAL;

	fds[0] = h->root_fd;
	off[0] = 0;
	done[0] = '\0';
	if ((size_t)snprintf(todo, sizeof(todo), "%s", path) >= sizeof(todo))
		return -ENAMETOOLONG;
	p = todo;
	for (;;) {
		const char *end;
		size_t n;
		bool last;
		int fd;
		struct stat st;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 0) {
			/* the path named a directory already open */
			r = openat(fds[depth], ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
			r = r < 0 ? -errno : r;
			goto out;
		}
		if (n > NAME_MAX) {
			r = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p = end;
		while (*p == '/')
			p++;
		last = !*p;
		if (strcmp(comp, ".") == 0) {
			if (last) {
				p = "";
				continue;
			}
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			if (depth > 0)
				close(fds[depth--]);
			done[off[depth]] = '\0';
			if (last)
				p = "";
			continue;
		}
		/* /dev/null masks, even in an image that has no /dev */
		if (how == HOST_FOLLOW && ((last && off[depth] == 4 && strcmp(done, "/dev") == 0 && strcmp(comp, "null") == 0) ||
					   (depth == 0 && strcmp(comp, "dev") == 0 && strncmp(p, "null", 4) == 0 &&
					    !p[4 + strspn(p + 4, "/")]))) {
			if (resolved)
				snprintf(resolved, size, "/dev/null");
			r = -ENODEV;
			goto out;
		}
		if (last)
			fd = openat(fds[depth], comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
		else
			fd = openat(fds[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && (!last || (flags & O_PATH))) {
			if (fstat(fd, &st) < 0) {
				r = -errno;
				close(fd);
				goto out;
			}
		} else if (fd >= 0) {
			st.st_mode = S_IFREG;	/* opened as asked, and not a link */
		} else if ((errno == ELOOP || errno == ENOTDIR || errno == EMLINK) && host_is_link(fds[depth], comp)) {
			st.st_mode = S_IFLNK;
		} else {
			r = -errno;
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t l;

			if (fd >= 0)
				close(fd);
			if (how == HOST_NOLINKS || ++hops > MAX_HOPS) {
				r = -ELOOP;
				goto out;
			}
			l = readlinkat(fds[depth], comp, link, sizeof(link) - 1);
			if (l < 0) {
				r = -errno;
				goto out;
			}
			link[l] = '\0';
			{
				char next[2 * PATH_MAX];

				if ((size_t)snprintf(next, sizeof(next), "%s/%s", link, p) >= sizeof(next)) {
					r = -ENAMETOOLONG;
					goto out;
				}
				memcpy(todo, next, sizeof(todo));
			}
			p = todo;
			if (link[0] == '/')
				while (depth > 0)
					close(fds[depth--]);
			done[off[depth]] = '\0';
			continue;
		}
		if (last) {
			r = fd;
			if (resolved)
				snprintf(resolved, size, "%s/%s", done, comp);
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			r = -ENOTDIR;
			goto out;
		}
		if (depth == MAX_DEPTH || off[depth] + n + 2 > sizeof(done)) {
			close(fd);
			r = -ENAMETOOLONG;
			goto out;
		}
		fds[++depth] = fd;
		off[depth] = off[depth - 1] + n + 1;
		snprintf(done + off[depth - 1], sizeof(done) - off[depth - 1], "/%s", comp);
	}
out:
	if (r >= 0 && resolved && !resolved[0])
		snprintf(resolved, size, "%s", done[0] ? done : "/");
	while (depth > 0)
		close(fds[depth--]);
	return r;
}

int host_openat(struct host *h, const char *path, int flags, mode_t mode, enum host_how how, char *resolved,
		size_t size)
{
	if (resolved && size)
		resolved[0] = '\0';
	if (how == HOST_NOLINKS && !h->no_openat2) {
		struct open_how oh = {
			.flags = (unsigned long long)(flags | O_CLOEXEC),
			/* O_TMPFILE includes O_DIRECTORY's bit: a plain directory
			 * open must pass no mode, or openat2 says EINVAL */
			.mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		long fd = syscall(SYS_openat2, h->root_fd, path, &oh, sizeof(oh));

		if (fd >= 0 || errno != ENOSYS) {
			if (fd >= 0 && resolved)
				snprintf(resolved, size, "%s", path);
			return fd >= 0 ? (int)fd : -errno;
		}
		h->no_openat2 = true;
	}
	return walk(h, path, flags, mode, how, resolved, size);
}

int host_openat_in(struct host *h, int dirfd, const char *dir, const char *name, int flags, mode_t mode,
		   enum host_how how, char *resolved, size_t size, struct stat *st)
{
	char path[PATH_MAX];
	struct stat own;
	int fd;

	if (!st)
		st = &own;
	/* the common case: a plain name that is no link */
	if (!strchr(name, '/') && strcmp(name, "..") != 0) {
		fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
		/* O_PATH|O_NOFOLLOW opens a link itself: that is no answer */
		if (fd >= 0 && (fstat(fd, st) < 0 || S_ISLNK(st->st_mode))) {
			close(fd);
			fd = -1;
			errno = ELOOP;
		}
		if (fd >= 0 || !((errno == ELOOP || errno == ENOTDIR || errno == EMLINK) && host_is_link(dirfd, name))) {
			if (fd >= 0 && resolved)
				snprintf(resolved, size, "%s/%s", strcmp(dir, "/") ? dir : "", name);
			return fd >= 0 ? fd : -errno;
		}
		if (how == HOST_NOLINKS)
			return -ELOOP;
	}
	/* a link (or a path): walked from the root, where ".." may lead */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = host_openat(h, path, flags, mode, how, resolved, size);
	if (fd >= 0 && fstat(fd, st) < 0) {
		close(fd);
		fd = -errno;
	}
	return fd;
}

int host_mkdirs(struct host *h, const char *path)
{
	char comp[NAME_MAX + 1];
	const char *p = path;
	int cur = h->root_fd, r;

	for (;;) {
		const char *end;
		size_t n;
		int fd;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n > NAME_MAX || (n <= 2 && p[0] == '.' && (n == 1 || p[1] == '.'))) {
			r = n > NAME_MAX ? -ENAMETOOLONG : -EINVAL;
			goto fail;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p = end;
		fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
				r = -errno;
				goto fail;
			}
			fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		}
		if (fd < 0) {
			r = errno == ENOTDIR && host_is_link(cur, comp) ? -ELOOP : -errno;
			goto fail;
		}
		if (cur != h->root_fd)
			close(cur);
		cur = fd;
	}
	r = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = r < 0 ? -errno : r;
fail:
	if (cur != h->root_fd)
		close(cur);
	return r;
}

enum fd_verdict fd_check(int fd, struct stat *st)
{
	struct stat own;

	if (!st)
		st = &own;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode))
		return FD_NOT_REGULAR;
	/* root's files, or the caller's own (an image under --root) */
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return FD_FOREIGN_OWNER;
	if (st->st_nlink != 1)
		return FD_LINKED;
	return FD_OK;
}

int fd_reopen_regular(int pathfd, int flags)
{
	struct stat st;

	if (fstat(pathfd, &st) < 0) {
		int e = -errno;

		close(pathfd);
		return e;
	}
	return fd_reopen_checked(pathfd, &st, flags);
}

int fd_reopen_checked(int pathfd, const struct stat *st, int flags)
{
	char self[64];
	int fd;

	if (!S_ISREG(st->st_mode)) {
		close(pathfd);
		return -EINVAL;
	}
	/* the descriptor's own name: the file already checked, not a path
	 * that could have changed since */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pathfd);
	fd = open(self, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	fd = fd < 0 ? -errno : fd;
	close(pathfd);
	return fd;
}

int fd_read_all(int fd, size_t max, char **text, size_t *len)
{
	struct stat st;

	*text = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	return fd_read_sized(fd, &st, max, text, len);
}

int fd_read_sized(int fd, const struct stat *st, size_t max, char **text, size_t *len)
{
	size_t cap, n = 0;
	char *buf;

	*text = NULL;
	*len = 0;
	if (S_ISREG(st->st_mode) && (size_t)st->st_size > max)
		return -EFBIG;
	/* one read past the size tells the end; proc files say 0: start
	 * small and grow */
	cap = S_ISREG(st->st_mode) && st->st_size > 0 ? (size_t)st->st_size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t got;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		/* a regular file read short of what was asked is at its end */
		if (S_ISREG(st->st_mode) && st->st_size > 0 && n < cap)
			break;
	}
	if (n > max) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}
