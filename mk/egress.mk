# spisync -- the host egress buffer (hw/rtl/host_egress.v) and the reason
# counter bank (hw/rtl/reason_counters.v): Verilator models of several
# parameter sets, their C glue (sim/egress/), the test bench
# tests/hw/test_egress.c (ASan/UBSan on the C side), lint at both data widths
# and a Yosys check of host_egress at BYTES=64.
#
#   make build/tests/test_egress && build/tests/test_egress [--seed N]
#   make egress-lint egress-synth
#
# The models are built from their own sources only, so a half-written module
# elsewhere in hw/rtl does not stop them.

EGRESS_RTL   := $(RTL_DIR)/host_egress.v $(RTL_DIR)/sync_fifo.v $(RTL_DIR)/ram_sdp.v
COUNTERS_RTL := $(RTL_DIR)/reason_counters.v

# One place for each parameter set: name BYTES DATA_DEPTH DESC_DEPTH HDR_BYTES USER_W
# (b64 and b16 as spisync_card.v instantiates them, small fills at once)
EGRESS_VARIANTS := b64 b16 small
EGRESS_P_b64    := 64 512 64 128 40
EGRESS_P_b16    := 16 2048 64 128 40
EGRESS_P_small  := 16 32 4 40 40

# name N PORTS INIT (2^32 - 4096: the counters cross into the high word)
COUNTERS_VARIANTS := p3 p4
COUNTERS_P_p3     := 18 3 4294963200
COUNTERS_P_p4     := 18 4 4294963200

egress_g = -GBYTES=$(word 1,$(EGRESS_P_$1)) -GDATA_DEPTH=$(word 2,$(EGRESS_P_$1)) \
           -GDESC_DEPTH=$(word 3,$(EGRESS_P_$1)) -GHDR_BYTES=$(word 4,$(EGRESS_P_$1)) \
           -GUSER_W=$(word 5,$(EGRESS_P_$1))
egress_d = -DEGRESS_NAME='"$1"' -DEGRESS_BYTES=$(word 1,$(EGRESS_P_$1)) \
           -DEGRESS_DATA_DEPTH=$(word 2,$(EGRESS_P_$1)) -DEGRESS_DESC_DEPTH=$(word 3,$(EGRESS_P_$1)) \
           -DEGRESS_HDR_BYTES=$(word 4,$(EGRESS_P_$1)) -DEGRESS_USER_W=$(word 5,$(EGRESS_P_$1))
counters_g = -GN=$(word 1,$(COUNTERS_P_$1)) -GPORTS=$(word 2,$(COUNTERS_P_$1)) \
             -GINIT=64\'d$(word 3,$(COUNTERS_P_$1))
counters_d = -DCOUNTERS_NAME='"$1"' -DCOUNTERS_N=$(word 1,$(COUNTERS_P_$1)) \
             -DCOUNTERS_PORTS=$(word 2,$(COUNTERS_P_$1)) -DCOUNTERS_INIT=$(word 3,$(COUNTERS_P_$1))ull

$(BUILD)/vl/egress_%.stamp: $(EGRESS_RTL) mk/egress.mk | $(BUILD)/vl
	rm -rf $(BUILD)/vl/egress_$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vhost_egress_$* $(call egress_g,$*) \
		--top-module host_egress -Mdir $(BUILD)/vl/egress_$* $(EGRESS_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/egress_$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/egress_$*.log; exit 1; }
	touch $@

$(BUILD)/vl/counters_%.stamp: $(COUNTERS_RTL) mk/egress.mk | $(BUILD)/vl
	rm -rf $(BUILD)/vl/counters_$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vreason_counters_$* $(call counters_g,$*) \
		--top-module reason_counters -Mdir $(BUILD)/vl/counters_$* $(COUNTERS_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/counters_$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/counters_$*.log; exit 1; }
	touch $@

EGRESS_GLUE_H := sim/egress/egress_sim.h sim/egress/egress_models.h sim/common/vl_sim.h \
                 sim/common/vl_bytes.h

