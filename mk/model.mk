# spisync -- the golden model of the card (tests/model/card_model.c), the
# ESP frame builder and the random traffic generator, with their unit test.
#
# parse_ref.c and replay_ref.c belong to the parser and replay parts; to
# build against other copies (e.g. while those are being written):
#   make MODEL_UNIT_REF_SRCS="/path/parse_ref.c /path/replay_ref.c" build/tests/test_model

MODEL_UNIT_REF_SRCS ?= tests/model/parse_ref.c tests/model/replay_ref.c
MODEL_UNIT_LIB  := tests/model/card_model.c tests/model/esp_decap.c tests/model/frame_build.c \
                  tests/model/traffic.c $(MODEL_UNIT_REF_SRCS) \
                  tests/common/gcm_ref.c tests/common/prng.c
MODEL_UNIT_SRCS := tests/unit/test_model.c tests/common/vector_file.c $(MODEL_UNIT_LIB)

$(BUILD)/tests/test_model: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(MODEL_UNIT_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka -lcrypto

$(BUILD)/tests/test_model.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(MODEL_UNIT_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka -lcrypto

TEST_BINS += $(BUILD)/tests/test_model $(BUILD)/tests/test_model.plain

# SEED_ARG of the top Makefile is defined after this fragment is read
MODEL_UNIT_SEED_ARG := $(if $(SEED),--seed $(SEED),)

TEST_CMDS += "unit: golden model, frame builder, traffic generator (cmocka, ASan/UBSan)" \
               "$(BUILD)/tests/test_model $(MODEL_UNIT_SEED_ARG)" \
             "unit: golden model, frame builder, traffic generator (cmocka, valgrind)" \
               "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_model.plain --frames 2000 $(MODEL_UNIT_SEED_ARG)"
