// SPDX-License-Identifier: GPL-2.0-or-later
#include "journal.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define MAX_FIELDS 12

struct fields {
	struct iovec iov[MAX_FIELDS];
	char buf[MAX_FIELDS][1024];
	int n;
};

__attribute__((format(printf, 2, 3)))
static void field(struct fields *f, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (f->n == MAX_FIELDS)
		return;
	va_start(ap, fmt);
	len = vsnprintf(f->buf[f->n], sizeof(f->buf[f->n]), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(f->buf[f->n]))
		len = sizeof(f->buf[f->n]) - 1;
	/* one line per field: values are fintune's own, but keep it so */
	for (int i = 0; i < len; i++)
		if (f->buf[f->n][i] == '\n')
			f->buf[f->n][i] = ' ';
	f->iov[f->n].iov_base = f->buf[f->n];
	f->iov[f->n].iov_len = (size_t)len;
	f->n++;
}

static void send_record(struct audit *a, struct fields *f, const char *line)
{
	struct stat st;
	int r = -1;

	/* sd_journal_send quietly drops records with no journal to take them */
	if (!a->no_journal && stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode))
		r = sd_journal_sendv(f->iov, f->n);
	if (r < 0) {
		if (!a->no_journal)
			fprintf(stderr, "fintune: no journal at %s: audit records go to stderr\n", JOURNAL_SOCKET);
		a->no_journal = true;
		{
			struct strbuf sb;

			/* values from the old drop-in: no control byte to the terminal */
			sb_init(&sb);
			sb_add_printable(&sb, line, strlen(line));
			fprintf(stderr, "fintune: audit: %s\n", sb.s ? sb.s : "(out of memory)");
			sb_free(&sb);
		}
	}
	a->records++;
}

/* The fields every record has. */
static void common_fields(struct fields *f, const struct audit *a, const char *line, const char *record)
{
	field(f, "MESSAGE_ID=%s", FINTUNE_MESSAGE_ID);
	field(f, "MESSAGE=fintune %s", line);
	field(f, "PRIORITY=5");
	field(f, "SYSLOG_IDENTIFIER=fintune");
	field(f, "FINTUNE_ACTION=%s", a->action);
	field(f, "FINTUNE_RECORD=%s", record);
	field(f, "FINTUNE_PROFILE=%s", a->profile);
}

void audit_key(struct audit *a, const char *key, const char *old_value, const char *new_value, const char *what)
{
	struct fields f = { .n = 0 };
	char line[1024];

	snprintf(line, sizeof(line), "%s %s %s: %s -> %s (%s)", a->action, a->profile, key,
		 old_value ? old_value : "(unset)", new_value ? new_value : "(unset)", what);
	common_fields(&f, a, line, "key");
	field(&f, "FINTUNE_KEY=%s", key);
	field(&f, "FINTUNE_OLD=%s", old_value ? old_value : "");
	field(&f, "FINTUNE_NEW=%s", new_value ? new_value : "");
	field(&f, "FINTUNE_TARGET=%s", what);
	send_record(a, &f, line);
}

void audit_summary(struct audit *a, const char *drop_in, unsigned changed, const char *message)
{
	struct fields f = { .n = 0 };
	char line[1024];

	snprintf(line, sizeof(line), "%s %s: %s", a->action, a->profile, message);
	common_fields(&f, a, line, "summary");
	field(&f, "FINTUNE_DROP_IN=%s", drop_in);
	field(&f, "FINTUNE_CHANGED=%u", changed);
	send_record(a, &f, line);
}
