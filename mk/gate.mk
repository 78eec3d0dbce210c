# Event gate (hw/rtl/event_gate.v): its Verilator model, the C glue, and
# test_gate (the RTL against tests/model/gate_ref.c and against invariants of
# its own, ASan/UBSan).
#
#   build/tests/test_gate   Verilated event_gate (REC_W = 512) vs the reference
#   make gate-synth         Yosys synth_xilinx of event_gate alone (not in
#                           make test): resources, fails on latches
#
# Only the gate's own source: a half-written module elsewhere in hw/rtl must
# not break this model. GATE_RTL may point at another copy of the module
# (with its own BUILD) to see the test fail on a broken one.
GATE_RTL ?= $(RTL_DIR)/event_gate.v
GATE_HOST_SRCS := tests/hw/test_gate.c tests/model/gate_ref.c tests/common/prng.c

$(BUILD)/vl/gate.stamp: $(GATE_RTL) hw/gen/spisync_defs.vh | $(BUILD)/vl
	rm -rf $(BUILD)/vl/gate
	$(VERILATOR) $(VL_FLAGS) --prefix Vevent_gate_t \
		--top-module event_gate -Mdir $(BUILD)/vl/gate $(GATE_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/gate.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/gate.log; exit 1; }
	touch $@

$(BUILD)/sim/gate_sim.o: sim/gate/gate_sim.cpp sim/gate/gate_sim.h sim/common/*.h \
		$(BUILD)/vl/gate.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/gate -I$(BUILD)/vl/gate -c -o $@ $<

$(BUILD)/tests/test_gate: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(GATE_HOST_SRCS)) \
		$(BUILD)/sim/gate_sim.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/vl/gate/Vevent_gate_t__ALL.a -lpthread

TEST_BINS += $(BUILD)/tests/test_gate
TEST_CMDS += "event gate: event_gate vs gate_ref and invariants (ASan/UBSan)" \
             "$(BUILD)/tests/test_gate $(if $(SEED),--seed $(SEED),)" \
             "event gate: token period raised and lowered under load (bucket bound)" \
             "$(BUILD)/tests/test_gate --rate-change $(if $(SEED),--seed $(SEED),)"

# Yosys synth_xilinx (xcup, -nowidelut as tools/synth.sh) of the gate alone
# at REC_W = 512: fails on latches; prints LUT / FF / CARRY of the `stat`,
# whose full text stays in the log.
GATE_SYNTH_DIR := $(BUILD)/synth/gate

.PHONY: gate-synth
gate-synth:
	@mkdir -p $(GATE_SYNTH_DIR)
	$(YOSYS) -q -l $(GATE_SYNTH_DIR)/event_gate.log -p "read_verilog -Ihw/gen $(GATE_RTL); synth_xilinx -family xcup -nowidelut -top event_gate; stat; select -assert-none t:LDCE t:LDPE t:LDCPE t:\$$_DLATCH_*_ t:\$$dlatch" \
		>/dev/null || { echo "gate-synth: FAILED (see $(GATE_SYNTH_DIR)/event_gate.log)"; exit 1; }
	@awk '/^=== .* ===$$/ { lut = ff = carry = 0; next } \
		$$1 ~ /^LUT[1-6]$$/ { lut += $$2 } \
		$$1 ~ /^FD[RSCP]E$$/ { ff += $$2 } \
		$$1 ~ /^CARRY[48]$$/ { carry += $$2 } \
		END { printf "synth event_gate REC_W=512: LUT %d FF %d CARRY %d latches 0\n", lut, ff, carry }' \
		$(GATE_SYNTH_DIR)/event_gate.log
