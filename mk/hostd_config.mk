# spisync -- spisyncd's configuration file (hostd/spisyncd/config.c, read
# with libinih) and its unit tests:
#
#   build/tests/test_config          the sample etc/spisyncd.conf field by
#                                    field, defaults, every value form, a
#                                    table of bad files (line and reason),
#                                    lookups, PSK cleansing (ASan/UBSan)
#   build/tests/test_config.plain    the same, uninstrumented, for valgrind
#   make config-test                 this fragment's part of `make test`
#
# The tests read etc/spisyncd.conf and tests/unit/config/*.conf: run them
# from the top of the repository (run-tests.sh does).

HOSTD_CONFIG_H    := hostd/spisyncd/config.h driver/hex.h
HOSTD_CONFIG_INC  := -Ihostd/spisyncd -Idriver $(shell pkg-config --cflags inih 2>/dev/null)
HOSTD_CONFIG_LIBS := $(shell pkg-config --libs inih 2>/dev/null || echo -linih)
HOSTD_CONFIG_SRCS := hostd/spisyncd/config.c tests/unit/test_config.c

# The shared object rules neither look in hostd/spisyncd/ nor track its
# headers: these objects get their own (same flags).
$(patsubst %.c,$(BUILD)/obj/san/%.o,$(HOSTD_CONFIG_SRCS)): $(BUILD)/obj/san/%.o: %.c $(HOSTD_CONFIG_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(HOSTD_CONFIG_INC) -c -o $@ $<

$(patsubst %.c,$(BUILD)/obj/opt/%.o,$(HOSTD_CONFIG_SRCS)): $(BUILD)/obj/opt/%.o: %.c $(HOSTD_CONFIG_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(HOSTD_CONFIG_INC) -c -o $@ $<

$(BUILD)/tests/test_config: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(HOSTD_CONFIG_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(HOSTD_CONFIG_LIBS)

$(BUILD)/tests/test_config.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(HOSTD_CONFIG_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(HOSTD_CONFIG_LIBS)

TEST_BINS += $(BUILD)/tests/test_config $(BUILD)/tests/test_config.plain

HOSTD_CONFIG_TEST_CMDS := \
  "unit: spisyncd config file (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_config" \
  "unit: spisyncd config file (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_config.plain"

TEST_CMDS += $(HOSTD_CONFIG_TEST_CMDS)

# this fragment's part of `make test` alone
config-test: $(BUILD)/tests/test_config $(BUILD)/tests/test_config.plain
	@tools/run-tests.sh $(HOSTD_CONFIG_TEST_CMDS)

.PHONY: config-test
