# spisync -- spisyncd's invalid-SPI recovery engine (hostd/spisyncd/flows.c,
# misslog.c, recovery.c, flightrec.c; docs/recovery.md) and its tests:
#
#   build/tests/test_flows          cmocka: the flow table (bound, eviction,
#                                   history, expiry), the syslog line byte for
#                                   byte, `show flows` JSON parsed back
#   build/tests/test_recovery       cmocka: every classification and decision
#                                   rule on a fake clock with fake IKE ops; a
#                                   100k-record spoofed flood
#   build/tests/test_flightrec      cmocka: names, keep, temporary files, the
#                                   pcap byte by byte and read back by tshark
#   (each also .plain: uninstrumented, for valgrind)
#   make recovery-test              this fragment's part of `make test`
#
# test_recovery links tests/unit/recovery_fake_config.c, a stand-in for the
# two lookups of config.c (sd_config_peer_by_addr, sd_config_static_peer)
# written from config.h's contract, until config.c provides them.
# tshark (Debian package tshark) is the oracle of the pcap check.

RECOVERY_DIR  := hostd/spisyncd
RECOVERY_H    := $(addprefix $(RECOVERY_DIR)/,flows.h misslog.h recovery.h flightrec.h config.h) \
                 driver/spisync.h hw/gen/spisync_hw.h
RECOVERY_INC  := -I$(RECOVERY_DIR) -Idriver -Ihw/gen
RECOVERY_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

RECOVERY_SRCS := $(addprefix $(RECOVERY_DIR)/,flows.c misslog.c flightrec.c recovery.c)
RECOVERY_TESTS := test_flows test_recovery test_flightrec

RECOVERY_TEST_SRCS_test_flows     := tests/unit/test_flows.c \
                                     $(addprefix $(RECOVERY_DIR)/,flows.c misslog.c)
RECOVERY_TEST_SRCS_test_flightrec := tests/unit/test_flightrec.c \
                                     $(addprefix $(RECOVERY_DIR)/,flows.c misslog.c flightrec.c)
RECOVERY_TEST_SRCS_test_recovery  := tests/unit/test_recovery.c tests/unit/recovery_fake_config.c \
                                     $(RECOVERY_SRCS)

RECOVERY_ALL_SRCS := $(sort $(RECOVERY_SRCS) tests/unit/recovery_fake_config.c \
                     $(foreach t,$(RECOVERY_TESTS),tests/unit/$(t).c))

# The shared object rules neither look in hostd/spisyncd/ nor track its
# headers: these objects get their own (same flags).
$(patsubst %.c,$(BUILD)/obj/san/%.o,$(RECOVERY_ALL_SRCS)): $(BUILD)/obj/san/%.o: %.c $(RECOVERY_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(RECOVERY_INC) -c -o $@ $<

$(patsubst %.c,$(BUILD)/obj/opt/%.o,$(RECOVERY_ALL_SRCS)): $(BUILD)/obj/opt/%.o: %.c $(RECOVERY_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(RECOVERY_INC) -c -o $@ $<

$(BUILD)/tests/test_flows: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(RECOVERY_TEST_SRCS_test_flows)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(RECOVERY_LIBS)

$(BUILD)/tests/test_flows.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(RECOVERY_TEST_SRCS_test_flows)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(RECOVERY_LIBS)

$(BUILD)/tests/test_flightrec: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(RECOVERY_TEST_SRCS_test_flightrec)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(RECOVERY_LIBS)

$(BUILD)/tests/test_flightrec.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(RECOVERY_TEST_SRCS_test_flightrec)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(RECOVERY_LIBS)

$(BUILD)/tests/test_recovery: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(RECOVERY_TEST_SRCS_test_recovery)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(RECOVERY_LIBS)

$(BUILD)/tests/test_recovery.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(RECOVERY_TEST_SRCS_test_recovery)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(RECOVERY_LIBS)

RECOVERY_BINS := $(foreach t,$(RECOVERY_TESTS),$(BUILD)/tests/$(t) $(BUILD)/tests/$(t).plain)

TEST_BINS += $(RECOVERY_BINS)

RECOVERY_VG := valgrind -q --error-exitcode=1 --leak-check=full

RECOVERY_TEST_CMDS := \
  "unit: spisyncd miss flows, syslog line, show flows JSON (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_flows" \
  "unit: spisyncd miss flows (cmocka, valgrind)" "$(RECOVERY_VG) $(BUILD)/tests/test_flows.plain" \
  "unit: spisyncd recovery rules and decisions (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_recovery" \
  "unit: spisyncd recovery rules (cmocka, valgrind)" "$(RECOVERY_VG) $(BUILD)/tests/test_recovery.plain" \
  "unit: spisyncd flight recorder, pcap read back by tshark (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_flightrec" \
  "unit: spisyncd flight recorder (cmocka, valgrind)" "$(RECOVERY_VG) $(BUILD)/tests/test_flightrec.plain"

TEST_CMDS += $(RECOVERY_TEST_CMDS)

# this fragment's part of `make test` alone
recovery-test: $(RECOVERY_BINS)
	@tools/run-tests.sh $(RECOVERY_TEST_CMDS)

.PHONY: recovery-test
