# spisync -- top-level build. `make help` lists the targets.
#
# Everything is built under $(BUILD). `make test` and `make demo` first run
# `make deps`, which installs missing Debian packages (as root) or prints the
# apt-get command to run.

BUILD      ?= build
CC         ?= gcc
CXX        ?= g++
VERILATOR  ?= verilator
YOSYS      ?= yosys

# random cross-check size and seed (seed: empty = from the clock, printed)
GCM_PACKETS ?= 20000
SEED        ?=

CSTD       := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
SANITIZE   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS     ?= -O2 -g
HOST_CFLAGS := $(CSTD) $(WARN) $(CFLAGS)

RTL_DIR    := hw/rtl
RTL_SRCS   := $(sort $(wildcard $(RTL_DIR)/*.v))
RTL_TOPS   := $(basename $(notdir $(RTL_SRCS)))

# Verilator: C++ of the model at -O2 (5.006 defaults to -Os, about 2x slower);
# no --threads (10x slower on this 2-core machine).
VL_FLAGS     := --cc -Wall -O3 --x-assign fast --x-initial fast -Ihw/gen -Ihw/rtl
VL_MAKEFLAGS := OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2
# parallel C++ compiles inside one model build (make itself may run serially)
VL_JOBS      ?= 2
VL_INC       := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)/include
VL_CXXFLAGS  := -std=c++17 -O2 -I$(VL_INC) -I$(VL_INC)/vltstd -faligned-new \
                -Wno-unused-parameter


# keep the Verilator stamps and glue objects pattern rules build on the way
.SECONDARY:

.PHONY: all deps test test-bins test-run lint synth bench demo clean help rtl-lint check-vectors \
        test-gcm gen test-gcm-lanes

help:
	@echo "spisync targets:"
	@echo "  make deps    install missing Debian packages (root) or print the command"
	@echo "  make all     build the simulation models and test programs"
	@echo "  make test    everything the CI runs (lint, synthesis checks, tests)"
	@echo "  make lint    Verilator --lint-only -Wall over hw/"
	@echo "  make synth   Yosys synth_xilinx (xcup, -nowidelut) of the GCM core, LANES=1 and 4"
	@echo "  make bench   cycle counts, throughput, resources and timing (docs/bench.md)"
	@echo "  make demo    the end-to-end demo (simulation)"
	@echo "  make alveo-check  the Alveo kernel's descriptions agree (kernel.xml, Tcl, RTL, link configs)"
	@echo "  make xo      package the Vitis RTL kernel (needs Vivado; docs/deploy-alveo.md)"
	@echo "  make xclbin PLATFORM=u250|u280|u55c VNX_DIR=...  link it with the CMAC kernels (needs v++)"
	@echo "  make clean   remove $(BUILD)/"

deps:
	@tools/install-deps.sh

# ---------------------------------------------------------------------------
# Verilator models
# ---------------------------------------------------------------------------
$(BUILD)/vl/verilated.o: | $(BUILD)/vl
	$(CXX) $(VL_CXXFLAGS) -c -o $@ $(VL_INC)/verilated.cpp

$(BUILD)/vl/verilated_threads.o: | $(BUILD)/vl
	$(CXX) $(VL_CXXFLAGS) -c -o $@ $(VL_INC)/verilated_threads.cpp

VL_RUNTIME := $(BUILD)/vl/verilated.o $(BUILD)/vl/verilated_threads.o

# one model per LANES value: Vaes_gcm_dec_lN in $(BUILD)/vl/gcm_lN
$(BUILD)/vl/gcm_l%.stamp: $(RTL_SRCS) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/gcm_l$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vaes_gcm_dec_l$* -GLANES=$* -GUSER_WIDTH=32 \
		--top-module aes_gcm_dec -Mdir $(BUILD)/vl/gcm_l$* $(RTL_SRCS) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/gcm_l$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/gcm_l$*.log; exit 1; }
	touch $@

# single-block models for the block test benches
$(BUILD)/vl/aes_pipe.stamp: $(RTL_SRCS) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/aes_pipe
	$(VERILATOR) $(VL_FLAGS) --prefix Vaes_enc_pipe_t -GSTATES=2 -GSIDE_WIDTH=32 \
		--top-module aes_enc_pipe -Mdir $(BUILD)/vl/aes_pipe $(RTL_SRCS) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/aes_pipe.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/aes_pipe.log; exit 1; }
	touch $@

$(BUILD)/vl/gf_mac.stamp: $(RTL_SRCS) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/gf_mac
	$(VERILATOR) $(VL_FLAGS) --prefix Vgf128_mac_t -GN=2 \
		--top-module gf128_mac -Mdir $(BUILD)/vl/gf_mac $(RTL_SRCS) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/gf_mac.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/gf_mac.log; exit 1; }
	touch $@

$(BUILD)/sim/aes_pipe_sim.o: sim/blocks/aes_pipe_sim.cpp sim/blocks/*.h sim/common/*.h $(BUILD)/vl/aes_pipe.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/blocks -I$(BUILD)/vl/aes_pipe -c -o $@ $<

$(BUILD)/sim/gf_mac_sim.o: sim/blocks/gf_mac_sim.cpp sim/blocks/*.h sim/common/*.h $(BUILD)/vl/gf_mac.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/blocks -I$(BUILD)/vl/gf_mac -c -o $@ $<

$(BUILD)/sim/gcm_sim_l%.o: sim/gcm/gcm_sim.cpp sim/gcm/gcm_sim.h sim/common/*.h $(BUILD)/vl/gcm_l%.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -I$(BUILD)/vl/gcm_l$* -DGCM_LANES=$* \
		-DVTOP=Vaes_gcm_dec_l$* -DVTOP_HEADER='"Vaes_gcm_dec_l$*.h"' -c -o $@ $<

# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------
# Host-side test code is built twice: with ASan/UBSan for the tests, plain
# -O2 for the benchmarks. The Verilated model is never instrumented: it does
# not need it and would run several times slower.
$(BUILD)/obj/san/%.o: %.c $(wildcard tests/common/*.h tests/hw/*.h tests/model/*.h sim/*.h sim/*/*.h hw/gen/*.h firmware/*.h driver/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) -Itests/common -Itests/hw -Isim -Isim/gcm -Isim/blocks -Isim/card -Isim/common -Idriver -Itests/model -Ihw/gen -Ifirmware -c -o $@ $<

$(BUILD)/obj/opt/%.o: %.c $(wildcard tests/common/*.h tests/hw/*.h tests/model/*.h sim/*.h sim/*/*.h hw/gen/*.h firmware/*.h driver/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests/common -Itests/hw -Isim -Isim/gcm -Isim/blocks -Isim/card -Isim/common -Idriver -Itests/model -Ihw/gen -Ifirmware -c -o $@ $<

GCM_HOST_SRCS := tests/common/gcm_ref.c tests/common/vector_file.c \
                 tests/common/prng.c tests/hw/gcm_drive.c

$(BUILD)/tests/test_gcm_l%: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_gcm.c $(GCM_HOST_SRCS)) \
		$(BUILD)/sim/gcm_sim_l%.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/vl/gcm_l$*/Vaes_gcm_dec_l$*__ALL.a -lcrypto -lpthread

$(BUILD)/bench/bench_gcm_l%: $(patsubst %.c,$(BUILD)/obj/opt/%.o,tests/bench/bench_gcm.c $(GCM_HOST_SRCS)) \
		$(BUILD)/sim/gcm_sim_l%.o $(VL_RUNTIME) | $(BUILD)/bench
	$(CXX) -o $@ $(filter %.o,$^) $(BUILD)/vl/gcm_l$*/Vaes_gcm_dec_l$*__ALL.a -lcrypto -lpthread

$(BUILD)/tests/test_blocks: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/hw/test_blocks.c tests/common/prng.c) \
		$(BUILD)/sim/aes_pipe_sim.o $(BUILD)/sim/gf_mac_sim.o $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) $(BUILD)/vl/aes_pipe/Vaes_enc_pipe_t__ALL.a \
		$(BUILD)/vl/gf_mac/Vgf128_mac_t__ALL.a -lcrypto -lpthread

