# spisync -- spisyncd's control socket (hostd/spisyncd/ctlsock.c), the
# server spisyncctl's show ike / flows / peers talk to, and its tests:
#
#   build/tests/test_ctlsock         request/reply, unknown command, limits
#                                    (line length, request and stall
#                                    timeouts, 16 clients), a 1 MiB reply to
#                                    a slow reader next to a served client,
#                                    stale / live socket files, mode 0660
#                                    (cmocka, ASan/UBSan)
#   build/tests/test_ctlsock.plain   the same, uninstrumented, for valgrind
#   make ctlsock-test                this fragment's part of `make test`
#
# spisyncctl's side (hostd/spisyncctl/daemon_client.c, fmt_daemon.c) is
# tested in mk/ctl.mk (test_ctl_daemon), which links ctlsock.o from here.

CTLSOCK_DIR := hostd/spisyncd
CTLSOCK_H   := $(CTLSOCK_DIR)/ctlsock.h
CTLSOCK_SRCS := $(CTLSOCK_DIR)/ctlsock.c tests/unit/test_ctlsock.c

CTLSOCK_OBJS_SAN := $(patsubst %.c,$(BUILD)/obj/san/%.o,$(CTLSOCK_SRCS))
CTLSOCK_OBJS_OPT := $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(CTLSOCK_SRCS))

# The shared object rules neither look in hostd/spisyncd/ nor track its
# headers: these objects get their own (same flags).
$(CTLSOCK_OBJS_SAN): $(BUILD)/obj/san/%.o: %.c $(CTLSOCK_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) -I$(CTLSOCK_DIR) -c -o $@ $<

$(CTLSOCK_OBJS_OPT): $(BUILD)/obj/opt/%.o: %.c $(CTLSOCK_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -I$(CTLSOCK_DIR) -c -o $@ $<

$(BUILD)/tests/test_ctlsock: $(CTLSOCK_OBJS_SAN) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_ctlsock.plain: $(CTLSOCK_OBJS_OPT) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka

CTLSOCK_BINS := $(BUILD)/tests/test_ctlsock $(BUILD)/tests/test_ctlsock.plain

CTLSOCK_TEST_CMDS := \
  "unit: spisyncd control socket (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_ctlsock" \
  "unit: spisyncd control socket (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_ctlsock.plain"

TEST_BINS += $(CTLSOCK_BINS)
TEST_CMDS += $(CTLSOCK_TEST_CMDS)

# this fragment's part of `make test` alone
ctlsock-test: $(CTLSOCK_BINS)
	@tools/run-tests.sh $(CTLSOCK_TEST_CMDS)

.PHONY: ctlsock-test
