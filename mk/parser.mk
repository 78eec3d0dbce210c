# spisync -- the frame parser (hw/rtl/esp_parser.v): its Verilator model,
# the C glue, and test_parser (RTL and tests/model/parse_ref.c against each
# other and against a hand-written table), built with ASan/UBSan.
#
# The model is built from esp_parser.v alone (it instantiates nothing), so a
# half-written module elsewhere in hw/rtl does not stop it.

PARSER_RTL := $(RTL_DIR)/esp_parser.v
PARSER_HOST_SRCS := tests/hw/test_parser.c tests/model/parse_ref.c tests/common/prng.c

$(BUILD)/vl/parser.stamp: $(PARSER_RTL) $(wildcard hw/gen/*.vh) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/parser
	$(VERILATOR) $(VL_FLAGS) --prefix Vesp_parser_t -GUSER_W=32 \
		--top-module esp_parser -Mdir $(BUILD)/vl/parser $(PARSER_RTL) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/parser.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/parser.log; exit 1; }
	touch $@

$(BUILD)/sim/parser_sim.o: sim/parser/parser_sim.cpp sim/parser/parser_sim.h sim/common/*.h \
		$(BUILD)/vl/parser.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/parser -I$(BUILD)/vl/parser -c -o $@ $<

$(BUILD)/tests/test_parser: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(PARSER_HOST_SRCS)) \
		$(BUILD)/sim/parser_sim.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/vl/parser/Vesp_parser_t__ALL.a -lpthread

TEST_BINS += $(BUILD)/tests/test_parser
TEST_CMDS += "frame parser: esp_parser vs parse_ref, directed table (ASan/UBSan)" \
             "$(BUILD)/tests/test_parser $(if $(SEED),--seed $(SEED),)"
