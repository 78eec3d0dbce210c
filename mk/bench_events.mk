# spisync -- `make bench` figures for the event path (tests/bench/bench_events.c):
# ring rate, miss-to-host latency, host cost per record. Host code at -O2
# without sanitizers, over the 512-bit card model.

BENCH_EVENTS_SRCS := tests/bench/bench_events.c sim/card/card_sim.c sim/card/card_ctl.c \
                     sim/card/sa_entry.c driver/sa_encode.c firmware/sa_table.c driver/event_ring.c \
                     sim/common/host_mem.c tests/model/frame_build.c tests/common/gcm_ref.c \
                     tests/common/prng.c

# the card models are spelled out: this fragment is read before mk/card.mk
# defines CARD_SIM_OBJS, and prerequisites are expanded as they are read
$(BUILD)/bench/bench_events: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(BENCH_EVENTS_SRCS)) \
		$(BUILD)/sim/card_sim_w128.o $(BUILD)/sim/card_sim_w512.o $(VL_RUNTIME) | $(BUILD)/bench
	$(CXX) -o $@ $(filter %.o,$^) $(BUILD)/vl/card_w128/Vspisync_card_w128__ALL.a \
		$(BUILD)/vl/card_w512/Vspisync_card_w512__ALL.a -lcrypto -lpthread

BENCH_BINS += $(BUILD)/bench/bench_events