$(BUILD)/sim/egress_model_%.o: sim/egress/egress_model.cpp $(EGRESS_GLUE_H) \
		$(BUILD)/vl/egress_%.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/egress -I$(BUILD)/vl/egress_$* \
		-DVTOP=Vhost_egress_$* -DVTOP_HEADER='"Vhost_egress_$*.h"' \
		-DEGRESS_FACTORY=egress_new_$* $(call egress_d,$*) -c -o $@ $<

$(BUILD)/sim/counters_model_%.o: sim/egress/counters_model.cpp $(EGRESS_GLUE_H) \
		$(BUILD)/vl/counters_%.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/egress -I$(BUILD)/vl/counters_$* \
		-DVTOP=Vreason_counters_$* -DVTOP_HEADER='"Vreason_counters_$*.h"' \
		-DCOUNTERS_FACTORY=counters_new_$* $(call counters_d,$*) -c -o $@ $<

$(BUILD)/sim/egress_sim.o: sim/egress/egress_sim.cpp $(EGRESS_GLUE_H) | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/egress -c -o $@ $<

EGRESS_SIM_OBJS := $(BUILD)/sim/egress_sim.o \
                   $(foreach v,$(EGRESS_VARIANTS),$(BUILD)/sim/egress_model_$(v).o) \
                   $(foreach v,$(COUNTERS_VARIANTS),$(BUILD)/sim/counters_model_$(v).o)
EGRESS_VL_LIBS  := $(foreach v,$(EGRESS_VARIANTS),$(BUILD)/vl/egress_$(v)/Vhost_egress_$(v)__ALL.a) \
                   $(foreach v,$(COUNTERS_VARIANTS),$(BUILD)/vl/counters_$(v)/Vreason_counters_$(v)__ALL.a)

$(BUILD)/tests/test_egress: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_egress.c tests/common/prng.c) \
		$(EGRESS_SIM_OBJS) $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(EGRESS_VL_LIBS) -lpthread

# Lint at the parameter sets the card and the tests use (tools/lint-rtl.sh
# sees the defaults only).
EGRESS_LINT := $(VERILATOR) --lint-only -Wall -Ihw/gen

egress-lint:
	@set -e; for v in $(EGRESS_VARIANTS); do \
		case $$v in b64) g="$(call egress_g,b64)";; b16) g="$(call egress_g,b16)";; \
		small) g="$(call egress_g,small)";; esac; \
		out=$$($(EGRESS_LINT) --top-module host_egress $$g $(EGRESS_RTL) 2>&1) || true; \
		if [ -n "$$out" ]; then echo "$$out"; echo "lint FAIL: host_egress $$v"; exit 1; fi; \
		echo "lint ok: host_egress $$g"; \
	done; \
	for g in "-GPORTS=3" "-GPORTS=4" "-GN=1 -GPORTS=1" "-GN=5 -GPORTS=7"; do \
		out=$$($(EGRESS_LINT) --top-module reason_counters $$g $(COUNTERS_RTL) 2>&1) || true; \
		if [ -n "$$out" ]; then echo "$$out"; echo "lint FAIL: reason_counters $$g"; exit 1; fi; \
		echo "lint ok: reason_counters $$g"; \
	done

# Yosys synth_xilinx (xcup, -nowidelut as tools/synth.sh) of host_egress at
# BYTES=64 with the card's depths and of reason_counters: no latch, `check`
# clean; prints LUT / FF / LUTRAM cells / BRAM (RAMB36 equivalents) of the
# last `stat` section (the hierarchy total, or the only module).
EGRESS_SYNTH_DIR := $(BUILD)/synth/egress