# host C unit tests (cmocka): one binary with ASan/UBSan, one plain for valgrind
$(BUILD)/tests/test_esp_sa: $(patsubst %.c,$(BUILD)/obj/san/%.o,tests/unit/test_esp_sa.c sim/esp_sa.c) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka -lcrypto

$(BUILD)/tests/test_esp_sa.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,tests/unit/test_esp_sa.c sim/esp_sa.c) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka -lcrypto

$(BUILD)/tests/check_vectors: $(patsubst %.c,$(BUILD)/obj/opt/%.o,tests/vectors/check_vectors.c \
		tests/common/gcm_ref.c tests/common/vector_file.c) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcrypto

TEST_BINS  := $(BUILD)/tests/check_vectors $(BUILD)/tests/test_blocks \
              $(BUILD)/tests/test_esp_sa $(BUILD)/tests/test_esp_sa.plain $(BUILD)/tests/test_gcm_l1 $(BUILD)/tests/test_gcm_l4
BENCH_BINS := $(BUILD)/bench/bench_gcm_l1 $(BUILD)/bench/bench_gcm_l4

# Generated from the one source of truth (hw/spec/spisync.toml); committed,
# and `make test` checks they are current.
SPEC     := hw/spec/spisync.toml
GEN_OUTS := hw/gen/spisync_defs.vh hw/gen/spisync_hw.h docs/register-map.md

