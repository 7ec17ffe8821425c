// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper: stands in for journald.
 *
 *   journal-listen SOCKET OUT COUNT SECONDS
 *
 * Binds a datagram socket at SOCKET (in a private mount namespace, the
 * journal's own path), receives up to COUNT datagrams in the journal's
 * native protocol (KEY=value lines) or until SECONDS pass, and writes each
 * to OUT followed by a line "--". Creates SOCKET.ready once bound.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char ready[sizeof(addr.sun_path) + 8];
	static char buf[1 << 20];
	int fd, count, seconds, got = 0;
	FILE *out, *r;
	time_t end;

	if (argc != 5) {
		fprintf(stderr, "usage: %s SOCKET OUT COUNT SECONDS\n", argv[0]);
		return 2;
	}
	count = atoi(argv[3]);
	seconds = atoi(argv[4]);
	if (strlen(argv[1]) >= sizeof(addr.sun_path))
		return 2;
	strcpy(addr.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror(argv[1]);
		return 1;
	}
	out = fopen(argv[2], "we");
	if (!out)
		return 1;
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	r = fopen(ready, "we");
	if (r)
		fclose(r);
	end = time(NULL) + seconds;
	while (got < count && time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recv");
			return 1;
		}
		fwrite(buf, 1, (size_t)n, out);
		if (n && buf[n - 1] != '\n')
			fputc('\n', out);
		fputs("--\n", out);
		fflush(out);
		got++;
	}
	fclose(out);
	return got == count ? 0 : 3;
}
