# spisync -- spisyncd's IKEv2 message codec (hostd/spisyncd/ike_parse.c,
# ike_build.c, ike_msg.h) and its tests:
#
#   build/tests/test_ike_msg          cmocka: hand-built RFC 7296 section 3
#                                     bytes, malformed input, 100k seeded
#                                     random mutations (ASan/UBSan)
#   build/tests/test_ike_msg.plain    the same, uninstrumented, for valgrind
#   build/tests/ike_msg_dump          parse-to-text / build-to-hex tool for
#                                     the scapy cross-check (ASan/UBSan)
#   make ike-msg-test                 this fragment's part of `make test`
#
# The scapy check needs python3-scapy (Debian); it runs /usr/bin/python3 so
# that a python3 earlier in PATH without Debian's modules does not hide it.

IKE_MSG_DIR  := hostd/spisyncd
IKE_MSG_H    := $(IKE_MSG_DIR)/ike_msg.h tests/common/test_seed.h tests/common/prng.h
IKE_MSG_INC  := -I$(IKE_MSG_DIR) -Itests/common
IKE_MSG_SRCS := $(IKE_MSG_DIR)/ike_parse.c $(IKE_MSG_DIR)/ike_build.c
IKE_MSG_PY   ?= /usr/bin/python3

IKE_MSG_TEST_SRCS := tests/unit/test_ike_msg.c tests/common/prng.c $(IKE_MSG_SRCS)
IKE_MSG_SAN_OBJS  := $(patsubst %.c,$(BUILD)/obj/san/%.o,$(IKE_MSG_SRCS) \
                     tests/unit/test_ike_msg.c tests/unit/ike_msg_dump.c)
IKE_MSG_OPT_OBJS  := $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(IKE_MSG_SRCS) tests/unit/test_ike_msg.c)

# The shared object rules neither look in hostd/spisyncd/ nor track its
# headers: these objects get their own (same flags).
$(IKE_MSG_SAN_OBJS): $(BUILD)/obj/san/%.o: %.c $(IKE_MSG_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(IKE_MSG_INC) -c -o $@ $<

$(IKE_MSG_OPT_OBJS): $(BUILD)/obj/opt/%.o: %.c $(IKE_MSG_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(IKE_MSG_INC) -c -o $@ $<

$(BUILD)/tests/test_ike_msg: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(IKE_MSG_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_ike_msg.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(IKE_MSG_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka

$(BUILD)/tests/ike_msg_dump: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/unit/ike_msg_dump.c $(IKE_MSG_SRCS)) \
		| $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^

IKE_MSG_BINS := $(BUILD)/tests/test_ike_msg $(BUILD)/tests/test_ike_msg.plain $(BUILD)/tests/ike_msg_dump

IKE_MSG_SEED_ARG := $(if $(SEED),--seed $(SEED),)

IKE_MSG_TEST_CMDS := \
  "unit: spisyncd IKEv2 message codec (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_ike_msg $(IKE_MSG_SEED_ARG)" \
  "unit: spisyncd IKEv2 message codec (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_ike_msg.plain $(IKE_MSG_SEED_ARG)" \
  "spisyncd IKEv2 codec against scapy's IKEv2 layer, both directions" \
  "$(if $(SEED),SEED=$(SEED) ,)$(IKE_MSG_PY) tests/unit/ike_msg_oracle.py $(BUILD)/tests/ike_msg_dump"

TEST_BINS += $(IKE_MSG_BINS)
TEST_CMDS += $(IKE_MSG_TEST_CMDS)

# this fragment's part of `make test` alone
ike-msg-test: $(IKE_MSG_BINS)
	@tools/run-tests.sh $(IKE_MSG_TEST_CMDS)

.PHONY: ike-msg-test
