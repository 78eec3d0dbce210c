# spisync -- the commit stage's block bench: esp_commit beside the per-SA
# state memory as the card wires them (sim/commit/commit_tb_top.v), one model
# per datapath width, against the sequential reference tests/model/commit_ref.c.
#
#   make build/tests/test_commit && build/tests/test_commit [--seed N] [--frames N] [--width 128|512]

COMMIT_WIDTHS ?= 128 512
COMMIT_FRAMES ?= 200000

# all of hw/rtl, as the card's model takes it: esp_commit may grow blocks
$(BUILD)/vl/commit_w%.stamp: sim/commit/commit_tb_top.v $(RTL_SRCS) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/commit_w$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vcommit_tb_w$* -GBYTES=$$(($*/8)) \
		--top-module commit_tb_top -Mdir $(BUILD)/vl/commit_w$* sim/commit/commit_tb_top.v $(RTL_SRCS) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/commit_w$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/commit_w$*.log; exit 1; }
	touch $@

$(BUILD)/sim/commit_sim_w%.o: sim/commit/commit_sim.cpp sim/commit/commit_sim.h sim/common/*.h \
		$(BUILD)/vl/commit_w%.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/commit -Ihw/gen -I$(BUILD)/vl/commit_w$* \
		-DCOMMIT_BYTES=$$(($*/8)) -DVTOP=Vcommit_tb_w$* -DVTOP_HEADER='"Vcommit_tb_w$*.h"' \
		-DCOMMIT_OPS=commit_sim_ops_w$* -c -o $@ $<

COMMIT_SIM_OBJS := $(foreach w,$(COMMIT_WIDTHS),$(BUILD)/sim/commit_sim_w$(w).o)
COMMIT_SIM_LIBS := $(foreach w,$(COMMIT_WIDTHS),$(BUILD)/vl/commit_w$(w)/Vcommit_tb_w$(w)__ALL.a)

$(BUILD)/tests/test_commit: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_commit.c \
		tests/model/commit_ref.c tests/model/esp_decap.c tests/model/replay_ref.c tests/common/prng.c) \
		$(COMMIT_SIM_OBJS) $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(COMMIT_SIM_LIBS) -lpthread

TEST_BINS += $(BUILD)/tests/test_commit

TEST_CMDS += "commit stage bench: esp_commit + SA state vs sequential reference, 128 and 512 bits" \
	"$(BUILD)/tests/test_commit --frames $(COMMIT_FRAMES) $(if $(SEED),--seed $(SEED),)"
TEST_CMDS += "rtl lint: commit test top, 128 and 512 bits (Verilator -Wall)" \
	"$(VERILATOR) --lint-only -Wall -Ihw/gen -Ihw/rtl --top-module commit_tb_top -GBYTES=16 sim/commit/commit_tb_top.v $(RTL_SRCS) && $(VERILATOR) --lint-only -Wall -Ihw/gen -Ihw/rtl --top-module commit_tb_top sim/commit/commit_tb_top.v $(RTL_SRCS)"
