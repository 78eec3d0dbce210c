/*
 * spisync-sim server -- what the card's two network descriptors, the port
 * (wire.c, AF_PACKET) and the TAP (tap.c), do alike: close, and judge one
 * frame's send.
 */
#ifndef SPISYNC_FRAME_FD_H
#define SPISYNC_FRAME_FD_H

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/* Closes *fd if it is open and marks it closed (-1). */
static inline void frame_fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * n, what write or sendto returned for a frame of len bytes (after its
 * EINTR retries): 0 if the whole frame went, else -1 with errno (EIO for
 * a partial send: a frame is never sent in pieces).
 */
static inline int frame_fd_sent(ssize_t n, size_t len)
{
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

#endif
