# spisync -- end-to-end tests through the product's own path: spisync-sim
# --socket (the card and its controller), libspisync, spisyncctl.
#
#   build/tests/ring_dump      owns the event ring through libspisync and
#                              prints its records (ASan/UBSan)
#   tests/e2e/sim_ctl_e2e.sh   SAs installed with spisyncctl, traffic
#                              replayed, the CLI's JSON, the delivered frames
#                              and the ring's records checked by mkpcap's
#                              scoreboard (tests/sim/mkpcap.c)
#   make e2e-test              this fragment's part of `make test`

E2E_WIDTH ?= 128

$(BUILD)/tests/ring_dump: $(BUILD)/obj/san/tests/e2e/ring_dump.o $(LIBSPISYNC_SAN_OBJS) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ $(LIBSPISYNC_LIBS)

E2E_BINS := $(BUILD)/tests/ring_dump $(BUILD)/tests/spisync-sim.san \
            $(BUILD)/tests/spisyncctl-san $(BUILD)/tests/mkpcap

E2E_SEED := $(if $(SEED),SEED=$(SEED) ,)

# 128 bits with 300 frames (the history holds every record), 512 with 600
# (it overflows: its last 64 records must equal the ring's)
E2E_TEST_CMDS := \
  "end to end: spisync-sim --socket, SAs through spisyncctl and libspisync, traffic, CLI JSON and event ring vs the scoreboard ($(E2E_WIDTH) bits, ASan/UBSan)" \
  "$(E2E_SEED)tests/e2e/sim_ctl_e2e.sh $(BUILD)/tests/spisync-sim.san $(BUILD)/tests/spisyncctl-san $(BUILD)/tests/mkpcap $(BUILD)/tests/ring_dump $(E2E_WIDTH)" \
  "end to end: the same at 512 bits, 600 frames" \
  "$(E2E_SEED)FRAMES=600 tests/e2e/sim_ctl_e2e.sh $(BUILD)/tests/spisync-sim.san $(BUILD)/tests/spisyncctl-san $(BUILD)/tests/mkpcap $(BUILD)/tests/ring_dump 512"

TEST_BINS += $(E2E_BINS)
TEST_CMDS += $(E2E_TEST_CMDS)

e2e-test: $(E2E_BINS)
	@tools/run-tests.sh $(E2E_TEST_CMDS)

.PHONY: e2e-test
