# spisync -- libspisync, the host driver (driver/), and its tests:
#
#   $(BUILD)/lib/libspisync.a            every driver/*.c, position independent
#   $(BUILD)/lib/libspisync.so.1         the shared library (soname libspisync.so.1),
#   $(BUILD)/lib/libspisync.so           exporting the calls of driver/spisync.h only
#                                        (driver/libspisync.map); the .so is a link
#   build/tests/test_driver              the core over a loopback backend that runs
#                                        the real controller firmware on the fake
#                                        register file (cmocka, ASan/UBSan)
#   build/tests/test_driver.plain        the same, uninstrumented, for valgrind
#   build/tests/test_backend_sim         the sim: backend against a server thread
#                                        speaking sim_proto.h (ASan/UBSan)
#   build/tests/test_backend_sim.plain   the same linked with libspisync.so (valgrind)
#   make driver-test                     this fragment's part of `make test`
#
# The backends' fragment (mk/driver_backends.mk, read after this one)
# appends to LIBSPISYNC_LIBS (link flags of their libraries) and may append
# to LIBSPISYNC_CFLAGS; both are used only inside recipes, so its additions
# count although it is read later.

LIBSPISYNC_SRCS   := $(sort $(wildcard driver/*.c))
LIBSPISYNC_CFLAGS +=
LIBSPISYNC_LIBS   +=

DRIVER_INC  := -Idriver -Ifirmware -Ihw/gen -Isim/server
DRIVER_HDRS := $(wildcard driver/*.h) hw/gen/spisync_hw.h firmware/mbox.h sim/server/sim_proto.h

LIBSPISYNC_PIC_OBJS := $(patsubst %.c,$(BUILD)/obj/pic/%.o,$(LIBSPISYNC_SRCS))
LIBSPISYNC_SAN_OBJS := $(patsubst %.c,$(BUILD)/obj/san/%.o,$(LIBSPISYNC_SRCS))
LIBSPISYNC_OPT_OBJS := $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(LIBSPISYNC_SRCS))

# more specific than the top Makefile's obj/san/% and obj/opt/% rules
# (shorter stem), so driver objects get -Isim/server and the backends' flags
$(BUILD)/obj/pic/driver/%.o: driver/%.c $(DRIVER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -fPIC $(DRIVER_INC) $(LIBSPISYNC_CFLAGS) -c -o $@ $<

$(BUILD)/obj/san/driver/%.o: driver/%.c $(DRIVER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(DRIVER_INC) $(LIBSPISYNC_CFLAGS) -c -o $@ $<

$(BUILD)/obj/opt/driver/%.o: driver/%.c $(DRIVER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(DRIVER_INC) $(LIBSPISYNC_CFLAGS) -c -o $@ $<

# the xrt backend's header flags, as mk/driver_backends.mk gives its san and
# opt objects (recursive: that fragment is read after this one)
$(BUILD)/obj/pic/driver/backend_xrt.o: LIBSPISYNC_CFLAGS = $(BACKEND_XRT_CFLAGS)

$(BUILD)/lib:
	mkdir -p $@

$(BUILD)/lib/libspisync.a: $(LIBSPISYNC_PIC_OBJS) | $(BUILD)/lib
	rm -f $@
	$(AR) rcs $@ $^

# --no-undefined: every library the backends need must be on the line
$(BUILD)/lib/libspisync.so.1: $(LIBSPISYNC_PIC_OBJS) driver/libspisync.map | $(BUILD)/lib
	$(CC) -shared -Wl,-soname,libspisync.so.1 -Wl,--version-script=driver/libspisync.map \
		-Wl,--no-undefined -o $@ $(LIBSPISYNC_PIC_OBJS) $(LIBSPISYNC_LIBS)

$(BUILD)/lib/libspisync.so: $(BUILD)/lib/libspisync.so.1
	ln -sf libspisync.so.1 $@

# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------
# the controller as the card runs it (firmware/start_rv32.c is its rv32 start)
DRIVER_FW_SRCS := $(filter-out firmware/start_rv32.c,$(sort $(wildcard firmware/*.c)))

DRIVER_TEST_SRCS := tests/unit/test_driver.c tests/unit/loop_backend.c tests/unit/fake_regs.c \
                    $(DRIVER_FW_SRCS)

$(BUILD)/obj/san/tests/unit/test_driver.o $(BUILD)/obj/opt/tests/unit/test_driver.o \
$(BUILD)/obj/san/tests/unit/loop_backend.o $(BUILD)/obj/opt/tests/unit/loop_backend.o: \
	tests/unit/loop_backend.h tests/unit/fake_regs.h driver/spisync_internal.h

$(BUILD)/tests/test_driver: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(DRIVER_TEST_SRCS)) \
		$(LIBSPISYNC_SAN_OBJS) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(LIBSPISYNC_LIBS)

$(BUILD)/tests/test_driver.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(DRIVER_TEST_SRCS)) \
		$(LIBSPISYNC_OPT_OBJS) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(LIBSPISYNC_LIBS)

# the sim: backend test uses the public API only, so its plain build links
# the shared library itself (valgrind then checks the .so's code)
DRIVER_SIM_TEST_INC := -Itests/common $(DRIVER_INC)

$(BUILD)/obj/san/tests/unit/test_backend_sim.o: tests/unit/test_backend_sim.c $(DRIVER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SANITIZE) $(DRIVER_SIM_TEST_INC) -c -o $@ $<

$(BUILD)/obj/opt/tests/unit/test_backend_sim.o: tests/unit/test_backend_sim.c $(DRIVER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(DRIVER_SIM_TEST_INC) -c -o $@ $<

$(BUILD)/tests/test_backend_sim: $(BUILD)/obj/san/tests/unit/test_backend_sim.o \
		$(LIBSPISYNC_SAN_OBJS) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(LIBSPISYNC_LIBS) -lpthread

$(BUILD)/tests/test_backend_sim.plain: $(BUILD)/obj/opt/tests/unit/test_backend_sim.o \
		$(BUILD)/lib/libspisync.so | $(BUILD)/tests
	$(CC) -o $@ $< -L$(BUILD)/lib -lspisync -Wl,-rpath,$(abspath $(BUILD)/lib) -lcmocka -lpthread

DRIVER_BINS := $(BUILD)/lib/libspisync.a $(BUILD)/lib/libspisync.so \
               $(BUILD)/tests/test_driver $(BUILD)/tests/test_driver.plain \
               $(BUILD)/tests/test_backend_sim $(BUILD)/tests/test_backend_sim.plain

TEST_BINS += $(DRIVER_BINS)

DRIVER_TEST_CMDS := \
  "driver: libspisync.so exports exactly the calls of spisync.h, soname libspisync.so.1" \
  "driver/check-exports.sh $(BUILD)/lib/libspisync.so driver/spisync.h" \
  "unit: libspisync over the loopback backend and the real controller firmware (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_driver" \
  "unit: libspisync over the loopback backend and the real controller firmware (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_driver.plain" \
  "unit: libspisync sim: backend against an in-test spisync-sim socket server (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_backend_sim" \
  "unit: libspisync sim: backend, linked with libspisync.so (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_backend_sim.plain"

TEST_CMDS += $(DRIVER_TEST_CMDS)

# this fragment's part of `make test` alone
driver-test: $(DRIVER_BINS)
	@tools/run-tests.sh $(DRIVER_TEST_CMDS)

.PHONY: driver-test
