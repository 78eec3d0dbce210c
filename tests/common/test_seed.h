/*
 * spisync tests -- the `--seed N` argument of the cmocka test programs, one
 * copy. Without it the seed comes from the clock and the process id (two
 * runs started in the same second differ); the program prints the seed so a
 * failure can be replayed.
 */
#ifndef SPISYNC_TEST_SEED_H
#define SPISYNC_TEST_SEED_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* 0 and *seed set, or -1 with the usage printed to stderr. */
static inline int test_seed_from_args(int argc, char **argv,
    unsigned long long *seed)
{
	*seed = (unsigned long long)time(NULL) ^
	    ((unsigned long long)getpid() << 32);
	for (int i = 1; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "--seed") != 0 || i + 1 >= argc)
			goto usage;
		errno = 0;
		*seed = strtoull(argv[++i], &end, 0);
		if (errno != 0 || end == argv[i] || *end != '\0')
			goto usage;
	}
	printf("%s: seed %llu (replay with --seed %llu)\n", argv[0], *seed,
	    *seed);
	return 0;
usage:
	fprintf(stderr, "usage: %s [--seed N]\n", argv[0]);
	return -1;
}

#endif
