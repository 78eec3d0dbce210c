# spisync -- anti-replay window (replay_check, replay_update) and the ESP
# padding check (esp_pad_check): Verilator models and their test bench.
#
#   make build/tests/test_replay && build/tests/test_replay [--seed N]

REPLAY_RTL := hw/rtl/replay_check.v hw/rtl/replay_check_split.v hw/rtl/replay_update.v \
              hw/rtl/replay_infer.v hw/rtl/replay_flags.v hw/rtl/replay_space.v hw/rtl/replay_order.v
PAD_RTL    := hw/rtl/esp_pad_check.v
REPLAY_PACKETS ?= 500000
PAD_PACKETS    ?= 200000

# test top: the two combinational blocks between the card's registers
$(BUILD)/vl/replay_tb.stamp: sim/replay/replay_tb_top.v $(REPLAY_RTL) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/replay_tb
	$(VERILATOR) $(VL_FLAGS) --prefix Vreplay_tb \
		--top-module replay_tb_top -Mdir $(BUILD)/vl/replay_tb sim/replay/replay_tb_top.v $(REPLAY_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/replay_tb.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/replay_tb.log; exit 1; }
	touch $@

# one esp_pad_check model per datapath width: Vpad_check_bN in $(BUILD)/vl/pad_bN
$(BUILD)/vl/pad_b%.stamp: $(PAD_RTL) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/pad_b$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vpad_check_b$* -GBYTES=$* \
		--top-module esp_pad_check -Mdir $(BUILD)/vl/pad_b$* $(PAD_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/pad_b$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/pad_b$*.log; exit 1; }
	touch $@

REPLAY_MODELS := $(BUILD)/vl/replay_tb.stamp $(BUILD)/vl/pad_b16.stamp $(BUILD)/vl/pad_b64.stamp
REPLAY_LIBS   := $(BUILD)/vl/replay_tb/Vreplay_tb__ALL.a \
                 $(BUILD)/vl/pad_b16/Vpad_check_b16__ALL.a \
                 $(BUILD)/vl/pad_b64/Vpad_check_b64__ALL.a

$(BUILD)/sim/replay_sim.o: sim/replay/replay_sim.cpp sim/replay/replay_sim.h sim/common/*.h \
		$(REPLAY_MODELS) | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/replay -I$(BUILD)/vl/replay_tb \
		-I$(BUILD)/vl/pad_b16 -I$(BUILD)/vl/pad_b64 -c -o $@ $<

$(BUILD)/tests/test_replay: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_replay.c \
		tests/model/replay_ref.c tests/common/prng.c) \
		$(BUILD)/sim/replay_sim.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(REPLAY_LIBS) -lpthread

TEST_BINS += $(BUILD)/tests/test_replay

TEST_CMDS += "anti-replay window and ESP padding check vs RFC 4303 references" \
	"$(BUILD)/tests/test_replay --replay-packets $(REPLAY_PACKETS) --pad-packets $(PAD_PACKETS) $(if $(SEED),--seed $(SEED),)"
TEST_CMDS += "rtl lint: esp_pad_check BYTES=16, replay test top (Verilator -Wall)" \
	"$(VERILATOR) --lint-only -Wall -Ihw/gen --top-module esp_pad_check -GBYTES=16 $(PAD_RTL) && $(VERILATOR) --lint-only -Wall -Ihw/gen --top-module replay_tb_top sim/replay/replay_tb_top.v $(REPLAY_RTL)"
