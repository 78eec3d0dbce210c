# spisync -- the card's controller registers (tests/hw/test_ctl_regs.c):
# mailbox, card time steps (TIME_ADJUST), controller events (FW_EVENT,
# hw/rtl/fw_event.v) and the event history (hw/rtl/event_hist.v), on the
# whole card (mk/card.mk's models and host code) with the frame builder and
# OpenSSL for the traffic.
#
#   build/tests/test_ctl_regs   the card at 128 or 512 bits (ASan/UBSan)
#   make ctl-regs-lint          Verilator -Wall of fw_event and event_hist at
#                               the parameter sets below
#   make ctl-regs-synth         Yosys synth_xilinx of each alone: no latch,
#                               `check` clean; LUT / FF / LUTRAM / BRAM cells
#   make ctl-regs-test          this fragment's part of `make test`

CTL_REGS_SRCS := tests/hw/test_ctl_regs.c $(CARD_HOST_SRCS) \
                 tests/model/frame_build.c tests/common/prng.c tests/common/gcm_ref.c

$(BUILD)/tests/test_ctl_regs: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(CTL_REGS_SRCS)) \
		$(CARD_SIM_OBJS) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(CARD_SIM_LIBS) -lcrypto

TEST_BINS += $(BUILD)/tests/test_ctl_regs

# each module with what it instantiates; event_hist: the card's depth, the
# smallest and a large one
CTL_FW_RTL   := $(RTL_DIR)/fw_event.v
CTL_HIST_RTL := $(RTL_DIR)/event_hist.v $(RTL_DIR)/ram_sdp.v
CTL_LINT     := $(VERILATOR) --lint-only -Wall -Ihw/gen

ctl-regs-lint:
	@set -e; \
	out=$$($(CTL_LINT) --top-module fw_event $(CTL_FW_RTL) 2>&1) || true; \
	if [ -n "$$out" ]; then echo "$$out"; echo "lint FAIL: fw_event"; exit 1; fi; \
	echo "lint ok: fw_event"; \
	for g in "" "-GDEPTH=2" "-GDEPTH=4096"; do \
		out=$$($(CTL_LINT) --top-module event_hist $$g $(CTL_HIST_RTL) 2>&1) || true; \
		if [ -n "$$out" ]; then echo "$$out"; echo "lint FAIL: event_hist $$g"; exit 1; fi; \
		echo "lint ok: event_hist $$g"; \
	done

# Yosys synth_xilinx (xcup, -nowidelut) of each module at the card's
# parameters: `check -assert`, no latch cell, and a summary of the `stat`
# (the full text stays in the log).
CTL_SYNTH_DIR := $(BUILD)/synth/ctl_regs

# $(1): top, $(2): sources
define ctl_synth
	@log=$(CTL_SYNTH_DIR)/$(1).log; \
	$(YOSYS) -q -l $$log -p "read_verilog -Ihw/gen $(2); \
		synth_xilinx -family xcup -nowidelut -top $(1); check -assert; \
		select -assert-none t:LDCE t:LDPE t:LDCPE t:\$$_DLATCH_*_ t:\$$dlatch; stat" \
		>/dev/null 2>&1 || { echo "synth FAIL: $(1) (see $$log)"; exit 1; }; \
	awk ' \
		/^=== .* ===$$/ { lut = ff = lram = bram = carry = 0; next } \
		$$1 ~ /^LUT[1-6]$$/ { lut += $$2 } \
		$$1 ~ /^FD[RSCP]E$$/ { ff += $$2 } \
		$$1 ~ /^RAM(32|64|128|256|512)/ { lram += $$2 } \
		$$1 ~ /^RAMB(18|36)E2$$/ { bram += $$2 } \
		$$1 ~ /^CARRY[48]$$/ { carry += $$2 } \
		END { printf "synth $(1): LUT %d FF %d LUTRAM cells %d BRAM %d carry cells %d latches 0\n", \
			lut, ff, lram, bram, carry }' $$log
endef

ctl-regs-synth:
	@mkdir -p $(CTL_SYNTH_DIR)
	$(call ctl_synth,fw_event,$(CTL_FW_RTL))
	$(call ctl_synth,event_hist,$(CTL_HIST_RTL))

.PHONY: ctl-regs-lint ctl-regs-synth

CTL_REGS_SEED_ARG := $(if $(SEED),--seed $(SEED),)

CTL_REGS_TEST_CMDS := \
  "ctl regs: lint fw_event and event_hist (parameter sets)" "$(MAKE) -s ctl-regs-lint" \
  "ctl regs: Yosys fw_event and event_hist (xcup, no latches)" "$(MAKE) -s ctl-regs-synth" \
  "ctl regs, 128 bits: mailbox, TIME_ADJUST, FW_EVENT (with SA events, stalled path), event history" \
  "$(BUILD)/tests/test_ctl_regs --width 128 $(CTL_REGS_SEED_ARG)" \
  "ctl regs, 512 bits: mailbox, TIME_ADJUST, FW_EVENT (with SA events, stalled path), event history" \
  "$(BUILD)/tests/test_ctl_regs --width 512 $(CTL_REGS_SEED_ARG)"

TEST_CMDS += $(CTL_REGS_TEST_CMDS)

ctl-regs-test: $(BUILD)/tests/test_ctl_regs
	@tools/run-tests.sh $(CTL_REGS_TEST_CMDS)

.PHONY: ctl-regs-test
