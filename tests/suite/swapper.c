// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: races path resolution.
 *
 *   swapper A B SECONDS
 *
 * Exchanges the names A and B (renameat2 RENAME_EXCHANGE: atomic, either
 * may be a directory or a symlink) as fast as it can, until SECONDS pass
 * (at most 60) or it gets SIGTERM, SIGINT or SIGHUP. It always makes at
 * least one exchange and stops after an even number of them, so A and B
 * are left as it found them. Exit 0; 77 when the filesystem (or the
 * kernel) cannot exchange names, so a test can skip; 1 on another error,
 * 2 on a usage error. The number of exchanges goes to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int exchange(const char *a, const char *b)
{
	/* the raw system call: older glibc has no renameat2() wrapper */
	return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	unsigned long long n = 0;
	double end;
	char *tail;
	long seconds;

	if (argc != 4) {
		fprintf(stderr, "usage: %s A B SECONDS\n", argv[0]);
		return 2;
	}
	seconds = strtol(argv[3], &tail, 10);
	if (*argv[3] == '\0' || *tail != '\0' || seconds < 0) {
		fprintf(stderr, "%s: SECONDS must be a whole number: %s\n", argv[0], argv[3]);
		return 2;
	}
	if (seconds > 60)
		seconds = 60;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (exchange(argv[1], argv[2]) < 0) {
		int e = errno;

		fprintf(stderr, "%s: cannot exchange %s and %s: %s\n", argv[0], argv[1], argv[2], strerror(e));
		return e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == ENOTSUP ? 77 : 1;
	}
	n = 1;
	end = now() + (double)seconds;
	for (;;) {
		/* stop only after an even count: A and B as they were */
		if ((n & 1) == 0 && (stop || ((n & 0xff) == 0 && now() >= end)))
			break;
		if (exchange(argv[1], argv[2]) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: exchange %llu of %s and %s: %s\n", argv[0], n + 1, argv[1], argv[2],
				strerror(errno));
			return 1;
		}
		n++;
		/* with SECONDS 0: one exchange and back */
		if (seconds == 0 && n == 2)
			break;
	}
	fprintf(stderr, "%s: %llu exchanges\n", argv[0], n);
	return 0;
}
