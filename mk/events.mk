# spisync -- the card's miss events end to end (tests/hw/test_events.c):
# classifier, flow filter, token bucket, event FIFO, DMA into the ring in the
# simulated host memory, read back the way the driver reads it.

EVENTS_SRCS := tests/hw/test_events.c $(CARD_HOST_SRCS) \
               tests/model/frame_build.c tests/common/prng.c tests/common/gcm_ref.c

$(BUILD)/tests/test_events: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(EVENTS_SRCS)) \
		$(CARD_SIM_OBJS) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(CARD_SIM_LIBS) -lcrypto

TEST_BINS += $(BUILD)/tests/test_events

# 250,000 frames at about one a clock are 0.8 ms of card time, long enough
# for the token bucket's rate (not its burst) to decide most of the ~800
# records it lets through; `make card-soak` floods 4,000,000
EVENTS_FLOOD      ?= 250000
EVENTS_SOAK_FLOOD ?= 4000000
EVENTS_SEED_ARG := $(if $(SEED),--seed $(SEED),)

TEST_CMDS += "miss events, 512 bits: record fields, ring full/resume/laps, stuck flow, $(EVENTS_FLOOD)-frame random-SPI flood" \
               "$(BUILD)/tests/test_events --width 512 --flood $(EVENTS_FLOOD) $(EVENTS_SEED_ARG)" \
             "miss events, 128 bits: record fields, ring, stuck flow" \
               "$(BUILD)/tests/test_events --width 128 --flood 0 $(EVENTS_SEED_ARG)"
