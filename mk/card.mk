# spisync -- the whole card (hw/rtl/spisync_card.v): one Verilator model per
# data width, the C API of sim/card/card_sim.h over both, and the card tests.

CARD_WIDTHS := 128 512

$(BUILD)/vl/card_w%.stamp: $(RTL_SRCS) $(wildcard hw/gen/*.vh hw/rtl/*.vh) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/card_w$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vspisync_card_w$* -GDATA_WIDTH=$* \
		--top-module spisync_card -Mdir $(BUILD)/vl/card_w$* $(RTL_SRCS) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/card_w$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/card_w$*.log; exit 1; }
	touch $@

$(BUILD)/sim/card_sim_w%.o: sim/card/card_sim_model.cpp sim/card/*.h sim/common/*.h hw/gen/spisync_hw.h \
		$(BUILD)/vl/card_w%.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/card -Ihw/gen -I$(BUILD)/vl/card_w$* \
		-DCARD_WIDTH=$* -DVTOP=Vspisync_card_w$* -DVTOP_HEADER='"Vspisync_card_w$*.h"' \
		-DCARD_OPS=card_sim_ops_w$* -c -o $@ $<

# everything a program needs to run the card model (link with $(CXX))
CARD_SIM_OBJS := $(foreach w,$(CARD_WIDTHS),$(BUILD)/sim/card_sim_w$(w).o) $(VL_RUNTIME)
CARD_SIM_LIBS := $(foreach w,$(CARD_WIDTHS),$(BUILD)/vl/card_w$(w)/Vspisync_card_w$(w)__ALL.a) -lpthread

CARD_HOST_SRCS := sim/card/card_sim.c sim/card/card_ctl.c sim/card/sa_entry.c driver/sa_encode.c sim/esp_sa.c \
                  firmware/sa_table.c driver/event_ring.c sim/common/host_mem.c
MODEL_SRCS     := tests/model/card_model.c tests/model/esp_decap.c tests/model/parse_ref.c tests/model/replay_ref.c \
                  tests/model/frame_build.c tests/model/traffic.c tests/common/prng.c \
                  tests/common/gcm_ref.c

$(BUILD)/tests/test_card: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_card.c $(CARD_HOST_SRCS) $(MODEL_SRCS)) \
		$(CARD_SIM_OBJS) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(CARD_SIM_LIBS) -lcrypto

TEST_BINS += $(BUILD)/tests/test_card

# make test's scoreboards: 20,000 frames a width (about 70 s each); the long
# runs are `make card-soak` (CARD_SOAK_FRAMES a width, a new seed each run).
CARD_FRAMES ?= 20000
CARD_SOAK_FRAMES ?= 500000
# SA 0 of every run has ESN and starts just below 2^32 (tests/model/traffic.c);
# it must accept about 1,100 frames in order to cross, which 64 SAs sharing
# 50,000 frames never give it: the 2-SA runs do (about 3,000 frames each).
TEST_CMDS += "card scoreboard, 512 bits: $(CARD_FRAMES) random frames vs the golden model" \
	"$(BUILD)/tests/test_card --width 512 --frames $(CARD_FRAMES) $(if $(SEED),--seed $(SEED),)" \
	"card scoreboard, 128 bits: $(CARD_FRAMES) random frames vs the golden model" \
	"$(BUILD)/tests/test_card --width 128 --frames $(CARD_FRAMES) $(if $(SEED),--seed $(SEED),)" \
	"card scoreboard, 2 SAs, 512 bits: the ESN SA's sequence numbers cross 2^32" \
	"$(BUILD)/tests/test_card --width 512 --frames 6000 --sas 2 --expect-esn-wrap $(if $(SEED),--seed $(SEED),)" \
	"card scoreboard, 2 SAs, 128 bits: the ESN SA's sequence numbers cross 2^32" \
	"$(BUILD)/tests/test_card --width 128 --frames 6000 --sas 2 --expect-esn-wrap $(if $(SEED),--seed $(SEED),)" \
	"card overload, 512 bits: back to back, slow host: TAIL_DROP counted, nothing else lost" \
	"$(BUILD)/tests/test_card --width 512 --frames 5000 --overload $(if $(SEED),--seed $(SEED),)" \
	"card overload, 128 bits" \
	"$(BUILD)/tests/test_card --width 128 --frames 5000 --overload $(if $(SEED),--seed $(SEED),)"

TEST_BINS += $(BUILD)/bin/spisync-sim
TEST_CMDS += "spisync-sim replay of a generated pcap through the card (both widths)" \
	"tests/sim/replay_smoke.sh $(BUILD)/bin/spisync-sim $(BUILD)/tests/mkpcap"

.PHONY: card-soak
card-soak: deps $(BUILD)/tests/test_card $(BUILD)/tests/test_events
	@tools/run-tests.sh \
		"miss events flood, 512 bits: $(EVENTS_SOAK_FLOOD) random-SPI frames" \
		"$(BUILD)/tests/test_events --width 512 --only flood --flood $(EVENTS_SOAK_FLOOD) $(if $(SEED),--seed $(SEED),)" \
		"card soak, 512 bits: $(CARD_SOAK_FRAMES) random frames vs the golden model" \
		"$(BUILD)/tests/test_card --width 512 --frames $(CARD_SOAK_FRAMES) $(if $(SEED),--seed $(SEED),)" \
		"card soak, 128 bits: $(CARD_SOAK_FRAMES) random frames vs the golden model" \
		"$(BUILD)/tests/test_card --width 128 --frames $(CARD_SOAK_FRAMES) $(if $(SEED),--seed $(SEED),)"
