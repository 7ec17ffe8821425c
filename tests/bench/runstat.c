// SPDX-License-Identifier: GPL-2.0-or-later
/* runstat RESULT SECONDS CMD...: run CMD in its own process group, kill the
 * group after SECONDS; RESULT gets "wall user sys maxrss_kib status". */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out, stopped;
static pid_t child;

/* the time limit, or an interrupt: the whole group goes */
static void on_signal(int sig)
{
	if (sig == SIGALRM)
		timed_out = 1;
	else
		stopped = sig;
	if (child > 0)
		kill(-child, SIGKILL);
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	struct sigaction sa = { .sa_handler = on_signal };
	int status;
	FILE *out;

	if (argc < 4)
		return 125;
	out = fopen(argv[1], "w");
	if (!out)
		return 125;
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	child = fork();
	if (child < 0)
		return 125;
	if (child == 0) {
		setpgid(0, 0);
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	setpgid(child, child);
	alarm((unsigned)strtoul(argv[2], NULL, 10));
	while (wait4(child, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return 125;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	fprintf(out, "%.6f %.6f %.6f %ld ",
		(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
	if (timed_out)
		fprintf(out, "timeout\n");
	else if (WIFEXITED(status))
		fprintf(out, "%d\n", WEXITSTATUS(status));
	else
		fprintf(out, "%d\n", 128 + WTERMSIG(status));
	if (fclose(out))
		return 125;
	return stopped ? 128 + stopped : 0;
}
