# spisync -- an SA replaced under traffic (tests/hw/test_sa_replace.c): the
# whole card (mk/card.mk's models and host code), the frame builder and
# OpenSSL as the oracle.

SA_REPLACE_SRCS := tests/hw/test_sa_replace.c $(CARD_HOST_SRCS) \
                   tests/model/frame_build.c tests/common/prng.c tests/common/gcm_ref.c

$(BUILD)/tests/test_sa_replace: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SA_REPLACE_SRCS)) \
		$(CARD_SIM_OBJS) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(CARD_SIM_LIBS) -lcrypto

TEST_BINS += $(BUILD)/tests/test_sa_replace

# SEED_ARG of the top Makefile is defined after this fragment is read
SA_REPLACE_ROUNDS   ?= 18
SA_REPLACE_SEED_ARG := $(if $(SEED),--seed $(SEED),)

TEST_CMDS += "SA replaced under traffic (rekey, make-before-break), 128 bits" \
               "$(BUILD)/tests/test_sa_replace --width 128 --rounds $(SA_REPLACE_ROUNDS) $(SA_REPLACE_SEED_ARG)" \
             "SA replaced under traffic (rekey, make-before-break), 512 bits" \
               "$(BUILD)/tests/test_sa_replace --width 512 --rounds $(SA_REPLACE_ROUNDS) $(SA_REPLACE_SEED_ARG)"