gen:
	python3 hw/tools/gen_spec.py $(SPEC) $(GEN_OUTS)

# Each part of the card adds its models, binaries and test commands in its own
# fragment: TEST_BINS += ..., BENCH_BINS += ..., TEST_CMDS += "name" "command".
TEST_CMDS :=
include $(sort $(wildcard mk/*.mk))

all: $(TEST_BINS) $(BENCH_BINS)

rtl-lint:
	@tools/lint-rtl.sh $(RTL_DIR)

lint: deps rtl-lint

synth: deps
	@tools/synth.sh $(BUILD)/synth 1 4

SEED_ARG := $(if $(SEED),--seed $(SEED),)

# `make test`: the packages, then the build in a sub-make (it reads this file
# again, with the tools deps may just have installed, and runs JOBS recipes
# side by side: a Verilator front end or a host compile beside a model's C++
# compiles), then the suite in another (serial: the suite's timings are its
# own). The GCM core's synthesis (10 minutes on one core) runs in the
# background ("&", tools/run-tests.sh) beside the rest.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) test-bins
	@$(MAKE) --no-print-directory test-run

test-bins: $(TEST_BINS)

test-run: $(TEST_BINS)
	@tools/run-tests.sh \
		"&synthesis LANES=1 and 4 (Yosys xcup, no latches)" "SYNTH_JOBS=1 tools/synth.sh $(BUILD)/synth 1 4" \
		"generated files match hw/spec/spisync.toml" "python3 hw/tools/gen_spec.py --check $(SPEC) $(GEN_OUTS)" \
		"rtl lint (Verilator -Wall, zero warnings)" "tools/lint-rtl.sh $(RTL_DIR)" \
		"aes_sbox: generated file current, its simulated and synthesised forms equal (Yosys SAT)" "tools/check-sbox.sh" \
		"known-answer files vs OpenSSL (valgrind)" \
		  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/check_vectors tests/vectors/wycheproof_gcm_96_128.txt tests/vectors/gcm_spec.txt tests/vectors/esp_gcm_packets.txt" \
		"unit: Wireshark esp_sa parser (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_esp_sa" \
		"unit: Wireshark esp_sa parser (cmocka, valgrind)" "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_esp_sa.plain" \
		"block test benches: aes_enc_pipe, gf128_mac" "$(BUILD)/tests/test_blocks $(SEED_ARG)" \
		"GCM core LANES=1" "$(BUILD)/tests/test_gcm_l1 --packets $(GCM_PACKETS) $(SEED_ARG)" \
		"GCM core LANES=4" "$(BUILD)/tests/test_gcm_l4 --packets $(GCM_PACKETS) $(SEED_ARG)" \
		$(TEST_CMDS)

# the core's other widths (not product configurations: the card is built at
# LANES 1 and 4; these are linted in every run and tested here)
test-gcm-lanes: deps $(BUILD)/tests/test_gcm_l2 $(BUILD)/tests/test_gcm_l3
	@tools/run-tests.sh \
		"GCM core LANES=2" "$(BUILD)/tests/test_gcm_l2 --packets 3000 --bubble-packets 500 $(SEED_ARG)" \
		"GCM core LANES=3" "$(BUILD)/tests/test_gcm_l3 --packets 3000 --bubble-packets 500 $(SEED_ARG)"

bench: deps all
	@tools/bench.sh $(BUILD)

# demo: mk/demo.mk

$(BUILD)/vl $(BUILD)/sim $(BUILD)/tests $(BUILD)/bench:
	mkdir -p $@

clean:
	rm -rf $(BUILD)
