# Asynchronous AXI-Stream FIFO (hw/rtl/axis_async_fifo.v): its Verilator
# models, the C glue, and test_cdc (two unrelated clocks stepped in
# picoseconds, random frames, against a scoreboard of the FIFO's intent;
# ASan/UBSan).
#
#   build/tests/test_cdc --config NAME   one parameter set (test_cdc --help)
#   make cdc-synth   Yosys synth_xilinx of the FIFO alone at 512 bits and
#                    DEPTH 512, frame mode (not in make test): fails on
#                    latches or if the RAM is not block RAM; prints LUT / FF /
#                    RAMB36 / RAMB18 counts
#
# Four models, DATA_WIDTH 512: FRAME_DROP 1 and 0, each at DEPTH 16 (overflow
# and backpressure frequent) and 512 (the product's). Only the FIFO's own
# source. CDC_RTL may point at another copy of the module (with its own
# BUILD) to see the test fail on a broken one.
CDC_RTL ?= $(RTL_DIR)/axis_async_fifo.v
CDC_CONFIGS := f1_d16 f1_d512 f0_d16 f0_d512
CDC_HOST_SRCS := tests/hw/test_cdc.c tests/common/prng.c

# stem f<FRAME_DROP>_d<DEPTH>
cdc_fd = $(patsubst f%,%,$(word 1,$(subst _, ,$(1))))
cdc_depth = $(patsubst d%,%,$(word 2,$(subst _, ,$(1))))

$(BUILD)/vl/cdc_%.stamp: $(CDC_RTL) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/cdc_$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vaxis_async_fifo_$* \
		-GFRAME_DROP=$(call cdc_fd,$*) -GDEPTH=$(call cdc_depth,$*) \
		--top-module axis_async_fifo -Mdir $(BUILD)/vl/cdc_$* $(CDC_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/cdc_$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/cdc_$*.log; exit 1; }
	touch $@

$(BUILD)/sim/cdc_sim_%.o: sim/cdc/cdc_sim.cpp sim/cdc/cdc_sim.h sim/common/*.h \
		$(BUILD)/vl/cdc_%.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/cdc -I$(BUILD)/vl/cdc_$* \
		-DCDC_VTOP=Vaxis_async_fifo_$* -DCDC_VTOP_HEADER='"Vaxis_async_fifo_$*.h"' \
		-DCDC_OPS=cdc_sim_$* -DCDC_NAME='"$*"' -DCDC_DEPTH=$(call cdc_depth,$*) \
		-DCDC_FRAME_DROP=$(call cdc_fd,$*) -c -o $@ $<

$(BUILD)/tests/test_cdc: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(CDC_HOST_SRCS)) \
		$(foreach c,$(CDC_CONFIGS),$(BUILD)/sim/cdc_sim_$(c).o) $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) \
		$(foreach c,$(CDC_CONFIGS),$(BUILD)/vl/cdc_$(c)/Vaxis_async_fifo_$(c)__ALL.a) -lpthread

CDC_SEED := $(if $(SEED),--seed $(SEED),)
TEST_BINS += $(BUILD)/tests/test_cdc
TEST_CMDS += "cdc: async FIFO frame mode, DEPTH 16 (drops, resets; three clock ratios)" \
             "$(BUILD)/tests/test_cdc --config f1_d16 $(CDC_SEED)" \
             "cdc: async FIFO frame mode, DEPTH 512 (three clock ratios, resets)" \
             "$(BUILD)/tests/test_cdc --config f1_d512 $(CDC_SEED)" \
             "cdc: async FIFO with backpressure, DEPTH 16 (no loss, resets)" \
             "$(BUILD)/tests/test_cdc --config f0_d16 $(CDC_SEED)" \
             "cdc: async FIFO with backpressure, DEPTH 512 (no loss, resets)" \
             "$(BUILD)/tests/test_cdc --config f0_d512 $(CDC_SEED)"

# Yosys synth_xilinx (xcup, -nowidelut as tools/synth.sh) of the FIFO alone
# at DATA_WIDTH 512, DEPTH 512, FRAME_DROP 1: fails on latches, on a
# `check` problem, or if the memory was not mapped to block RAM (any
# $mem cell left, or no RAMB18E2/RAMB36E2); the full `stat` stays in the log.
CDC_SYNTH_DIR := $(BUILD)/synth/cdc

.PHONY: cdc-synth
cdc-synth:
	@mkdir -p $(CDC_SYNTH_DIR)
	$(YOSYS) -q -l $(CDC_SYNTH_DIR)/axis_async_fifo.log -p "read_verilog $(CDC_RTL); chparam -set DATA_WIDTH 512 -set DEPTH 512 -set FRAME_DROP 1 axis_async_fifo; synth_xilinx -family xcup -nowidelut -noiopad -top axis_async_fifo; check -assert; stat; select -assert-none t:LDCE t:LDPE t:LDCPE t:\$$_DLATCH_*_ t:\$$dlatch; select -assert-none t:\$$mem t:\$$mem_v2; select -assert-min 1 t:RAMB18E2 t:RAMB36E2" \
		>/dev/null 2>&1 || { echo "cdc-synth: FAILED (see $(CDC_SYNTH_DIR)/axis_async_fifo.log)"; exit 1; }
	@awk '/^=== .* ===$$/ { lut = ff = b36 = b18 = lutram = 0; next } \
		$$1 ~ /^LUT[1-6]$$/ { lut += $$2 } \
		$$1 ~ /^FD[RSCP]E$$/ { ff += $$2 } \
		$$1 == "RAMB36E2" { b36 += $$2 } \
		$$1 == "RAMB18E2" { b18 += $$2 } \
		$$1 ~ /^RAM(32|64|128|256)/ { lutram += $$2 } \
		END { printf "synth axis_async_fifo 512 bits x 512 beats: LUT %d FF %d RAMB36 %d RAMB18 %d (= %.1f RAMB36) LUTRAM %d latches 0\n", lut, ff, b36, b18, b36 + b18 / 2, lutram }' \
		$(CDC_SYNTH_DIR)/axis_async_fifo.log
