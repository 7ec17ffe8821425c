// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fintune: advise on and apply the kernel settings of the TCP close path.
 * One file per command (validate.c, ...); this one dispatches.
 */
#include "common.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FINTUNE_VERSION
#define FINTUNE_VERSION "unknown"
#endif

static const struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *args;
	const char *summary;
	const char *help;	/* the options and details `fintune help NAME` shows */
} commands[] = {
	{ "validate", validate_main, "PROFILE... | --schema SCHEMA DOC...",
	  "check profiles against the schema and for consistency",
	  "Checks each PROFILE (a built-in or local profile name, or a path) against\n"
	  "the profile schema, follows its extends: chain, checks what the schema\n"
	  "cannot (port range order, tcp_tw_reuse without timestamps), and reports\n"
	  "every pin `plan` would refuse on this kernel (/proc/sys, under --root).\n"
	  "Every problem is reported as FILE:LINE:COL: /json/pointer: message.\n"
	  "\n"
	  "With --schema, checks any YAML or JSON DOC against any JSON Schema\n"
	  "(draft 2020-12) file instead.\n"
	  "\n"
	  "  --schema SCHEMA      validate DOCs against SCHEMA, not profiles\n"
	  "  --format text|json   output format (json: one object on stdout)\n"
	  "  --root DIR           read local profiles from DIR/etc/fintune/profiles\n"
	  "                       and the kernel's values from DIR/proc/sys\n"
	  "  --kernel RELEASE     an offline image's kernel, when its /lib/modules\n"
	  "                       does not say (the facts: keys, ranges, defaults)\n"
	  "  -q, --quiet          nothing on stdout: the exit status is the answer\n"
	  "  -v, --verbose        also print the merged workload and pins, each with\n"
	  "                       the file:line:col it comes from\n"
	  "  --color auto|always|never   colour problems on a terminal\n"
	  "\n"
	  "Exit status: 0 all valid, 1 a problem was found.\n" },
	{ "plan", plan_main, "PROFILE",
	  "recommended values for a profile, with the reasons",
	  "Loads PROFILE, reads the running kernel's values under /proc/sys (under\n"
	  "--root), and prints, for every key of the close path, the running and the\n"
	  "proposed value, whether it changes, its scope and the memory it lets the\n"
	  "close path pin; then why each value, then warnings. Nothing is written.\n"
	  "\n"
	  "  --drop-in NAME           the drop-in's name in /etc/sysctl.d, for the\n"
	  "                           effective values (default 60-fintune.conf)\n"
	  "  -o, --output FILE        also save the plan (JSON) for `apply --plan FILE`:\n"
	  "                           apply plans it again and refuses if the file was\n"
	  "                           edited or the system changed since\n"
	  "  --format text|json|dot   text for people; one JSON object; or the close-\n"
	  "                           state machine with this plan's values, for Graphviz\n"
	  "  --root DIR               read DIR/proc/sys and DIR/etc instead of the host's\n"
	  "  --kernel RELEASE         plan an offline image (no DIR/proc/sys) with the\n"
	  "                           facts of that kernel; default: the newest in the\n"
	  "                           image's /lib/modules\n"
	  "  --color auto|always|never\n"
	  "  -q, --quiet              nothing on stdout in text (errors still on stderr)\n"
	  "  -v, --verbose            also the workload, each value with its origin\n"
	  "\n"
	  "Exit status: 0 planned, 1 error or a pin fintune refuses.\n" },
	{ "diff", diff_main, "PROFILE",
	  "the dry run: the drop-in diff and the values that would change",
	  "Shows what `apply` would do, and writes nothing: the unified diff between\n"
	  "fintune's drop-in on disk and the one it would write, then a table of every\n"
	  "key (running value, configured value, proposed value, the value in force\n"
	  "after all sysctl.d files, and the file:line that configures it now), then\n"
	  "warnings: a later file that shadows fintune's drop-in (with the remedy),\n"
	  "where procps `sysctl --system` would end differently from systemd-sysctl,\n"
	  "and malformed lines in other files. Where `apply` would refuse (a file\n"
	  "fintune did not write in its place, its own drop-in edited, a symlink below\n"
	  "the root, a damaged state), diff says why and exits 1, as apply does.\n"
	  "\n"
	  "  --drop-in NAME       the drop-in's file name in /etc/sysctl.d\n"
	  "                       (default 60-fintune.conf)\n"
	  "  --format text|json   output format\n"
	  "  --root DIR           read DIR/etc, DIR/run, DIR/usr and DIR/proc/sys\n"
	  "  --kernel RELEASE     an offline image's kernel (default: the newest in\n"
	  "                       its /lib/modules)\n"
	  "  --color auto|always|never\n"
	  "  -q, --quiet          nothing on stdout: the exit status is the answer\n"
	  "  -v, --verbose        also the merged workload, each value with its origin\n"
	  "\n"
	  "Exit status: 0 nothing would change, 2 something would, 1 apply would\n"
	  "refuse, or an error.\n" },
	{ "apply", apply_main, "PROFILE | --plan FILE",
	  "write the drop-in and set the live values, or restore them all on failure",
	  "Takes the lock, reads the system once and plans (a reviewed plan is planned\n"
	  "again and must match), prints the plan's warnings, and refuses where `diff`\n"
	  "does. Then it writes fintune's drop-in atomically (a temporary file in the\n"
	  "same directory, fsync, rename, fsync of the directory, mode 0644; never\n"
	  "through a symlink, never over a file fintune did not write), then sets\n"
	  "each changed live value under /proc/sys and reads it back. Any failure\n"
	  "restores every live value and the file it had changed, and exits 1 naming\n"
	  "the key and the reason. In sync:\n"
	  "nothing is written at all. What was replaced is kept, one record per\n"
	  "apply, in /var/lib/fintune/state.json for `fintune rollback`; every change\n"
	  "is a journal record (MESSAGE_ID=" "8b2f5a0d6c3e4f1b9a7d2e5c0f4b8a16" ").\n"
	  "\n"
	  "  --check              say what would change and exit 2 (0 when in sync);\n"
	  "                       writes nothing, needs no root\n"
	  "  --plan FILE          apply exactly the plan `fintune plan --output FILE`\n"
	  "                       saved; refuse if it was edited or the system drifted\n"
	  "  --no-live            write the drop-in only; live values are left\n"
	  "  --drop-in NAME       the drop-in's name in /etc/sysctl.d\n"
	  "  --reload             then restart systemd-sysctl.service (systemd as PID 1;\n"
	  "                       not with --root)\n"
	  "  --format text|json   output format\n"
	  "  --root DIR           apply to the tree below DIR (no root needed for it)\n"
	  "  --kernel RELEASE     an offline image's kernel (default: the newest in\n"
	  "                       its /lib/modules): no key it lacks is written\n"
	  "  -q, --quiet          nothing on stdout: the exit status is the answer\n"
	  "\n"
	  "Exit status: 0 applied or in sync, 1 refused or error (nothing left half-changed),\n"
	  "2 (--check) changes pending.\n" },
	{ "rollback", rollback_main, "",
	  "undo the newest apply; run again for the one before",
	  "Undoes the newest apply recorded in /var/lib/fintune/state.json: fintune's\n"
	  "drop-in as it was before it (or removed when there was none) and the live\n"
	  "values it replaced. Applies stack up (32 are kept), so rolling back until\n"
	  "there is nothing left returns the system to how it was before fintune.\n"
	  "Each change is a journal record. All or nothing: a drop-in edited since, or\n"
	  "one that cannot be put back, means no live value changes either; the\n"
	  "record is kept, and running rollback again when fixed finishes the job.\n"
	  "\n"
	  "  --format text|json   output format\n"
	  "  --root DIR           roll back the tree below DIR\n" },
	{ "status", status_main, "",
	  "the close path now: sockets, limits, counters, findings; what fintune applied",
	  "Counts the TCP sockets of this network namespace per state (over\n"
	  "NETLINK_SOCK_DIAG; not under --root), with the destination whose TIME_WAIT\n"
	  "holds the most ephemeral ports and the processes holding CLOSE_WAIT; the\n"
	  "counts of sockstat against tcp_max_tw_buckets and tcp_max_orphans; the\n"
	  "close-path counters (TcpExt, Tcp) since boot. Then which profile fintune\n"
	  "applied, whether the drop-in and the live values still match it (DRIFT),\n"
	  "and any key a later sysctl.d file overrides (NOT IN FORCE AFTER BOOT).\n"
	  "Last the findings, each with a stable FT-* identifier (fintune(8)).\n"
	  "\n"
	  "  --interval SECONDS   also each counter's growth and rate over SECONDS\n"
	  "  --suggest            print a site profile of the traffic measured over\n"
	  "                       --interval instead (YAML; then: fintune plan FILE)\n"
	  "  --format text|json|prometheus   output format (prometheus: for\n"
	  "                       node_exporter's textfile collector)\n"
	  "  --root DIR           the tree below DIR (no census there)\n"
	  "\n"
	  "Exit status: 0 in sync (or nothing applied), 2 drift or a key not in force\n"
	  "after boot, 1 error. Findings do not change it.\n" },
	{ "explain", explain_main, "[KEY|STATE|TOPIC]",
	  "what a setting or a TCP close state does, and its traps",
	  "Without an argument, lists the keys, states and topics and answers the\n"
	  "questions admins ask most. With one, explains it: what it governs, what it\n"
	  "does not, its default and range on this kernel, its running value, and\n"
	  "its traps. KEY may be dotted (net.ipv4.tcp_tw_reuse) or short (tw_reuse).\n"
	  "\n"
	  "  --root DIR           read DIR/proc/sys for the kernel's values\n"
	  "  --kernel RELEASE     the facts of that kernel, for an offline image\n"
	  "  --format text|json   output format\n" },
	{ "profiles", profiles_main, "",
	  "list the built-in and local profiles",
	  "Lists the built-in profiles and the local ones in /etc/fintune/profiles\n"
	  "(under --root), with where each comes from and its description. A local\n"
	  "profile with a built-in's name is used instead of the built-in.\n"
	  "\n"
	  "  --format text|json   output format\n"
	  "  --root DIR           read local profiles from DIR/etc/fintune/profiles\n" },
};

