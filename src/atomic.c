// SPDX-License-Identifier: GPL-2.0-or-later
/* Whole-file replacement, in the manner of OpenBSD signify: create
 * exclusively, never follow a link, rename into place, unlink on failure
 * keeping errno. */
#include "atomic.h"
#include "host.h"

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

int atomic_write_at(int dfd, const char *name, const char *text, size_t len, mode_t mode, bool *replaced)
{
	char tmp[512];
	int fd = -1, r = 0;

	if (replaced)
		*replaced = false;
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
	return r;
}

int atomic_write(const char *dir, const char *name, const char *text, size_t len, mode_t mode, bool *replaced)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), r;

	if (replaced)
		*replaced = false;
	if (dfd < 0)
		return -errno;
	r = atomic_write_at(dfd, name, text, len, mode, replaced);
	close(dfd);
	return r;
}

int atomic_remove_at(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	return fsync(dfd) < 0 ? -errno : 0;
}

void atomic_cleanup_at(int dfd, const char *name)
{
	char prefix[512];
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(prefix, sizeof(prefix), ".%s" TMP_SUFFIX, name);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int atomic_read_existing_at(int dfd, const char *name, size_t max, enum existing *what, char **text, size_t *len)
{
	int fd;

	*what = EXISTING_NONE;
	*text = NULL;
	*len = 0;
	fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	{
		struct stat st;

		if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
			close(fd);
			*what = EXISTING_SYMLINK;
			return 0;
		}
	}
	return atomic_read_opened(fd, max, what, text, len);
}

int atomic_read_opened(int fd, size_t max, enum existing *what, char **text, size_t *len)
{
	int r = 0;

	*what = EXISTING_NONE;
	*text = NULL;
	*len = 0;
	/* looked at first: a device or a FIFO is never opened for real */
	fd = fd_reopen_regular(fd, O_RDONLY);
	if (fd == -EINVAL) {
		*what = EXISTING_OTHER;
		return 0;
	}
	if (fd < 0)
		return fd;
	/* the checks are on the opened file, not on the name */
	switch (fd_check(fd, NULL)) {
	case FD_OK:
		r = fd_read_all(fd, max, text, len);
		if (r == 0)
			*what = EXISTING_FILE;
		break;
	case FD_NOT_REGULAR:
		*what = EXISTING_OTHER;
		break;
	case FD_FOREIGN_OWNER:
		*what = EXISTING_FOREIGN_OWNER;
		break;
	case FD_LINKED:
		*what = EXISTING_LINKED;
		break;
	}
	close(fd);
	return r;
}

