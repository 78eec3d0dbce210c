# spisync -- `make bench` figures for spisyncd (tools/bench-daemon.sh, run by
# tools/bench.sh; docs/bench.md "spisyncd"):
#
#   $(BUILD)/bench/bench_ike              IKE SAs per second of CPU: two IKE
#                                         engines in one process, DH groups
#                                         19, 31, 14 (tests/bench/bench_ike.c)
#   $(BUILD)/bench/bench_recovery_events  event records per second the daemon
#                                         consumes: decode + recovery_event
#                                         over 1M records
#                                         (tests/bench/bench_recovery_events.c)
#   tools/bench_recovery.py               recovery times against strongSwan
#                                         (tests/interop cases 1 and 2, 10 runs
#                                         each, root), and with BENCH_DPD=1 the
#                                         same desync without spisync, DPD on
#
# Host code at -O2 without sanitizers, the daemon's objects as
# bin/spisyncd is linked from (mk/spisyncd.mk's $(BUILD)/obj/spisyncd/opt).
# This fragment is read before mk/spisyncd.mk and mk/driver.mk: the object
# lists are spelled out here (prerequisites are expanded as they are read).

BENCH_DAEMON_INC  := -Ihostd/spisyncd -Idriver -Ihw/gen
BENCH_DAEMON_H    := $(wildcard hostd/spisyncd/*.h) driver/spisync.h hw/gen/spisync_hw.h
BENCH_DAEMON_LIBS := $(shell pkg-config --libs inih json-c 2>/dev/null || echo -linih -ljson-c) -lcrypto

# every part of the daemon but its main()
BENCH_DAEMON_SD_OBJS := $(patsubst %.c,$(BUILD)/obj/spisyncd/opt/%.o,\
                        $(filter-out hostd/spisyncd/main.c,$(sort $(wildcard hostd/spisyncd/*.c))))

BENCH_DAEMON_SRCS := tests/bench/bench_ike.c tests/bench/bench_recovery_events.c

$(patsubst %.c,$(BUILD)/obj/opt/%.o,$(BENCH_DAEMON_SRCS)): $(BUILD)/obj/opt/%.o: %.c $(BENCH_DAEMON_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(BENCH_DAEMON_INC) -c -o $@ $<

$(BUILD)/bench/bench_ike: $(BUILD)/obj/opt/tests/bench/bench_ike.o $(BENCH_DAEMON_SD_OBJS) \
		$(BUILD)/lib/libspisync.a | $(BUILD)/bench
	$(CC) -o $@ $(filter %.o,$^) $(BUILD)/lib/libspisync.a $(LIBSPISYNC_LIBS) $(BENCH_DAEMON_LIBS)

$(BUILD)/bench/bench_recovery_events: $(BUILD)/obj/opt/tests/bench/bench_recovery_events.o \
		$(BENCH_DAEMON_SD_OBJS) $(BUILD)/lib/libspisync.a | $(BUILD)/bench
	$(CC) -o $@ $(filter %.o,$^) $(BUILD)/lib/libspisync.a $(LIBSPISYNC_LIBS) $(BENCH_DAEMON_LIBS)

BENCH_DAEMON_BINS := $(BUILD)/bench/bench_ike $(BUILD)/bench/bench_recovery_events
BENCH_BINS += $(BENCH_DAEMON_BINS)

# the recovery runs need the daemon, the card's server and the CLI
bench-daemon: $(BENCH_DAEMON_BINS) $(BUILD)/bin/spisyncd $(BUILD)/bin/spisync-sim \
		$(BUILD)/bin/spisyncctl
	@tools/bench-daemon.sh $(BUILD)

.PHONY: bench-daemon
