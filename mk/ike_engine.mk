# spisync -- spisyncd's IKEv2 engine (hostd/spisyncd/ike_engine.h) tested
# in-process: two engines wired through a message queue, a fake clock and a
# fake card; an oracle that knows both DH private values (ike_dh_new is
# wrapped at link time) recomputes every key, AUTH and CHILD SA key.
#
#   build/tests/test_ike_engine         cmocka (ASan/UBSan)
#   build/tests/test_ike_engine.plain   the same, uninstrumented, for valgrind
#   make ike-engine-test                this fragment's part of `make test`
#
# Objects in a directory of their own ($(BUILD)/obj/ike_engine/): the test
# also needs tests/common and json-c, and the shared rules do not look in
# hostd/spisyncd/.

IKE_ENGINE_DIR  := hostd/spisyncd
IKE_ENGINE_SRCS := $(sort $(wildcard $(IKE_ENGINE_DIR)/ike_*.c)) $(IKE_ENGINE_DIR)/config.c
IKE_ENGINE_H    := $(wildcard hostd/spisyncd/*.h) driver/spisync.h tests/common/test_seed.h \
                   tests/common/prng.h
IKE_ENGINE_INC  := -I$(IKE_ENGINE_DIR) -Idriver -Ihw/gen -Itests/common \
                   $(shell pkg-config --cflags json-c inih 2>/dev/null)
IKE_ENGINE_LIBS := -lcmocka $(shell pkg-config --libs json-c inih 2>/dev/null || echo -ljson-c -linih) \
                   -lcrypto -Wl,--wrap=ike_dh_new
IKE_ENGINE_OBJ  := $(BUILD)/obj/ike_engine

$(IKE_ENGINE_OBJ)/san/%.o: %.c $(IKE_ENGINE_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(IKE_ENGINE_INC) -c -o $@ $<

$(IKE_ENGINE_OBJ)/opt/%.o: %.c $(IKE_ENGINE_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(IKE_ENGINE_INC) -c -o $@ $<

IKE_ENGINE_TEST_SRCS := tests/unit/test_ike_engine.c tests/common/prng.c $(IKE_ENGINE_SRCS)
ike_engine_obj = $(patsubst %.c,$(IKE_ENGINE_OBJ)/$1/%.o,$2)

$(BUILD)/tests/test_ike_engine: $(call ike_engine_obj,san,$(IKE_ENGINE_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ $(IKE_ENGINE_LIBS)

$(BUILD)/tests/test_ike_engine.plain: $(call ike_engine_obj,opt,$(IKE_ENGINE_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ $(IKE_ENGINE_LIBS)

IKE_ENGINE_BINS := $(BUILD)/tests/test_ike_engine $(BUILD)/tests/test_ike_engine.plain

IKE_ENGINE_SEED_ARG := $(if $(SEED),--seed $(SEED),)

IKE_ENGINE_TEST_CMDS := \
  "unit: spisyncd IKE engine, two engines through a fake network/clock/card, keys recomputed (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_ike_engine $(IKE_ENGINE_SEED_ARG)" \
  "unit: spisyncd IKE engine (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_ike_engine.plain $(IKE_ENGINE_SEED_ARG)"

TEST_BINS += $(IKE_ENGINE_BINS)
TEST_CMDS += $(IKE_ENGINE_TEST_CMDS)

# this fragment's part of `make test` alone
ike-engine-test: $(IKE_ENGINE_BINS)
	@tools/run-tests.sh $(IKE_ENGINE_TEST_CMDS)

.PHONY: ike-engine-test
