# spisync -- spisync-sim, the offline pcap replay tool (sim/replay_main.c),
# and the host-side card helpers it is built from:
#   sim/card/sa_entry.c   SA table entry encoding, esp_sa -> model_sa
#   sim/card/card_ctl.c   identify the card, install SAs, read counters
#   sim/pcap_io.c         pcap in/out (libpcap), FILE.tmp -> FILE outputs
#   sim/json_out.c        counters / events JSON (json-c)
#   sim/card_opts.c       the card options both modes take (--width, the
#                         event filter, ...)
#
#   make build/tests/test_simtool && build/tests/test_simtool [--seed N]
#   make build/bin/spisync-sim            (needs the card model, see below)
#   make build/tests/spisync-sim-fake     (the same tool over the fake card)
#   make build/tests/spisync-sim-model    (... over the golden model)
#   make build/tests/mkpcap               (pcap + esp_sa generator for the
#                                          smoke test tests/sim/replay_smoke.sh)
#
# The same program is the simulated card's server with --socket PATH
# (sim/server/, mk/server.mk: SIM_SERVER_SRCS, the card controller
# firmware/ among them). The builds over the fake card and the golden model
# have no server mode: they link sim/server/server_absent.c, which refuses
# --socket. A development build with the 128-bit model only:
#   make BUILD=/tmp/me/build CARD_WIDTHS=128 /tmp/me/build/bin/spisync-sim
# (card_sim_create(512) then answers NULL: "not built").
#
# The real tool links the Verilated card model through sim/card/card_sim.h
# (sim/card/card_sim.c over the per-width glue). The model's objects come
# from the card's fragment mk/card.mk, included before this one (fragments
# are included in sorted order):
#   CARD_SIM_OBJS  the card_sim glue objects (128 and 512) and $(VL_RUNTIME)
#   CARD_SIM_LIBS  the Verilated archives they need (and -lpthread)

SIMTOOL_LIBS := $(shell pkg-config --libs libpcap json-c 2>/dev/null || echo -lpcap -ljson-c) -lcrypto

# the pieces of spisync-sim except main() and the card model
SIMTOOL_SRCS := sim/card/sa_entry.c driver/sa_encode.c sim/card/card_ctl.c sim/pcap_io.c \
                sim/json_out.c sim/esp_sa.c firmware/sa_table.c sim/card_opts.c

SIMTOOL_TEST_SRCS := tests/unit/test_simtool.c tests/unit/fake_card_sim.c \
                     tests/unit/card_sim_fifo.c tests/unit/card_sim_noring.c tests/common/prng.c $(SIMTOOL_SRCS)

# headers next to the sources that the shared pattern rules do not track
$(BUILD)/obj/san/tests/unit/test_simtool.o $(BUILD)/obj/opt/tests/unit/test_simtool.o \
$(BUILD)/obj/san/tests/unit/fake_card_sim.o $(BUILD)/obj/opt/tests/unit/fake_card_sim.o: \
	tests/unit/fake_card_sim.h
# the queue the fake and the model-backed card_sim.h share
$(BUILD)/obj/san/tests/unit/fake_card_sim.o $(BUILD)/obj/opt/tests/unit/fake_card_sim.o \
$(BUILD)/obj/san/tests/unit/model_card_sim.o $(BUILD)/obj/opt/tests/unit/model_card_sim.o \
$(BUILD)/obj/san/tests/unit/card_sim_fifo.o $(BUILD)/obj/opt/tests/unit/card_sim_fifo.o: \
	tests/unit/card_sim_fifo.h

# host unit tests (cmocka) over the fake card: ASan/UBSan, and plain for valgrind
$(BUILD)/tests/test_simtool: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SIMTOOL_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(SIMTOOL_LIBS)

$(BUILD)/tests/test_simtool.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SIMTOOL_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(SIMTOOL_LIBS)

# spisync-sim over the fake card (ASan/UBSan): tests the tool's plumbing
# (options, outputs, RX_SEQ to timestamp, errors) without the model
$(BUILD)/tests/spisync-sim-fake: $(patsubst %.c,$(BUILD)/obj/san/%.o,sim/replay_main.c sim/server/server_absent.c \
		tests/unit/fake_card_sim.c tests/unit/card_sim_fifo.c tests/unit/card_sim_noring.c $(SIMTOOL_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ $(SIMTOOL_LIBS)

# spisync-sim over the golden model (tests/model/card_model.c): the whole
# host side end to end without the RTL; run the smoke test with it:
#   tests/sim/replay_smoke.sh build/tests/spisync-sim-model
$(BUILD)/tests/spisync-sim-model: $(patsubst %.c,$(BUILD)/obj/san/%.o,sim/replay_main.c sim/server/server_absent.c \
		tests/unit/model_card_sim.c tests/unit/card_sim_fifo.c tests/unit/card_sim_noring.c tests/model/card_model.c tests/model/esp_decap.c \
		tests/model/parse_ref.c tests/model/replay_ref.c tests/common/gcm_ref.c \
		$(SIMTOOL_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ $(SIMTOOL_LIBS)

# the real tool: replay and server mode
SIM_TOOL_SRCS := sim/replay_main.c sim/card/card_sim.c driver/event_ring.c \
                 sim/common/host_mem.c $(sort $(SIMTOOL_SRCS) $(SIM_SERVER_SRCS))

$(BUILD)/bin/spisync-sim: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(SIM_TOOL_SRCS)) $(CARD_SIM_OBJS)
	@if [ -z "$(CARD_SIM_OBJS)" ]; then \
		echo "spisync-sim: CARD_SIM_OBJS is not set: the card model's fragment (mk/card.mk) is missing" >&2; \
		exit 1; fi
	@mkdir -p $(dir $@)
	$(CXX) -o $@ $(filter %.o,$^) $(CARD_SIM_LIBS) $(SIMTOOL_LIBS) -lpthread

# the same with its C built with ASan/UBSan over the uninstrumented card
# model (as test_card is): the server the protocol test (mk/server.mk)
# sends malformed requests to
$(BUILD)/tests/spisync-sim.san: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(SIM_TOOL_SRCS)) $(CARD_SIM_OBJS) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(CARD_SIM_LIBS) $(SIMTOOL_LIBS) -lpthread

# traffic generator for the smoke test (tests/model/frame_build.c: OpenSSL)
$(BUILD)/tests/mkpcap: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/sim/mkpcap.c \
		tests/model/frame_build.c tests/common/gcm_ref.c tests/common/prng.c) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ $(SIMTOOL_LIBS)

TEST_BINS += $(BUILD)/tests/test_simtool $(BUILD)/tests/test_simtool.plain \
             $(BUILD)/tests/spisync-sim-fake $(BUILD)/tests/mkpcap
TEST_CMDS += "unit: spisync-sim pieces: SA entries, card control, JSON, pcap (cmocka, ASan/UBSan)" \
	"$(BUILD)/tests/test_simtool $(if $(SEED),--seed $(SEED),)" \
	"unit: spisync-sim pieces (cmocka, valgrind)" \
	"valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_simtool.plain $(if $(SEED),--seed $(SEED),)" \
	"spisync-sim over the fake card: options, outputs, errors" \
	"$(if $(SEED),SEED=$(SEED) ,)tests/sim/replay_fake.sh $(BUILD)/tests/spisync-sim-fake $(BUILD)/tests/mkpcap"
