/*
 * spisync tests -- scratch directory trees (a fake /sys, lock and library
 * directories under a mkdtemp root) and the message check of the backend
 * tests (tests/unit/test_backend_pci.c, test_backend_xrt.c), one copy.
 * Include after <cmocka.h>, in a file compiled with _GNU_SOURCE (nftw).
 */
#ifndef SPISYNC_TEST_TREE_H
#define SPISYNC_TEST_TREE_H

#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir of the printf-style path (mode 0755); fails the test if it fails. */
static inline void make_dir(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static inline void make_dir(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	assert_int_equal(mkdir(path, 0755), 0);
}

static inline int remove_tree_entry(const char *path, const struct stat *st,
    int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes root and everything below it, depth first, without following
 * links (a test's scratch tree; best effort, as teardown needs). */
static inline void remove_tree(const char *root)
{
	nftw(root, remove_tree_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Fails the test unless part occurs in s. */
static inline void assert_contains(const char *s, const char *part)
{
	if (strstr(s, part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

#endif
