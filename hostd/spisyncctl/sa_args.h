/*
 * spisyncctl -- the arguments of `sa add` and `sa del`, into what the
 * driver takes (struct spisync_sa) or an exact error. No card involved.
 *
 *   sa add spi SPI dst ADDR aead [rfc4106(gcm(aes))] (KEYSALT | key-file PATH)
 *          ICVBITS [esn] [mode tunnel|transport|auto]
 *          [encap espinudp SPORT DPORT] [soft-bytes N] [hard-bytes N]
 *          [soft-packets N] [hard-packets N] [soft-time S] [hard-time S]
 *   sa del (spi SPI | index N)
 *
 * KEYSALT is the RFC 4106 key||salt in hex as `ip xfrm state add ... aead
 * 'rfc4106(gcm(aes))' 0x... 128` takes it: 20 bytes (AES-128) or 36
 * (AES-256), "0x" optional. key-file PATH reads the same hex from a file,
 * so the key is not in the process list. Numbers are decimal or 0x hex.
 */
#ifndef SPISYNCCTL_SA_ARGS_H
#define SPISYNCCTL_SA_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spisync.h"

/* argv[0..argc-1]: the words after "sa add". 0 and *sa filled in (every
 * field set; mode auto unless given); *key_arg is the index in argv of the
 * hex key given on the command line (-1 for key-file), for the caller to
 * overwrite. -1 with the error in err and *sa cleansed. */
int sa_args_add(int argc, char *const argv[], struct spisync_sa *sa,
    int *key_arg, char *err, size_t errlen);

struct sa_del_args {
	bool by_spi;
	uint32_t spi;
	uint32_t index;
};

/* argv[0..argc-1]: the words after "sa del". 0 or -1 with err. */
int sa_args_del(int argc, char *const argv[], struct sa_del_args *out,
    char *err, size_t errlen);

/* The key||salt hex of text[0..len-1] (surrounding white space allowed)
 * into sa->key, key_len and salt. what names it in errors. 0 or -1 (sa's
 * key and salt cleansed). */
int sa_args_keysalt(const char *text, size_t len, const char *what,
    struct spisync_sa *sa, char *err, size_t errlen);

/* Read the key||salt hex from the file at path (a regular file of at most
 * 1 kB), as sa_args_keysalt. The buffer is cleansed. 0 or -1 with err. */
int sa_args_key_file(const char *path, struct spisync_sa *sa, char *err,
    size_t errlen);

#endif
