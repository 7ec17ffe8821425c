/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FINTUNE_ATOMIC_H
#define FINTUNE_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Files replaced whole or not at all: a temporary file in the same directory
 * (O_CREAT|O_EXCL|O_NOFOLLOW), written, fsynced, renamed over the name, and
 * the directory fsynced. On any failure the temporary file is removed and
 * the old file is untouched. Functions return 0 or -errno and print nothing.
 */

/* Replaces name in the directory dfd with text (mode applied exactly,
 * whatever the umask). The temporary name starts with "." and does not end
 * in ".conf", so no sysctl applier ever reads a half-written file.
 * *replaced (may be NULL) says whether the rename was made: an error after
 * it (the directory's fsync) leaves the new file. */
int atomic_write_at(int dfd, const char *name, const char *text, size_t len, mode_t mode, bool *replaced);
/* The same in the directory at dir (not a symlink), for files outside any
 * --root (plan --output). */
int atomic_write(const char *dir, const char *name, const char *text, size_t len, mode_t mode, bool *replaced);

/* Removes name from dfd and fsyncs the directory; 0 when it was not there. */
int atomic_remove_at(int dfd, const char *name);

/* Removes temporary files a killed run left behind for name in dfd. */
void atomic_cleanup_at(int dfd, const char *name);

/* What is at name in dfd, checked on the opened file (no check-then-open). */
enum existing {
	EXISTING_NONE,		/* nothing there */
	EXISTING_FILE,		/* a regular file; *text holds it */
	EXISTING_SYMLINK,	/* refused: fintune never writes through a link */
	EXISTING_OTHER,		/* a directory, a device, a FIFO: refused */
	EXISTING_FOREIGN_OWNER,	/* owned by neither root nor the caller: refused */
	EXISTING_LINKED,	/* more than one hard link: refused */
};

int atomic_read_existing_at(int dfd, const char *name, size_t max, enum existing *what, char **text, size_t *len);
/* The same for what an O_PATH descriptor (taken) holds, already known to be
 * no symlink: a file opened once and checked by its caller first. */
int atomic_read_opened(int pathfd, size_t max, enum existing *what, char **text, size_t *len);

#endif
