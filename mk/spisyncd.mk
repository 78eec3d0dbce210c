# spisync -- spisyncd, the host daemon (hostd/spisyncd/): IKEv2, invalid-SPI
# recovery, the card's event ring, the control socket. Every
# hostd/spisyncd/*.c is part of it.
#
#   $(BUILD)/bin/spisyncd           the daemon, linked with libspisync
#                                   ($(BUILD)/lib/libspisync.a, mk/driver.mk)
#   $(BUILD)/tests/spisyncd.san     the same with ASan/UBSan (its tests run it)
#   $(BUILD)/tests/test_net         cmocka tests of the IKE sockets (net.c)
#   $(BUILD)/tests/test_net.plain   the same, uninstrumented, for valgrind
#   tests/daemon/test_spisyncd.py   the daemon against spisync-sim --socket:
#                                   miss lines, flows, floods, SIGHUP, exit
#   make spisyncd-test              this fragment's part of `make test`
#
# While the daemon's parts are written, a development build may replace the
# unfinished ones: make SPISYNCD_SRCS="..." SPISYNCD_EXTRA_OBJS="..."
# (uninstrumented objects built elsewhere; the product build uses neither).

SPISYNCD_DIR  := hostd/spisyncd
SPISYNCD_SRCS ?= $(sort $(wildcard $(SPISYNCD_DIR)/*.c))
SPISYNCD_EXTRA_OBJS ?=
SPISYNCD_H    := $(wildcard $(SPISYNCD_DIR)/*.h) driver/spisync.h hw/gen/spisync_hw.h
SPISYNCD_INC  := -I$(SPISYNCD_DIR) -Idriver -Ihw/gen
SPISYNCD_LIBS := $(shell pkg-config --libs inih json-c 2>/dev/null || echo -linih -ljson-c) -lcrypto

SPISYNCD_TEST_SRCS := tests/unit/test_net.c

# Objects in a directory of their own: the daemon's parts have fragments of
# their own (their tests) with rules for $(BUILD)/obj/{san,opt}/...; the
# flags are the same.
SPISYNCD_OBJ := $(BUILD)/obj/spisyncd
sd_san = $(patsubst %.c,$(SPISYNCD_OBJ)/san/%.o,$1)
sd_opt = $(patsubst %.c,$(SPISYNCD_OBJ)/opt/%.o,$1)

$(SPISYNCD_OBJ)/san/%.o: %.c $(SPISYNCD_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(SPISYNCD_INC) -c -o $@ $<

$(SPISYNCD_OBJ)/opt/%.o: %.c $(SPISYNCD_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SPISYNCD_INC) -c -o $@ $<

$(BUILD)/bin/spisyncd: $(call sd_opt,$(SPISYNCD_SRCS)) $(BUILD)/lib/libspisync.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) $(SPISYNCD_EXTRA_OBJS) $(BUILD)/lib/libspisync.a \
		$(LIBSPISYNC_LIBS) $(SPISYNCD_LIBS)

# with ASan/UBSan, for the daemon's tests (libspisync's own san objects)
$(BUILD)/tests/spisyncd.san: $(call sd_san,$(SPISYNCD_SRCS)) \
		$(LIBSPISYNC_SAN_OBJS) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $(filter %.o,$^) $(SPISYNCD_EXTRA_OBJS) $(LIBSPISYNC_LIBS) $(SPISYNCD_LIBS)

# net.c alone (and its clock): it needs nothing else of the daemon
$(BUILD)/tests/test_net: $(call sd_san,$(SPISYNCD_TEST_SRCS) $(SPISYNCD_DIR)/net.c $(SPISYNCD_DIR)/clock.c) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_net.plain: $(call sd_opt,$(SPISYNCD_TEST_SRCS) $(SPISYNCD_DIR)/net.c $(SPISYNCD_DIR)/clock.c) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka

SPISYNCD_BINS := $(BUILD)/bin/spisyncd $(BUILD)/tests/spisyncd.san \
                 $(BUILD)/tests/test_net $(BUILD)/tests/test_net.plain

# the daemon test drives the card through spisync-sim --socket (mk/simtool.mk,
# mk/server.mk) and reads flows with spisyncctl (mk/ctl.mk)
SPISYNCD_TEST_DEPS := $(SPISYNCD_BINS) $(BUILD)/tests/spisync-sim.san $(BUILD)/bin/spisyncctl

SPISYNCD_TEST_CMDS := \
  "unit: spisyncd IKE sockets: non-ESP marker, keepalives, pktinfo, short datagrams (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_net" \
  "unit: spisyncd IKE sockets (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_net.plain" \
  "spisyncd against spisync-sim --socket: INV_SPI lines, flows, spoofed flood, SIGHUP, SIGTERM (ASan/UBSan)" \
  "$(if $(SEED),SEED=$(SEED) ,)python3 tests/daemon/test_spisyncd.py --daemon $(BUILD)/tests/spisyncd.san --sim $(BUILD)/tests/spisync-sim.san --ctl $(BUILD)/bin/spisyncctl"

TEST_BINS += $(SPISYNCD_BINS)
TEST_CMDS += $(SPISYNCD_TEST_CMDS)

# this fragment's part of `make test` alone
spisyncd-test: $(SPISYNCD_TEST_DEPS)
	@tools/run-tests.sh $(SPISYNCD_TEST_CMDS)

.PHONY: spisyncd-test
