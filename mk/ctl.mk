# spisync -- spisyncctl, the operator's CLI (hostd/spisyncctl/), and its
# unit tests:
#
#   build/bin/spisyncctl             the CLI, linked with libspisync
#                                    ($(BUILD)/lib/libspisync.a, mk/driver.mk)
#   build/tests/test_ctl_fmt         text, JSON and Prometheus outputs
#   build/tests/test_ctl_drops       counts since clear, changes, card resets,
#                                    the state file and its directory
#   build/tests/test_ctl_args        the command line, `sa add` / `sa del`
#   (each also .plain: uninstrumented, for valgrind)
#   build/tests/test_ctl_cli         the built spisyncctl: usage errors, exit
#                                    status, a device that is not there
#   build/tests/test_ctl_daemon      show ike / flows / peers: the text of
#                                    the daemon's documents, their schema
#                                    check, and the built spisyncctl against
#                                    a control socket server (ctlsock.c,
#                                    mk/ctlsock.mk) answering canned JSON
#   make ctl-test                    this fragment's part of `make test`
#
# The tests need no card and no libspisync: everything but gather.c and
# main.c is pure (fmt.h, drops.h, cli.h) or plain files (state_file.h).
# Variables are SPISYNCCTL_*: mk/ctl_regs.mk has CTL_*.

