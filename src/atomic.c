// SPDX-License-Identifier: GPL-2.0-or-later
/* Whole-file replacement, in the manner of OpenBSD signify: create
 * exclusively, never follow a link, rename into place, unlink on failure
 * keeping errno. */
#include "atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_SUFFIX ".fintune-tmp-"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void temp_name(char *buf, size_t size, const char *name)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)buf;
	snprintf(buf, size, ".%s" TMP_SUFFIX "%016llx", name, (unsigned long long)r);
}

int atomic_write(const char *dir, const char *name, const char *text, size_t len, mode_t mode, bool *replaced)
{
	char tmp[512];
	int dfd, fd = -1, r = 0;

	if (replaced)
		*replaced = false;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return -errno;
	for (int tries = 0; tries < 8; tries++) {
		temp_name(tmp, sizeof(tmp), name);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	/* exactly this mode, whatever the umask */
	if (fchmod(fd, mode & 0777) < 0 || (r = write_all(fd, text, len)) < 0 || fsync(fd) < 0) {
		r = r < 0 ? r : -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto fail;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, name) < 0) {
		r = -errno;
		goto fail;
	}
	if (replaced)
		*replaced = true;
	/* the rename itself must survive a crash */
	r = fsync(dfd) < 0 ? -errno : 0;
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
out:
	close(dfd);
	return r;
}

int atomic_remove(const char *dir, const char *name)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), r = 0;

	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		r = -errno;
	else if (fsync(dfd) < 0)
		r = -errno;
	close(dfd);
	return r;
}

void atomic_cleanup(const char *dir, const char *name)
{
	char prefix[512];
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	snprintf(prefix, sizeof(prefix), ".%s" TMP_SUFFIX, name);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int atomic_read_existing(const char *dir, const char *name, size_t max, enum existing *what, char **text,
			 size_t *len)
{
	int dfd, fd, r = 0;
	struct stat st;
	char *buf = NULL;
	size_t n = 0;

	*what = EXISTING_NONE;
	*text = NULL;
	*len = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			r = 0;
		else if (errno == ELOOP)
			*what = EXISTING_SYMLINK;
		else
			r = -errno;
		goto out;
	}
	/* the checks are on the opened file, not on the name */
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		*what = EXISTING_OTHER;
		goto out_fd;
	}
	/* root's files, or the caller's own (an image under --root) */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*what = EXISTING_FOREIGN_OWNER;
		goto out_fd;
	}
	if ((size_t)st.st_size > max) {
		r = -EFBIG;
		goto out_fd;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out_fd;
	}
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, buf + n, (size_t)st.st_size - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got < 0 ? -errno : 0;
			break;
		}
		n += (size_t)got;
	}
	if (r < 0) {
		free(buf);
		goto out_fd;
	}
	buf[n] = '\0';
	*what = EXISTING_FILE;
	*text = buf;
	*len = n;
out_fd:
	close(fd);
out:
	close(dfd);
	return r;
}

int make_dirs(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
