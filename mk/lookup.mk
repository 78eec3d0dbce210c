# SA lookup (hw/rtl/sa_lookup.v, hw/rtl/h3_hash.v) and the firmware's SA
# table placement (firmware/sa_table.c).
#
#   build/tests/test_sa_table        cmocka unit tests of the placement (ASan/UBSan)
#   build/tests/test_sa_table.plain  the same, uninstrumented, for valgrind
#   build/tests/test_lookup          the Verilated sa_lookup driven by the
#                                    placement code, against a C dictionary

# Only the lookup's own sources: a half-written module elsewhere in hw/rtl
# must not break this model.
LOOKUP_RTL    := hw/rtl/sa_lookup.v hw/rtl/h3_hash.v hw/rtl/ram_sdp.v
LOOKUP_PARAMS := -GSA_ENTRIES=4096 -GTAG_BUCKETS=2048 -GUSER_W=32

$(BUILD)/vl/lookup.stamp: $(LOOKUP_RTL) hw/gen/spisync_defs.vh | $(BUILD)/vl
	rm -rf $(BUILD)/vl/lookup
	$(VERILATOR) $(VL_FLAGS) --x-initial unique --prefix Vsa_lookup_t $(LOOKUP_PARAMS) \
		--top-module sa_lookup -Mdir $(BUILD)/vl/lookup $(LOOKUP_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/lookup.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/lookup.log; exit 1; }
	touch $@

$(BUILD)/sim/lookup_sim.o: sim/lookup/lookup_sim.cpp sim/lookup/lookup_sim.h sim/common/*.h \
		$(BUILD)/vl/lookup.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/lookup -I$(BUILD)/vl/lookup -c -o $@ $<

$(BUILD)/tests/test_lookup: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_lookup.c \
		firmware/sa_table.c tests/common/prng.c) \
		$(BUILD)/sim/lookup_sim.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/vl/lookup/Vsa_lookup_t__ALL.a -lpthread

SA_TABLE_TEST_SRCS := tests/unit/test_sa_table.c firmware/sa_table.c tests/common/prng.c

$(BUILD)/tests/test_sa_table: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SA_TABLE_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_sa_table.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SA_TABLE_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka

TEST_BINS += $(BUILD)/tests/test_sa_table $(BUILD)/tests/test_sa_table.plain \
             $(BUILD)/tests/test_lookup

LOOKUP_SEED_ARG := $(if $(SEED),--seed $(SEED),)

# the firmware file must build freestanding and call nothing outside itself
TEST_CMDS += "firmware/sa_table.c freestanding, no external symbols" \
  "mkdir -p $(BUILD)/obj/freestanding && $(CC) -std=c11 -ffreestanding -nostdlib -O2 $(WARN) -Ihw/gen -Ifirmware -c firmware/sa_table.c -o $(BUILD)/obj/freestanding/sa_table.o && test -z \"\$$(nm -u $(BUILD)/obj/freestanding/sa_table.o)\""
TEST_CMDS += "unit: SA table placement (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_sa_table $(LOOKUP_SEED_ARG)"
TEST_CMDS += "unit: SA table placement (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_sa_table.plain $(LOOKUP_SEED_ARG)"
TEST_CMDS += "SA lookup: Verilated sa_lookup + firmware placement vs a C dictionary" \
  "$(BUILD)/tests/test_lookup $(LOOKUP_SEED_ARG)"