static void print_usage(FILE *f)
{
	fprintf(f, "Usage: fintune COMMAND [OPTIONS] [ARGS]\n\n"
		   "Advises on and applies the kernel settings of the TCP connection-close path.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-10s %s\n", "help", "show the help of a command");
	fprintf(f, "\nCommon options: --root DIR, --format text|json, --color auto|always|never,\n"
		   "-q/--quiet, -v/--verbose. `fintune help COMMAND` for more;\n"
		   "fintune(8) for the details.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int command_help(const char *cmd)
{
	const struct command *c = find_command(cmd);

	if (strcmp(cmd, "help") == 0) {
		printf("Usage: fintune help [COMMAND]\n\nShows the usage of a command, or lists the commands.\n");
		return EXIT_OK;
	}
	if (!c)
		return EXIT_ERROR;
	printf("Usage: fintune %s%s%s\n\n%s.\n\n%s", c->name, c->args[0] ? " " : "", c->args, c->summary,
	       c->help);
	return EXIT_OK;
}

void common_init(struct common *c, const char *cmd, unsigned formats)
{
	const char *no_color;

	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->root = "";
	c->formats = formats | 1u << FORMAT_TEXT;
	no_color = secure_getenv("NO_COLOR");
	if (no_color && *no_color)
		c->color = COLOR_NEVER;
	/* main() started the report with the command's name and the format
	 * argv asks for; the options confirm or change them */
	report_set_color(c->color);
}

void common_finish(struct common *c)
{
	/* -q means the same everywhere: in text, nothing on standard output
	 * (the exit status is the answer) and no warnings; errors still go to
	 * standard error. JSON and dot, asked for, are printed all the same. */
	if (c->quiet && c->format == FORMAT_TEXT) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

		fflush(stdout);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			close(fd);
		}
	}
}

