# spisync -- the event ring writer (hw/rtl/event_ring.v), the host memory
# model behind it (sim/common/host_mem.c) and the driver's ring consumer
# (driver/event_ring.c):
#
#   build/tests/test_ring              Verilated event_ring (two parameter
#                                      sets) writing into host_mem, read back
#                                      by the driver's consumer (ASan/UBSan)
#   build/tests/test_event_ring        cmocka unit tests of the consumer
#   build/tests/test_event_ring.plain  the same, uninstrumented, for valgrind
#   make ring-lint ring-synth ring-sta
#   make ring-test                     this fragment's part of `make test`
#
# The models are built from event_ring.v only, so a half-written module
# elsewhere in hw/rtl does not stop them.

RING_RTL := $(RTL_DIR)/event_ring.v

# name: ADDR_W SIZE_LOG2_MAX MAX_OUTSTANDING (def: as the card uses it;
# small: a non-power-of-two limit, clamped sizes, narrow addresses)
RING_VARIANTS := def small
RING_P_def    := 64 20 16
RING_P_small  := 40 4 3

ring_g = -GADDR_W=$(word 1,$(RING_P_$1)) -GSIZE_LOG2_MAX=$(word 2,$(RING_P_$1)) \
         -GMAX_OUTSTANDING=$(word 3,$(RING_P_$1))
ring_d = -DRING_P_$1='$(word 1,$(RING_P_$1)),$(word 2,$(RING_P_$1)),$(word 3,$(RING_P_$1))'

$(BUILD)/vl/ring_%.stamp: $(RING_RTL) hw/gen/spisync_defs.vh mk/ring.mk | $(BUILD)/vl
	rm -rf $(BUILD)/vl/ring_$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vevent_ring_$* $(call ring_g,$*) \
		--top-module event_ring -Mdir $(BUILD)/vl/ring_$* $(RING_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/ring_$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/ring_$*.log; exit 1; }
	touch $@

$(BUILD)/sim/ring_sim.o: sim/ring/ring_sim.cpp sim/ring/ring_sim.h sim/common/vl_bytes.h sim/common/vl_sim.h \
		$(foreach v,$(RING_VARIANTS),$(BUILD)/vl/ring_$(v).stamp) | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/ring $(foreach v,$(RING_VARIANTS),-I$(BUILD)/vl/ring_$(v)) \
		$(foreach v,$(RING_VARIANTS),$(call ring_d,$(v))) -c -o $@ $<

RING_VL_LIBS := $(foreach v,$(RING_VARIANTS),$(BUILD)/vl/ring_$(v)/Vevent_ring_$(v)__ALL.a)

# The shared object rules do not look in driver/: the two test programs
# that include event_ring.h get their own (same flags plus -Idriver).
RING_INC := -Itests/common -Isim -Idriver -Ihw/gen
RING_TEST_H := driver/event_ring.h sim/ring/ring_sim.h sim/common/host_mem.h \
               tests/common/prng.h hw/gen/spisync_hw.h

