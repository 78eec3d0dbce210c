# spisync -- the Vitis RTL kernel itself (hw/alveo/spisync.v) in Verilator:
# the controller core running the real firmware from its ROM, the AXI4-Lite
# arbiter, the card at 512 bits, and at RX_ASYNC 1 the two asynchronous
# FIFOs with the MAC streams on their own clock. Small tables (64 SAs, 64
# tag buckets) keep the model quick; the rest are the kernel's defaults.
#
#   build/tests/test_kernel --rx-async 0|1 [--burst N] [--seed N]
#       the host on s_axi_control (mailbox: HELLO, SA_ADD / FIND / GET /
#       DEL, refusals), an ESP frame out of m_axis_tx, a miss record in the
#       host memory behind m_axi_ev, a burst at the MAC's clock with every
#       frame accounted for (CDC_OVERFLOW at RX_ASYNC 1)

KERNEL_SIM_ASYNC := 0 1

# The ROM: at RX_ASYNC 0 the product's firmware image; at RX_ASYNC 1 the
# same sources built for the model's 64 SAs and 64 buckets (mk/firmware.mk),
# which starts in a few thousand clocks instead of 2 M.
KERNEL_FW_HEX_0 := $(FW_HEX)
KERNEL_FW_HEX_1 := $(FW_HEX_T64)

$(BUILD)/vl/kernel_a%.stamp: hw/alveo/spisync.v $(CPU_RTL) $(RTL_SRCS) \
		$(wildcard hw/gen/*.vh hw/rtl/*.vh) $(FW_HEX) $(FW_HEX_T64) | $(BUILD)/vl
	rm -rf $(BUILD)/vl/kernel_a$*
	$(VERILATOR) $(VL_FLAGS) --prefix Vspisync_a$* -GRX_ASYNC=$* -GSA_ENTRIES=64 -GTAG_BUCKETS=64 \
		-GFW_HEX='"$(abspath $(KERNEL_FW_HEX_$*))"' \
		--top-module spisync -Mdir $(BUILD)/vl/kernel_a$* hw/alveo/spisync.v $(CPU_RTL) $(RTL_SRCS) \
		--build -j $(VL_JOBS) -MAKEFLAGS "$(VL_MAKEFLAGS)" >$(BUILD)/vl/kernel_a$*.log 2>&1 \
		|| { tail -20 $(BUILD)/vl/kernel_a$*.log; exit 1; }
	touch $@

$(BUILD)/sim/kernel_sim_a%.o: sim/alveo/kernel_sim.cpp sim/alveo/kernel_sim.h sim/common/*.h \
		hw/gen/spisync_hw.h $(BUILD)/vl/kernel_a%.stamp | $(BUILD)/sim
	$(CXX) $(VL_CXXFLAGS) -Isim/common -Isim/alveo -Ihw/gen -I$(BUILD)/vl/kernel_a$* \
		-DKTOP=Vspisync_a$* -DKTOP_HEADER='"Vspisync_a$*.h"' -DKTOP_ROOT_HEADER='"Vspisync_a$*___024root.h"' \
		-DKERNEL_OPS=kernel_sim_ops_a$* -DKERNEL_RX_ASYNC=$* -c -o $@ $<

KERNEL_HOST_SRCS := tests/hw/test_kernel.c driver/sa_encode.c tests/model/frame_build.c \
                    tests/common/gcm_ref.c sim/common/host_mem.c

$(BUILD)/obj/san/tests/hw/test_kernel.o: HOST_CFLAGS += -Isim/alveo
$(BUILD)/obj/san/tests/hw/test_kernel.o: sim/alveo/kernel_sim.h firmware/mbox.h

$(BUILD)/tests/test_kernel: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(KERNEL_HOST_SRCS)) \
		$(foreach a,$(KERNEL_SIM_ASYNC),$(BUILD)/sim/kernel_sim_a$(a).o) $(VL_RUNTIME) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $(filter %.o,$^) \
		$(foreach a,$(KERNEL_SIM_ASYNC),$(BUILD)/vl/kernel_a$(a)/Vspisync_a$(a)__ALL.a) -lcrypto -lpthread

KERNEL_SEED := $(if $(SEED),--seed $(SEED),)
# The RX_ASYNC 0 run is about two minutes on one core, nearly all of it the
# product firmware's start (2 M clocks: it zeroes its tables); RX_ASYNC 1's
# smaller image starts at once. In `make test` they run in the background
# ("&", tools/run-tests.sh), on the core the GCM synthesis has left by then.
KERNEL_TEST_CMDS := \
  "&alveo kernel in simulation, RX_ASYNC 0: firmware mailbox, ESP frame, miss record in host memory, 600-frame burst accounted" \
  "$(BUILD)/tests/test_kernel --rx-async 0 $(KERNEL_SEED)" \
  "&alveo kernel in simulation, RX_ASYNC 1 (MAC streams at 322 MHz through the async FIFOs): the same, CDC_OVERFLOW counted" \
  "$(BUILD)/tests/test_kernel --rx-async 1 $(KERNEL_SEED)"

TEST_BINS += $(BUILD)/tests/test_kernel
TEST_CMDS += $(KERNEL_TEST_CMDS)
# the firmware on the core is part of `make cpu-test` (mk/cpu.mk)
CPU_TEST_CMDS += $(KERNEL_TEST_CMDS)
cpu-test: $(BUILD)/tests/test_kernel