bool common_parse(struct common *c, int argc, char **argv, int *status)
{
	static const struct option longopts[] = { COMMON_LONGOPTS, { 0 } };
	int opt, r;

	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		r = common_option(c, opt, argv);
		if (r != 0) {
			*status = r == 2 ? EXIT_OK : EXIT_ERROR;
			return false;
		}
	}
	common_finish(c);
	return true;
}

int common_option(struct common *c, int opt, char **argv)
{
	switch (opt) {
	case 'R':
		/* "/" and "" both mean the real root; a trailing slash is dropped. */
		c->root = optarg;
		if (strcmp(optarg, "/") == 0)
			c->root = "";
		if (!*optarg) {
			usage_error(c->cmd, "--root needs a directory");
			return -1;
		}
		/* an existing directory: never one fintune would create (the
		 * commands open it once, and check it again, as a descriptor) */
		if (*c->root) {
			struct stat st;

			if (stat(c->root, &st) < 0 || !S_ISDIR(st.st_mode)) {
				usage_error(c->cmd, "--root %s: %s", c->root,
					    stat(c->root, &st) < 0 ? strerror(errno) : "not a directory");
				return -1;
			}
		}
		return 0;
	case 'F': {
		static const char *const names[] = { [FORMAT_TEXT] = "text", [FORMAT_JSON] = "json",
						     [FORMAT_DOT] = "dot", [FORMAT_PROMETHEUS] = "prometheus" };
		int f = -1;

		for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
			if (strcmp(optarg, names[i]) == 0)
				f = i;
		if (f < 0 || !(c->formats & 1u << f)) {
			char offered[64] = "text";
			int n = 0, k = 0;

			for (int i = 1; i < (int)(sizeof(names) / sizeof(names[0])); i++)
				n += (c->formats >> i) & 1;
			for (int i = 1; i < (int)(sizeof(names) / sizeof(names[0])); i++)
				if (c->formats & 1u << i) {
					k++;
					snprintf(offered + strlen(offered), sizeof(offered) - strlen(offered), "%s%s",
						 k == n ? " or " : ", ", names[i]);
				}
			usage_error(c->cmd, "--format %s is not offered here (expected %s)", optarg, offered);
			return -1;
		}
		c->format = (enum format)f;
		report_set_format(c->format);
		return 0;
	}
	case 'C':
		if (strcmp(optarg, "auto") == 0)
			c->color = COLOR_AUTO;
		else if (strcmp(optarg, "always") == 0)
			c->color = COLOR_ALWAYS;
		else if (strcmp(optarg, "never") == 0)
			c->color = COLOR_NEVER;
		else {
			usage_error(c->cmd, "--color %s: expected auto, always or never", optarg);
			return -1;
		}
		report_set_color(c->color);
		return 0;
	case 'K':
		c->kernel = optarg;
		return 0;
	case 'q':
		c->quiet = true;
		return 0;
	case 'v':
		c->verbose = true;
		return 0;
	case 'h':
		command_help(c->cmd);
		return 2;
	case '?':
		if (optopt)
			usage_error(c->cmd, "unknown option -%c", optopt);
		else
			usage_error(c->cmd, "unknown option %s", argv[optind - 1]);
		return -1;
	case ':':
		usage_error(c->cmd, "option %s needs a value", argv[optind - 1]);
		return -1;
	default:
		return 1;
	}
}

