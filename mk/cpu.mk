# spisync -- the card controller's CPU (hw/cpu/): the rv32imc core, the
# controller subsystem ctl_cpu, the AXI4-Lite arbiter, and their tests.
#
#   build/tests/test_cpu_isa    rv32_core alone (Verilated, random port stalls)
#                               vs qemu-system-riscv32 on tests/cpu programs
#                               built for rv32imc and rv32im; and the directed
#                               trap test (tests/cpu/trap_test.c)
#   build/tests/test_cpu_arb    axil_arb alone: both masters' reads and writes at
#                               random against a slave model (routing, one at a
#                               time, fairness)
#   (the real firmware on ctl_cpu + axil_arb + the card, in the Alveo
#   kernel top itself: mk/kernel_sim.mk, test_kernel)
#   make cpu-lint               verilator --lint-only -Wall of each hw/cpu module
#   make cpu-synth              Yosys synth_xilinx of ctl_cpu (small RAMs): no
#                               latches; resources; `sta` of rv32_core
#   make cpu-test               this fragment's part of `make test`
#
# CPU_RTL may point at another copy of hw/cpu (with its own BUILD) to see the
# tests fail on a broken one.
CPU_RTL_DIR ?= hw/cpu
CPU_RTL     := $(sort $(wildcard $(CPU_RTL_DIR)/*.v))
CPU_CORE_RTL := $(CPU_RTL_DIR)/rv32_core.v $(CPU_RTL_DIR)/rv32_cdec.v $(CPU_RTL_DIR)/rv32_muldiv.v

CPU_QEMU ?= qemu-system-riscv32

# ---------------------------------------------------------------------------
# test programs (rv32, for 0x80000000: QEMU virt and the core's memory model)
# ---------------------------------------------------------------------------
CPU_PROG_DIR := $(BUILD)/cpu
CPU_PROG_CFLAGS := -std=c11 -mabi=ilp32 -O2 -ffreestanding -nostdlib -static \
                   -Wall -Wextra -Werror -Itests/cpu -T tests/cpu/link.ld \
                   -Wl,--no-warn-rwx-segments
CPU_PROG_DEPS := tests/cpu/crt0.S tests/cpu/cpu_io.h tests/cpu/link.ld mk/cpu.mk

# Zicsr is named only so that the assembler takes the CSR mnemonics
$(CPU_PROG_DIR)/isa_rv32imc.elf: tests/cpu/isa_test.c $(CPU_PROG_DEPS)
	$(fw_need_cross)
	@mkdir -p $(dir $@)
	$(FW_CC) -march=rv32imc_zicsr $(CPU_PROG_CFLAGS) -o $@ tests/cpu/crt0.S $<

$(CPU_PROG_DIR)/isa_rv32im.elf: tests/cpu/isa_test.c $(CPU_PROG_DEPS)
	$(fw_need_cross)
	@mkdir -p $(dir $@)
	$(FW_CC) -march=rv32im_zicsr $(CPU_PROG_CFLAGS) -o $@ tests/cpu/crt0.S $<

$(CPU_PROG_DIR)/trap_test.elf: tests/cpu/trap_test.c $(CPU_PROG_DEPS)
	$(fw_need_cross)
	@mkdir -p $(dir $@)
	$(FW_CC) -march=rv32imc_zicsr $(CPU_PROG_CFLAGS) -o $@ tests/cpu/crt0.S $<

CPU_PROGS := $(CPU_PROG_DIR)/isa_rv32imc.elf $(CPU_PROG_DIR)/isa_rv32im.elf \
             $(CPU_PROG_DIR)/trap_test.elf

# ---------------------------------------------------------------------------
# rv32_core alone
# ---------------------------------------------------------------------------
$(BUILD)/vl/cpu_core.stamp: $(CPU_CORE_RTL) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/cpu_core
	$(VERILATOR) $(VL_FLAGS) --prefix Vrv32_core_t -GRESET_PC=32\'h80000000 \
		--top-module rv32_core -Mdir $(BUILD)/vl/cpu_core $(CPU_CORE_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/cpu_core.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/cpu_core.log; exit 1; }
	touch $@

$(BUILD)/sim/core_sim.o: sim/cpu/core_sim.cpp sim/cpu/core_sim.h sim/common/*.h \
		$(BUILD)/vl/cpu_core.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/cpu -I$(BUILD)/vl/cpu_core -c -o $@ $<

$(BUILD)/obj/san/tests/hw/test_cpu_isa.o: HOST_CFLAGS += -Isim/cpu
$(BUILD)/obj/san/tests/hw/test_cpu_isa.o: sim/cpu/core_sim.h

$(BUILD)/tests/test_cpu_isa: $(BUILD)/obj/san/tests/hw/test_cpu_isa.o $(BUILD)/sim/core_sim.o \
		$(VL_RUNTIME) $(CPU_PROGS) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/vl/cpu_core/Vrv32_core_t__ALL.a -lpthread

TEST_BINS += $(BUILD)/tests/test_cpu_isa

# ---------------------------------------------------------------------------
# axil_arb alone
# ---------------------------------------------------------------------------
$(BUILD)/vl/cpu_arb.stamp: $(CPU_RTL_DIR)/axil_arb.v | $(BUILD)/vl
	rm -rf $(BUILD)/vl/cpu_arb
	$(VERILATOR) $(VL_FLAGS) --prefix Vaxil_arb_t --top-module axil_arb \
		-Mdir $(BUILD)/vl/cpu_arb $(CPU_RTL_DIR)/axil_arb.v \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/cpu_arb.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/cpu_arb.log; exit 1; }
	touch $@

$(BUILD)/sim/arb_sim.o: sim/cpu/arb_sim.cpp sim/cpu/arb_sim.h sim/common/*.h \
		$(BUILD)/vl/cpu_arb.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/cpu -I$(BUILD)/vl/cpu_arb -c -o $@ $<

$(BUILD)/obj/san/tests/hw/test_cpu_arb.o: HOST_CFLAGS += -Isim/cpu
$(BUILD)/obj/san/tests/hw/test_cpu_arb.o: sim/cpu/arb_sim.h

$(BUILD)/tests/test_cpu_arb: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_cpu_arb.c tests/common/prng.c) \
		$(BUILD)/sim/arb_sim.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/vl/cpu_arb/Vaxil_arb_t__ALL.a -lpthread

TEST_BINS += $(BUILD)/tests/test_cpu_arb

CPU_SEED_ARG := $(if $(SEED),--seed $(SEED),)

CPU_TEST_CMDS := \
  "cpu: rv32_core vs QEMU, rv32imc and rv32im programs (random port stalls)" \
  "$(BUILD)/tests/test_cpu_isa $(CPU_SEED_ARG) --qemu $(CPU_QEMU) $(CPU_PROG_DIR)/isa_rv32imc.elf $(CPU_PROG_DIR)/isa_rv32im.elf" \
  "cpu: rv32_core directed traps (mtvec, mepc, mcause, mtval, mstatus)" \
  "$(BUILD)/tests/test_cpu_isa $(CPU_SEED_ARG) --directed $(CPU_PROG_DIR)/trap_test.elf" \
  "cpu: axil_arb, both masters' reads and writes at random vs a slave model" \
  "$(BUILD)/tests/test_cpu_arb $(CPU_SEED_ARG)"

TEST_CMDS += $(CPU_TEST_CMDS)

.PHONY: cpu-test
cpu-test: $(BUILD)/tests/test_cpu_isa $(BUILD)/tests/test_cpu_arb
	@tools/run-tests.sh $(CPU_TEST_CMDS)

# ---------------------------------------------------------------------------
# the firmware in ctl_cpu's ROM: one 32-bit word a line for $readmemh, from
# the ELF's loaded image (.text, .rodata, .data's image; from address 0)
# ---------------------------------------------------------------------------
FW_HEX     := $(BUILD)/firmware/spisync-fw.hex
FW_HEX_T64 := $(BUILD)/firmware/spisync-fw-t64.hex
FW_OBJCOPY = $(FW_CROSS)objcopy

# (mk/firmware.mk comes after this file: its FW_ELF is not set yet here)
$(FW_HEX) $(FW_HEX_T64): $(BUILD)/firmware/%.hex: $(BUILD)/firmware/%.elf mk/cpu.mk
	$(FW_OBJCOPY) -O binary -j .text -j .rodata -j .data $< $@.bin
	truncate -s %4 $@.bin
	od -An -v -tx4 -w4 $@.bin | tr -d ' ' >$@.tmp
	rm -f $@.bin
	mv $@.tmp $@

firmware-hex: $(FW_HEX)
.PHONY: firmware-hex

# the Alveo kernel's .xo carries it (mk/alveo.mk, hw/alveo/package_xo.tcl)
$(ALVEO_XO): $(FW_HEX)

# ---------------------------------------------------------------------------
# lint and synthesis
# ---------------------------------------------------------------------------
# every hw/cpu module as top: zero warnings
cpu-lint:
	@set -e; for f in $(CPU_RTL); do \
		top=$$(basename $$f .v); \
		out=$$($(VERILATOR) --lint-only -Wall --top-module $$top $(CPU_RTL) 2>&1) || true; \
		if [ -n "$$out" ]; then echo "lint FAIL: $$top"; echo "$$out"; exit 1; fi; \
	done; echo "cpu-lint: $(words $(CPU_RTL)) modules, zero warnings"

# Yosys synth_xilinx (xcup, -nowidelut) of ctl_cpu with the real firmware in
# an 8 KiB ROM (an empty ROM would be optimised away) and an 8 KiB RAM: no
# latches; LUT / FF / CARRY / RAM counts of the whole (the last `stat`
# section, the hierarchy's total). `make cpu-sta`: Yosys `sta` of rv32_core
# alone, flattened, as tools/bench-alveo.sh does it (xcup cell delays, no
# routing; not in make test).
CPU_SYNTH_DIR := $(BUILD)/synth/cpu
cpu-synth: $(FW_HEX)
	@mkdir -p $(CPU_SYNTH_DIR)
	$(YOSYS) -q -l $(CPU_SYNTH_DIR)/ctl_cpu.log -p "read_verilog $(CPU_RTL); \
		chparam -set CODE_BYTES 8192 -set DRAM_BYTES 8192 -set FW_HEX \"$(abspath $(FW_HEX))\" ctl_cpu; \
		synth_xilinx -family xcup -nowidelut -top ctl_cpu; stat; \
		select -assert-none t:LDCE t:LDPE t:LDCPE t:\$$_DLATCH_*_ t:\$$dlatch" \
		>/dev/null 2>&1 || { echo "cpu-synth: FAILED (see $(CPU_SYNTH_DIR)/ctl_cpu.log)"; exit 1; }
	@awk '/^=== .* ===$$/ { lut = lutram = ff = carry = bram = uram = dsp = 0; next } \
		$$1 ~ /^LUT[1-6]$$/ { lut += $$2 } $$1 ~ /^RAM(32|64)/ { lutram += $$2 } \
		$$1 ~ /^FD[RSCP]E$$/ { ff += $$2 } $$1 ~ /^CARRY[48]$$/ { carry += $$2 } \
		$$1 ~ /^RAMB/ { bram += $$2 } $$1 ~ /^URAM/ { uram += $$2 } $$1 ~ /^DSP/ { dsp += $$2 } \
		END { printf "synth ctl_cpu (8 KiB ROM, 8 KiB RAM): LUT %d LUTRAM %d FF %d CARRY %d BRAM %d URAM %d DSP %d latches 0\n", \
		lut, lutram, ff, carry, bram, uram, dsp }' $(CPU_SYNTH_DIR)/ctl_cpu.log

cpu-sta:
	@mkdir -p $(CPU_SYNTH_DIR)
	$(YOSYS) -q -l $(CPU_SYNTH_DIR)/core_sta.log -p "read_verilog $(CPU_CORE_RTL); \
		synth_xilinx -family xcup -nowidelut -noiopad -nosrl -flatten -top rv32_core; \
		read_verilog -lib -specify +/xilinx/cells_sim.v; sta" >/dev/null 2>&1 \
		|| { echo "cpu-sta: FAILED (see $(CPU_SYNTH_DIR)/core_sta.log)"; exit 1; }
	@grep "^Latest arrival time in 'rv32_core'" $(CPU_SYNTH_DIR)/core_sta.log | tail -1

.PHONY: cpu-lint cpu-synth cpu-sta

CPU_RTL_TEST_CMDS := \
  "cpu: hw/cpu lint (Verilator -Wall, each module as top)" "$(MAKE) -s cpu-lint" \
  "cpu: ctl_cpu synthesis (Yosys xcup, small RAMs, no latches)" "$(MAKE) -s cpu-synth"

TEST_CMDS += $(CPU_RTL_TEST_CMDS)
CPU_TEST_CMDS += $(CPU_RTL_TEST_CMDS)
