/*
 * spisync-sim server -- the simulated card as the server runs it: the
 * Verilated card with its host memory in a memfd (which clients map, so the
 * card's DMA lands in their memory), and its controller (firmware/fw.h)
 * running on a HAL over the card's registers and CLOCK_MONOTONIC.
 */
#ifndef SPISYNC_SIM_CARD_H
#define SPISYNC_SIM_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card_sim.h"
#include "card_time.h"
#include "fw.h"

struct sim_card {
	int memfd;               /* SIM_PROTO_HOST_MEM_SIZE bytes */
	uint8_t *mem;            /* its shared mapping */
	size_t mem_size;
	struct card_sim *sim;
	struct fw *fw;           /* large: allocated */
	struct card_time *time;  /* synced before the controller writes */
};

/*
 * Create the host memory memfd and map it, build the card of this width
 * over it, reset it and start the controller (fw_init). The card's time is
 * not started here: card_time_start when the server is about to run. 0, or
 * -1 with the reason in err (everything undone).
 */
int sim_card_open(struct sim_card *c, unsigned width, struct card_time *time,
    char *err, size_t errlen);
void sim_card_close(struct sim_card *c);

/*
 * Install every SA of a Wireshark esp_sa table through the controller
 * (fw_sa_add), converted as the offline replay does (sa_entry.h), with
 * natt: UDP-encapsulated on port 4500. No copy of a key is left in this
 * process. 0 and *count, or -1 with "FILE:LINE: reason" in err.
 */
int sim_card_preload(struct sim_card *c, const char *esp_sa, bool natt,
    size_t *count, char *err, size_t errlen);

#endif