$(BUILD)/obj/san/tests/hw/test_ring.o $(BUILD)/obj/san/tests/unit/test_event_ring.o: \
		$(BUILD)/obj/san/%.o: %.c $(RING_TEST_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(RING_INC) -c -o $@ $<

$(BUILD)/obj/opt/tests/unit/test_event_ring.o: $(BUILD)/obj/opt/%.o: %.c $(RING_TEST_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(RING_INC) -c -o $@ $<

$(BUILD)/obj/san/driver/event_ring.o $(BUILD)/obj/opt/driver/event_ring.o: driver/event_ring.h

$(BUILD)/tests/test_ring: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_ring.c \
		sim/common/host_mem.c driver/event_ring.c tests/common/prng.c) \
		$(BUILD)/sim/ring_sim.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(RING_VL_LIBS) -lpthread

EVENT_RING_TEST_SRCS := tests/unit/test_event_ring.c driver/event_ring.c tests/common/prng.c

$(BUILD)/tests/test_event_ring: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(EVENT_RING_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_event_ring.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(EVENT_RING_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka

# Lint at the test's parameter sets and a few edges (tools/lint-rtl.sh sees
# the defaults only).
RING_LINT := $(VERILATOR) --lint-only -Wall -Ihw/gen

ring-lint:
	@set -e; for g in "$(call ring_g,def)" "$(call ring_g,small)" "-GMAX_OUTSTANDING=1" \
		"-GADDR_W=48 -GSIZE_LOG2_MAX=31 -GMAX_OUTSTANDING=32" "-GSIZE_LOG2_MAX=1 -GMAX_OUTSTANDING=2"; do \
		out=$$($(RING_LINT) --top-module event_ring $$g $(RING_RTL) 2>&1) || true; \
		if [ -n "$$out" ]; then echo "$$out"; echo "lint FAIL: event_ring $$g"; exit 1; fi; \
		echo "lint ok: event_ring $$g"; \
	done

# Yosys synth_xilinx (xcup, -nowidelut) of event_ring at its defaults: no
# latch, `check` clean; prints LUT / FF / LUTRAM cells / carry cells.
RING_SYNTH_DIR := $(BUILD)/synth/ring

ring-synth:
	@mkdir -p $(RING_SYNTH_DIR)
	@log=$(RING_SYNTH_DIR)/event_ring.log; \
	$(YOSYS) -q -l $$log -p "read_verilog -Ihw/gen $(RING_RTL); \
		synth_xilinx -family xcup -nowidelut -top event_ring; check -assert; \
		select -assert-none t:LDCE t:LDPE t:LDCPE t:\$$_DLATCH_*_ t:\$$dlatch; stat" \
		>/dev/null 2>&1 || { echo "synth FAIL: event_ring (see $$log)"; exit 1; }; \
	awk ' \
		/^=== .* ===$$/ { lut = ff = lram = carry = 0; next } \
		$$1 ~ /^LUT[1-6]$$/ { lut += $$2 } \
		$$1 ~ /^FD[RSCP]E$$/ { ff += $$2 } \
		$$1 ~ /^RAM(32|64|128|256|512)/ { lram += $$2 } \
		$$1 ~ /^CARRY[48]$$/ { carry += $$2 } \
		END { printf "synth event_ring: LUT %d FF %d LUTRAM cells %d carry cells %d latches 0\n", lut, ff, lram, carry }' $$log

# Timing estimate as egress-sta: flattened, no SRL, Yosys `sta` (cell delays
# of its xcup models, no routing; the LUTRAM has no timing arcs): worst
# register-to-register path of event_ring at its defaults, in ps.
ring-sta:
	@mkdir -p $(RING_SYNTH_DIR)
	@log=$(RING_SYNTH_DIR)/event_ring.sta.log; \
	$(YOSYS) -q -l $$log -p "read_verilog -Ihw/gen $(RING_RTL); \
		synth_xilinx -family xcup -nowidelut -noiopad -nosrl -flatten -top event_ring; \
		read_verilog -lib -specify +/xilinx/cells_sim.v; sta" \
		>/dev/null 2>&1 || { echo "sta FAIL: event_ring (see $$log)"; exit 1; }; \
	echo "sta event_ring: worst path $$(sed -n "s/^Latest arrival time in 'event_ring' is \([0-9]*\):.*/\1/p" $$log | tail -1) ps"

.PHONY: ring-lint ring-synth ring-sta

TEST_BINS += $(BUILD)/tests/test_ring $(BUILD)/tests/test_event_ring $(BUILD)/tests/test_event_ring.plain

RING_SEED_ARG := $(if $(SEED),--seed $(SEED),)

RING_TEST_CMDS := \
  "ring: lint event_ring (test parameter sets and edges)" "$(MAKE) -s ring-lint" \
  "driver/event_ring.c freestanding, no external symbols" \
  "mkdir -p $(BUILD)/obj/freestanding && $(CC) -std=c11 -ffreestanding -nostdlib -O2 $(WARN) -Ihw/gen -Idriver -c driver/event_ring.c -o $(BUILD)/obj/freestanding/event_ring.o && test -z \"\$$(nm -u $(BUILD)/obj/freestanding/event_ring.o)\"" \
  "unit: event ring consumer (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_event_ring $(RING_SEED_ARG)" \
  "unit: event ring consumer (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_event_ring.plain $(RING_SEED_ARG)" \
  "ring: host memory model, then event_ring writing into it, read back by the driver's consumer (ASan/UBSan)" \
  "$(BUILD)/tests/test_ring $(RING_SEED_ARG)"

TEST_CMDS += $(RING_TEST_CMDS)

# this fragment's part of `make test` alone
ring-test: $(BUILD)/tests/test_ring $(BUILD)/tests/test_event_ring $(BUILD)/tests/test_event_ring.plain
	@tools/run-tests.sh $(RING_TEST_CMDS)

.PHONY: ring-test
