# SA-miss flow filter (hw/rtl/flow_filter.v): its Verilator model, the C
# glue, and test_flow (the RTL against tests/model/flow_ref.c and against
# invariants of its own, ASan/UBSan).
#
#   build/tests/test_flow   Verilated flow_filter (SETS = 512) vs the reference
#   make flow-synth         Yosys synth_xilinx of flow_filter alone (not in
#                           make test): resources, fails on latches
#
# Only the filter's own sources: a half-written module elsewhere in hw/rtl
# must not break this model.
FLOW_RTL    := $(RTL_DIR)/flow_filter.v $(RTL_DIR)/ram_sdp.v
FLOW_PARAMS := -GSETS=512
FLOW_HOST_SRCS := tests/hw/test_flow.c tests/model/flow_ref.c tests/common/prng.c

$(BUILD)/vl/flow.stamp: $(FLOW_RTL) hw/gen/spisync_defs.vh | $(BUILD)/vl
	rm -rf $(BUILD)/vl/flow
	$(VERILATOR) $(VL_FLAGS) --x-initial unique --prefix Vflow_filter_t $(FLOW_PARAMS) \
		--top-module flow_filter -Mdir $(BUILD)/vl/flow $(FLOW_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/flow.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/flow.log; exit 1; }
	touch $@

$(BUILD)/sim/flow_sim.o: sim/flow/flow_sim.cpp sim/flow/flow_sim.h sim/common/*.h \
		$(BUILD)/vl/flow.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/flow -I$(BUILD)/vl/flow -c -o $@ $<

$(BUILD)/tests/test_flow: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(FLOW_HOST_SRCS)) \
		$(BUILD)/sim/flow_sim.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/vl/flow/Vflow_filter_t__ALL.a -lpthread

TEST_BINS += $(BUILD)/tests/test_flow
TEST_CMDS += "flow filter: flow_filter vs flow_ref and invariants (ASan/UBSan)" \
             "$(BUILD)/tests/test_flow $(if $(SEED),--seed $(SEED),)"

# Yosys synth_xilinx (xcup, -nowidelut as tools/synth.sh) of the filter
# alone at SETS = 512: fails on latches; prints LUT / FF / SRL / BRAM
# (RAMB36 equivalents) / URAM of the `stat`, whose full text stays in the log.
FLOW_SYNTH_DIR := $(BUILD)/synth/flow

.PHONY: flow-synth
flow-synth:
	@mkdir -p $(FLOW_SYNTH_DIR)
	$(YOSYS) -q -l $(FLOW_SYNTH_DIR)/flow_filter.log -p "read_verilog -Ihw/gen $(FLOW_RTL); synth_xilinx -family xcup -nowidelut -top flow_filter; stat; select -assert-none t:LDCE t:LDPE t:LDCPE t:\$$_DLATCH_*_ t:\$$dlatch" \
		>/dev/null || { echo "flow-synth: FAILED (see $(FLOW_SYNTH_DIR)/flow_filter.log)"; exit 1; }
	@awk '/^=== .* ===$$/ { lut = ff = srl = bram = uram = 0; next } \
		$$1 ~ /^LUT[1-6]$$/ { lut += $$2 } \
		$$1 ~ /^FD[RSCP]E$$/ { ff += $$2 } \
		$$1 ~ /^SRL(16E|C32E)$$/ { srl += $$2 } \
		$$1 ~ /^RAMB(18|36)E2$$/ { bram += $$2 * ($$1 == "RAMB36E2" ? 1 : 0.5) } \
		$$1 == "URAM288" { uram += $$2 } \
		END { printf "synth flow_filter SETS=512: LUT %d FF %d SRL %d BRAM36 %.1f URAM %d latches 0\n", lut, ff, srl, bram, uram }' \
		$(FLOW_SYNTH_DIR)/flow_filter.log
