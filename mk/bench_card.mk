# spisync -- `make bench` figures for the whole card (tests/bench/bench_card.c,
# run by tools/bench-card.sh from tools/bench.sh): frame rates at 128 and 512
# bits on mk/card.mk's models, and SA scaling on a model of its own with room
# for 64K SAs.

# The big model: 512 bits, 65536 SA entries, 32768 buckets per tag table
# (2 x 32768 x 2 slots: 50% full at 64K SAs). Explicit rules: they take
# precedence over mk/card.mk's card_w% patterns, which the names also match.
CARD_BIG_NAME   := card_w512_big
CARD_BIG_PREFIX := Vspisync_card_w512_big
CARD_BIG_PARAMS := -GDATA_WIDTH=512 -GSA_ENTRIES=65536 -GTAG_BUCKETS=32768

$(BUILD)/vl/$(CARD_BIG_NAME).stamp: $(RTL_SRCS) $(wildcard hw/gen/*.vh hw/rtl/*.vh) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/$(CARD_BIG_NAME)
	$(VERILATOR) $(VL_FLAGS) --prefix $(CARD_BIG_PREFIX) $(CARD_BIG_PARAMS) \
		--top-module spisync_card -Mdir $(BUILD)/vl/$(CARD_BIG_NAME) $(RTL_SRCS) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/$(CARD_BIG_NAME).log 2>&1 \
		|| { tail -20 $(BUILD)/vl/$(CARD_BIG_NAME).log; exit 1; }
	touch $@

# the same glue as the other widths, its ops table named card_sim_ops_w512_big
# (card_sim.c does not know it: bench_card.c drives it through the table)
$(BUILD)/sim/card_sim_w512_big.o: sim/card/card_sim_model.cpp sim/card/*.h sim/common/*.h \
		hw/gen/spisync_hw.h $(BUILD)/vl/$(CARD_BIG_NAME).stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/card -Ihw/gen -I$(BUILD)/vl/$(CARD_BIG_NAME) \
		-DCARD_WIDTH=512 -DVTOP=$(CARD_BIG_PREFIX) -DVTOP_HEADER='"$(CARD_BIG_PREFIX).h"' \
		-DCARD_OPS=card_sim_ops_w512_big -c -o $@ $<

BENCH_CARD_SRCS := tests/bench/bench_card.c firmware/sa_table.c sim/card/sa_entry.c driver/sa_encode.c \
                   sim/esp_sa.c tests/model/frame_build.c tests/common/gcm_ref.c \
                   tests/common/prng.c sim/common/host_mem.c

# host code at -O2 without sanitizers (build/obj/opt); the models are driven
# through their ops tables, so card_sim.c and card_ctl.c are not linked.
# The widths are spelled out: this fragment is read before mk/card.mk, and
# prerequisites are expanded as they are read.
BENCH_CARD_WIDTHS := 128 512

$(BUILD)/bench/bench_card: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(BENCH_CARD_SRCS)) \
		$(foreach w,$(BENCH_CARD_WIDTHS),$(BUILD)/sim/card_sim_w$(w).o) \
		$(BUILD)/sim/card_sim_w512_big.o $(VL_RUNTIME) | $(BUILD)/bench
	$(CXX) -o $@ $(filter %.o,$^) \
		$(foreach w,$(BENCH_CARD_WIDTHS),$(BUILD)/vl/card_w$(w)/Vspisync_card_w$(w)__ALL.a) \
		$(BUILD)/vl/$(CARD_BIG_NAME)/$(CARD_BIG_PREFIX)__ALL.a -lcrypto -lpthread

BENCH_BINS += $(BUILD)/bench/bench_card
