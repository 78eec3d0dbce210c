/*
 * spisync-sim server mode, absent: the replay tool built over a test
 * double of the card (tests/unit/fake_card_sim.c, model_card_sim.c) has no
 * Verilated card and no controller to serve, so --socket is refused there
 * with this message. The real spisync-sim links sim/server/server_main.c.
 */
#include <stdio.h>

#include "server.h"

int sim_server_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "spisync-sim: --socket: this build of spisync-sim runs "
	    "over a test double of the card and has no server mode; use "
	    "build/bin/spisync-sim\n");
	return 2;
}