bool use_color(const struct common *c, int fd)
{
	const char *term = secure_getenv("TERM");

	if (c->color == COLOR_ALWAYS)
		return true;
	if (c->color == COLOR_NEVER)
		return false;
	return isatty(fd) && term && strcmp(term, "dumb") != 0;
}

/* The format argv asks for, before any command parses it: a usage error
 * can come before --format on the line (`validate --frob --format json`),
 * and still owes a JSON object. The last --format wins, as in getopt. */
static enum format requested_format(int argc, char **argv)
{
	enum format f = FORMAT_TEXT;

	for (int i = 1; i < argc; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			v = argv[i] + 9;
		if (v)
			f = strcmp(v, "json") == 0 ? FORMAT_JSON : FORMAT_TEXT;
	}
	return f;
}

static int dispatch(int argc, char **argv)
{
	const struct command *c;

	/* what fintune creates (drop-ins, state, lock) is 0644/0755 at most,
	 * whatever the caller's umask; modes are also set exactly where it counts */
	umask(022);
	/* a closed standard descriptor would be the next file opened: the
	 * root's descriptor taken for stdout, a drop-in for stderr */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			return EXIT_ERROR;
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("fintune %s\n", FINTUNE_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc == 2) {
			print_usage(stdout);
			return EXIT_OK;
		}
		if (argc > 3)
			return usage_error("help", "takes one command name");
		if (command_help(argv[2]) != EXIT_OK)
			return usage_error(NULL, "unknown command '%s'", argv[2]);
		return EXIT_OK;
	}
	if (argv[1][0] == '-')
		return usage_error(NULL, "unknown option %s before the command", argv[1]);
	c = find_command(argv[1]);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	report_init(c->name, requested_format(argc, argv));
	/* The command sees its own name as argv[0]. */
	opterr = 0;
	{
		int r = c->main(argc - 1, argv + 1);

		report_finish(r);
		return r;
	}
}

int main(int argc, char **argv)
{
	report_init(NULL, requested_format(argc, argv));
	/* with --format json, a command that failed without its document
	 * still prints one object: {"error": ...} */
	return report_finish(dispatch(argc, argv));
}
