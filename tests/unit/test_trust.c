// SPDX-License-Identifier: GPL-2.0-or-later
/* Trust checks on descriptors: the file, then each directory up to "/". */
#include "helpers.h"
#include "trust.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static int make_root(void **state)
{
	(void)state;
	strcpy(root, "/tmp/fintune-trust-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_of(const char *rel)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", root, rel) > 0);
	return p;
}

/* trust_file on rel, opened O_PATH as the profile loader opens it. */
static int check_file(const char *rel, struct trust_problem *p)
{
	char *path = path_of(rel);
	int fd = open(path, O_PATH | O_CLOEXEC), r;

	assert_true(fd >= 0);
	r = trust_file(fd, -1, path, p);
	close(fd);
	free(path);
	return r;
}

static void put(const char *rel, mode_t mode)
{
	char *path = path_of(rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "fintune: 1\n", 11), 11);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

static void test_file_mode(void **state)
{
	struct trust_problem p;
	char msg[PATH_MAX + 96], *want;

	(void)state;
	put("ok.yaml", 0644);
	assert_int_equal(check_file("ok.yaml", &p), 0);
	put("ro.yaml", 0400);
	assert_int_equal(check_file("ro.yaml", &p), 0);
	for (mode_t m = 0; m < 2; m++) {
		put("w.yaml", m ? 0602 : 0620);
		assert_int_equal(check_file("w.yaml", &p), 1);
		assert_int_equal(p.why, TRUST_WRITABLE);
		want = path_of("w.yaml: writable by others: refusing");
		assert_string_equal(trust_message(&p, msg, sizeof(msg)), want);
		free(want);
	}
}

static void test_directories_on_the_way(void **state)
{
	struct trust_problem p;
	char *dir = path_of("a"), *sub = path_of("a/b"), *sticky = path_of("sticky");

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	put("a/b/p.yaml", 0644);
	assert_int_equal(check_file("a/b/p.yaml", &p), 0);
	/* a directory anyone may write, two levels up: named in full */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(check_file("a/b/p.yaml", &p), 1);
	assert_int_equal(p.why, TRUST_WRITABLE);
	assert_string_equal(p.path, dir);
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(check_file("a/b/p.yaml", &p), 1);
	assert_string_equal(p.path, dir);
	/* sticky, and owned by whoever runs this (root or the caller): on
	 * the way it is no threat */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(check_file("a/b/p.yaml", &p), 0);
	assert_int_equal(mkdir(sticky, 0755), 0);
	assert_int_equal(chmod(sticky, 01777), 0);
	put("sticky/p.yaml", 0644);
	assert_int_equal(check_file("sticky/p.yaml", &p), 0);
	/* the directory alone */
	{
		int fd = open(sub, O_PATH | O_DIRECTORY | O_CLOEXEC);

		assert_true(fd >= 0);
		assert_int_equal(trust_dir(fd, &p), 0);
		assert_int_equal(chmod(sub, 0757), 0);
		assert_int_equal(trust_dir(fd, &p), 1);
		assert_string_equal(p.path, sub);
		close(fd);
	}
	free(dir);
	free(sub);
	free(sticky);
}

/* Through a symlink the file checked is the one opened, with its own
 * directories: not the link's. */
static void test_link_leads_to_the_file_checked(void **state)
{
	struct trust_problem p;
	char *open_dir = path_of("open"), *target = path_of("open/p.yaml"), *link = path_of("link.yaml");

	(void)state;
	assert_int_equal(mkdir(open_dir, 0755), 0);
	assert_int_equal(chmod(open_dir, 0777), 0);
	put("open/p.yaml", 0644);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(check_file("link.yaml", &p), 1);
	assert_string_equal(p.path, open_dir);
	free(open_dir);
	free(target);
	free(link);
}

static void test_not_regular(void **state)
{
	struct trust_problem p;

	(void)state;
	assert_int_equal(check_file(".", &p), 1);
	assert_int_equal(p.why, TRUST_NOT_REGULAR);
}

/* Another owner needs root to make: the CLI tests (tests/cli/trust.bats)
 * chown; here only the message. */
static void test_foreign_owner_message(void **state)
{
	struct trust_problem p = { .why = TRUST_FOREIGN_OWNER, .uid = 65534 };
	char msg[PATH_MAX + 96], want[128];

	(void)state;
	snprintf(p.path, sizeof(p.path), "/srv/p.yaml");
	if (geteuid() == 0)
		snprintf(want, sizeof(want), "/srv/p.yaml: owned by uid 65534, not root: refusing");
	else
		snprintf(want, sizeof(want), "/srv/p.yaml: owned by uid 65534, not root or uid %u: refusing",
			 (unsigned)geteuid());
	assert_string_equal(trust_message(&p, msg, sizeof(msg)), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_mode, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_directories_on_the_way, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_link_leads_to_the_file_checked, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_not_regular, make_root, remove_root),
		cmocka_unit_test(test_foreign_owner_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
