# spisync -- spisync-sim's server mode (sim/server/, `spisync-sim --socket`):
# the simulated card running continuously for libspisync's sim: backend.
# The program itself is built in mk/simtool.mk (build/bin/spisync-sim) from
# these sources and the card controller (FW_SRCS of mk/firmware.mk).

SIM_SERVER_SRCS := sim/server/server_main.c sim/server/clients.c \
                   sim/server/dma_pool.c sim/server/frames.c \
                   sim/server/card_time.c sim/server/sim_card.c \
                   sim/server/wire.c sim/server/tap.c $(FW_SRCS)

#   build/tests/test_server_units        cmocka tests of the allocator and the
#                                        card time keeping (ASan/UBSan)
#   build/tests/test_server_units.plain  the same, uninstrumented (valgrind)
#   build/tests/test_server_proto        the socket protocol end to end: runs a
#                                        server and talks to it (ASan/UBSan)
#   build/tests/test_server_proto.plain  the same client, uninstrumented
#   build/tests/spisync-sim.san          spisync-sim with its C built with
#                                        ASan/UBSan (the Verilated model is not)
#   tests/sim/test_server_wire.py        the port and the TAP, as root in
#                                        network namespaces
#   make server-test                     this fragment's part of `make test`
#
# The protocol test runs the ASan server at SERVER_TEST_WIDTH_SAN bits and
# the plain one (build/bin/spisync-sim) at SERVER_TEST_WIDTH bits; with a
# 128-bit-only development build (CARD_WIDTHS=128) set both to 128.

SERVER_TEST_WIDTH_SAN ?= 128
SERVER_TEST_WIDTH     ?= 512

SERVER_UNIT_SRCS := tests/sim/test_server_units.c sim/server/dma_pool.c \
                    sim/server/card_time.c tests/common/prng.c
SERVER_PROTO_SRCS := tests/sim/test_server_proto.c tests/model/frame_build.c \
                     tests/common/gcm_ref.c tests/common/prng.c

$(BUILD)/tests/test_server_units: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SERVER_UNIT_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_server_units.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SERVER_UNIT_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka

$(BUILD)/tests/test_server_proto: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SERVER_PROTO_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(SIMTOOL_LIBS)

$(BUILD)/tests/test_server_proto.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SERVER_PROTO_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(SIMTOOL_LIBS)

# build/tests/spisync-sim.san is built in mk/simtool.mk, beside the tool.

SERVER_TEST_BINS := $(BUILD)/tests/test_server_units $(BUILD)/tests/test_server_units.plain \
                    $(BUILD)/tests/test_server_proto $(BUILD)/tests/test_server_proto.plain \
                    $(BUILD)/tests/spisync-sim.san $(BUILD)/bin/spisync-sim

SERVER_SEED_ARG := $(if $(SEED),--seed $(SEED),)

SERVER_TEST_CMDS := \
  "unit: spisync-sim server: host memory allocator, card time (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_server_units $(SERVER_SEED_ARG)" \
  "unit: spisync-sim server: allocator, card time (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_server_units.plain $(SERVER_SEED_ARG)" \
  "spisync-sim --socket: protocol, host memory, lock, REPLAY into a client's event ring ($(SERVER_TEST_WIDTH_SAN) bits, ASan/UBSan server and client)" \
  "$(BUILD)/tests/test_server_proto $(BUILD)/tests/spisync-sim.san --width $(SERVER_TEST_WIDTH_SAN) $(SERVER_SEED_ARG)" \
  "spisync-sim --socket: the same ($(SERVER_TEST_WIDTH) bits, plain server, client under valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_server_proto.plain $(BUILD)/bin/spisync-sim --width $(SERVER_TEST_WIDTH) $(SERVER_SEED_ARG)" \
  "spisync-sim --port/--tap in network namespaces (root; skipped otherwise)" \
  "$(if $(SEED),SEED=$(SEED) ,)python3 tests/sim/test_server_wire.py $(BUILD)/bin/spisync-sim --width $(SERVER_TEST_WIDTH)"

TEST_BINS += $(SERVER_TEST_BINS)
TEST_CMDS += $(SERVER_TEST_CMDS)

server-test: $(SERVER_TEST_BINS)
	@tools/run-tests.sh $(SERVER_TEST_CMDS)

.PHONY: server-test