egress-synth:
	@mkdir -p $(EGRESS_SYNTH_DIR)
	@set -e; for top in host_egress reason_counters; do \
		log=$(EGRESS_SYNTH_DIR)/$$top.log; ys=$(EGRESS_SYNTH_DIR)/$$top.ys; \
		if [ $$top = host_egress ]; then srcs="$(EGRESS_RTL)"; \
			params="chparam -set BYTES 64 -set DATA_DEPTH 512 -set DESC_DEPTH 64 -set HDR_BYTES 128 -set USER_W 40 host_egress"; \
		else srcs="$(COUNTERS_RTL)"; params="chparam -set N 18 -set PORTS 4 reason_counters"; fi; \
		{ echo "read_verilog -sv $$srcs"; echo "$$params"; \
		  echo "synth_xilinx -family xcup -nowidelut -noiopad -top $$top"; \
		  echo "check -assert"; \
		  echo 'select -assert-none t:LDCE t:LDPE t:LDCPE t:$$_DLATCH_*_ t:$$dlatch'; \
		  echo "stat"; } >$$ys; \
		$(YOSYS) -q -l $$log -s $$ys >/dev/null 2>&1 || { echo "synth FAIL: $$top (see $$log)"; exit 1; }; \
		awk -v top=$$top ' \
			/^=== .* ===$$/ { lut = ff = lram = bram = 0; next } \
			$$1 ~ /^LUT[1-6]$$/ { lut += $$2 } \
			$$1 ~ /^FD[RSCP]E$$/ { ff += $$2 } \
			$$1 ~ /^RAM(32|64|128|256|512)/ { lram += $$2 } \
			$$1 ~ /^RAMB(18|36)E2$$/ { bram += $$2 * ($$1 == "RAMB36E2" ? 1 : 0.5) } \
			END { printf "synth %s: LUT %d FF %d LUTRAM cells %d BRAM36 %.1f latches 0\n", top, lut, ff, lram, bram }' $$log; \
	done

# Timing estimate as tools/synth.sh --sta: flattened, no SRL, Yosys `sta`
# (cell delays of its xcup models, no routing): worst register-to-register
# path of host_egress (BYTES=64) and reason_counters (PORTS=4), in ps.
egress-sta:
	@mkdir -p $(EGRESS_SYNTH_DIR)
	@set -e; for top in host_egress reason_counters; do \
		log=$(EGRESS_SYNTH_DIR)/$$top.sta.log; ys=$(EGRESS_SYNTH_DIR)/$$top.sta.ys; \
		if [ $$top = host_egress ]; then srcs="$(EGRESS_RTL)"; \
			params="chparam -set BYTES 64 -set DATA_DEPTH 512 -set DESC_DEPTH 64 -set HDR_BYTES 128 -set USER_W 40 host_egress"; \
		else srcs="$(COUNTERS_RTL)"; params="chparam -set N 18 -set PORTS 4 reason_counters"; fi; \
		{ echo "read_verilog -sv $$srcs"; echo "$$params"; \
		  echo "synth_xilinx -family xcup -nowidelut -noiopad -nosrl -flatten -top $$top"; \
		  echo "read_verilog -lib -specify +/xilinx/cells_sim.v"; echo "sta"; } >$$ys; \
		$(YOSYS) -q -l $$log -s $$ys >/dev/null 2>&1 || { echo "sta FAIL: $$top (see $$log)"; exit 1; }; \
		echo "sta $$top: worst path $$(sed -n "s/^Latest arrival time in '$$top' is \([0-9]*\):.*/\1/p" $$log | tail -1) ps"; \
	done

.PHONY: egress-lint egress-synth egress-sta

TEST_BINS += $(BUILD)/tests/test_egress
TEST_CMDS += "egress: lint host_egress (BYTES 16, 64) and reason_counters" "$(MAKE) -s egress-lint"
TEST_CMDS += "egress: Yosys host_egress BYTES=64 and reason_counters (no latches)" "$(MAKE) -s egress-synth"
TEST_CMDS += "egress: host_egress scoreboard (BYTES 64, 16, small) and reason_counters (ASan/UBSan)" \
             "$(BUILD)/tests/test_egress $(if $(SEED),--seed $(SEED),)"