SPISYNCCTL_DIR := hostd/spisyncctl
SPISYNCCTL_H   := $(wildcard $(SPISYNCCTL_DIR)/*.h) driver/spisync.h driver/hex.h hw/gen/spisync_hw.h
SPISYNCCTL_INC := -I$(SPISYNCCTL_DIR) -Idriver -Ihw/gen
SPISYNCCTL_JSON_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

# everything except the card access and main()
SPISYNCCTL_CORE_SRCS := $(addprefix $(SPISYNCCTL_DIR)/,cli.c sa_args.c drops.c \
                        state_file.c fmt_util.c fmt_text.c fmt_json.c fmt_prom.c \
                        daemon_client.c fmt_daemon.c)
SPISYNCCTL_SRCS      := $(SPISYNCCTL_CORE_SRCS) $(addprefix $(SPISYNCCTL_DIR)/,gather.c main.c)

SPISYNCCTL_TESTS := test_ctl_fmt test_ctl_drops test_ctl_args
SPISYNCCTL_TEST_SRCS := $(foreach t,$(SPISYNCCTL_TESTS),tests/unit/$(t).c)

SPISYNCCTL_SAN_OBJS := $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SPISYNCCTL_SRCS) $(SPISYNCCTL_TEST_SRCS) \
                       tests/unit/test_ctl_cli.c)
SPISYNCCTL_OPT_OBJS := $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SPISYNCCTL_SRCS) $(SPISYNCCTL_TEST_SRCS))

# The shared object rules neither look in hostd/spisyncctl/ nor track its
# headers: these objects get their own (same flags).
$(SPISYNCCTL_SAN_OBJS): $(BUILD)/obj/san/%.o: %.c $(SPISYNCCTL_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(SPISYNCCTL_INC) -c -o $@ $<

$(SPISYNCCTL_OPT_OBJS): $(BUILD)/obj/opt/%.o: %.c $(SPISYNCCTL_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SPISYNCCTL_INC) -c -o $@ $<

# one binary per test file, over the pure parts: ASan/UBSan, and plain for
# valgrind
$(foreach t,$(SPISYNCCTL_TESTS),$(BUILD)/tests/$(t)): $(BUILD)/tests/%: \
		$(BUILD)/obj/san/tests/unit/%.o $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SPISYNCCTL_CORE_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(SPISYNCCTL_JSON_LIBS)

$(foreach t,$(SPISYNCCTL_TESTS),$(BUILD)/tests/$(t).plain): $(BUILD)/tests/%.plain: \
		$(BUILD)/obj/opt/tests/unit/%.o $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SPISYNCCTL_CORE_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(SPISYNCCTL_JSON_LIBS)

SPISYNCCTL_UNIT_BINS := $(foreach t,$(SPISYNCCTL_TESTS),$(BUILD)/tests/$(t) $(BUILD)/tests/$(t).plain)

SPISYNCCTL_TEST_CMDS := \
  "unit: spisyncctl outputs, text / JSON / Prometheus (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_ctl_fmt" \
  "unit: spisyncctl outputs (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_ctl_fmt.plain" \
  "unit: spisyncctl counts since clear, changes, card resets, state file (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_ctl_drops" \
  "unit: spisyncctl counts and state file (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_ctl_drops.plain" \
  "unit: spisyncctl command line, sa add / sa del arguments (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_ctl_args" \
  "unit: spisyncctl command line (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_ctl_args.plain"

# The CLI itself once libspisync exists (mk/driver.mk, included after this
# fragment: its variables are used only in recipes, expanded late).
ifneq ($(wildcard mk/driver.mk),)

$(BUILD)/bin/spisyncctl: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SPISYNCCTL_SRCS)) $(BUILD)/lib/libspisync.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) $(BUILD)/lib/libspisync.a $(LIBSPISYNC_LIBS) $(SPISYNCCTL_JSON_LIBS)

# the same with ASan/UBSan, for the CLI test
$(BUILD)/tests/spisyncctl-san: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SPISYNCCTL_SRCS)) $(BUILD)/lib/libspisync.a \
		| $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/lib/libspisync.a $(LIBSPISYNC_LIBS) $(SPISYNCCTL_JSON_LIBS)

$(BUILD)/tests/test_ctl_cli: $(BUILD)/obj/san/tests/unit/test_ctl_cli.o | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka

# show ike / flows / peers: its own objects (it also includes ctlsock.h)
# and the control socket server from mk/ctlsock.mk
SPISYNCCTL_DAEMON_LINK := $(SPISYNCCTL_DIR)/fmt_daemon.c hostd/spisyncd/ctlsock.c

$(BUILD)/obj/san/tests/unit/test_ctl_daemon.o: $(BUILD)/obj/san/%.o: %.c $(SPISYNCCTL_H) \
		hostd/spisyncd/ctlsock.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(SPISYNCCTL_INC) -Ihostd/spisyncd -c -o $@ $<

$(BUILD)/obj/opt/tests/unit/test_ctl_daemon.o: $(BUILD)/obj/opt/%.o: %.c $(SPISYNCCTL_H) \
		hostd/spisyncd/ctlsock.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SPISYNCCTL_INC) -Ihostd/spisyncd -c -o $@ $<

$(BUILD)/tests/test_ctl_daemon: $(BUILD)/obj/san/tests/unit/test_ctl_daemon.o \
		$(patsubst %.c,$(BUILD)/obj/san/%.o,$(SPISYNCCTL_DAEMON_LINK)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(SPISYNCCTL_JSON_LIBS)

$(BUILD)/tests/test_ctl_daemon.plain: $(BUILD)/obj/opt/tests/unit/test_ctl_daemon.o \
		$(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SPISYNCCTL_DAEMON_LINK)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(SPISYNCCTL_JSON_LIBS)

SPISYNCCTL_CLI_BINS := $(BUILD)/bin/spisyncctl $(BUILD)/tests/spisyncctl-san $(BUILD)/tests/test_ctl_cli \
                       $(BUILD)/tests/test_ctl_daemon $(BUILD)/tests/test_ctl_daemon.plain
SPISYNCCTL_TEST_CMDS += \
  "spisyncctl: usage errors, exit status, missing device (ASan/UBSan build)" \
  "$(BUILD)/tests/test_ctl_cli $(BUILD)/tests/spisyncctl-san" \
  "spisyncctl: the same under valgrind" \
  "$(BUILD)/tests/test_ctl_cli --valgrind $(BUILD)/bin/spisyncctl" \
  "spisyncctl show ike / flows / peers: text, schema check, against a control socket (ASan/UBSan)" \
  "$(BUILD)/tests/test_ctl_daemon $(BUILD)/tests/spisyncctl-san" \
  "spisyncctl show ike / flows / peers: the same under valgrind" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_ctl_daemon.plain --valgrind $(BUILD)/bin/spisyncctl"

endif

TEST_BINS += $(SPISYNCCTL_UNIT_BINS) $(SPISYNCCTL_CLI_BINS)
TEST_CMDS += $(SPISYNCCTL_TEST_CMDS)

# this fragment's part of `make test` alone
ctl-test: $(SPISYNCCTL_UNIT_BINS) $(SPISYNCCTL_CLI_BINS)
	@tools/run-tests.sh $(SPISYNCCTL_TEST_CMDS)

.PHONY: ctl-test
