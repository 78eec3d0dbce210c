# spisync -- libspisync's xrt: and pci: backends (driver/backend_xrt.c,
# driver/backend_pci.c) and the lock file they share (driver/backend_lock.c;
# their error sentences: driver/errbuf.c):
#
#   build/tests/test_backend_pci        cmocka tests of pci: (ASan/UBSan)
#   build/tests/test_backend_pci.plain  the same, uninstrumented, for valgrind
#   build/tests/test_backend_xrt        cmocka tests of xrt: (ASan/UBSan)
#   build/tests/test_backend_xrt.plain  the same, for valgrind
#   build/tests/test_backend_xrt_fake   xrt: past the device open, against a
#                                       fake XRT (tests/unit/fake_xrt.c)
#   build/tests/test_xclbin             the card's xclbin as XRT reads it
#   build/tests/xclbin/                 the test xclbins (tests/alveo/mkxclbin.py)
#   make backends-test                  this fragment's part of `make test`
#
# For the library (mk/driver.mk): LIBSPISYNC_LIBS below, and
# BACKEND_XRT_CFLAGS when compiling backend_xrt.c. XRT's headers include
# each other relative to /usr/include/xrt, and -isystem keeps their
# old-style declarations (xclProbe(), ...) out of -Wstrict-prototypes. The
# shared object rules of the top Makefile get it for backend_xrt.o below.
# Only libxrt_coreutil is linked: it holds the whole XRT C API and loads
# libxrt_core itself at run time (backend_xrt.c says how).

BACKEND_XRT_CFLAGS := -isystem /usr/include/xrt
LIBPCI_LIBS := $(shell pkg-config --libs libpci 2>/dev/null || echo -lpci)
LIBSPISYNC_LIBS += -lxrt_coreutil $(LIBPCI_LIBS)

$(BUILD)/obj/san/driver/backend_xrt.o $(BUILD)/obj/opt/driver/backend_xrt.o: \
	HOST_CFLAGS += $(BACKEND_XRT_CFLAGS)

# The tests build their own copies of the backends, in their own object
# directory: with a 400 ms lock timeout (10 s in the library) so the
# timeout test is quick, and without touching the library's objects.
BACKENDS_OBJ := $(BUILD)/obj/backends
BACKENDS_CFLAGS := $(HOST_CFLAGS) $(BACKEND_XRT_CFLAGS) -Idriver -Ihw/gen -Itests/common \
                   -Itests/alveo -DSPISYNC_LOCK_TIMEOUT_MS=400
BACKENDS_H := driver/backend.h driver/backend_lock.h driver/hex.h hw/gen/spisync_hw.h \
              tests/common/test_tree.h tests/unit/fake_xrt.h tests/alveo/xclbin_facts.h
# XRT's xclbin parser is C++ only (xrt::xclbin): tests/alveo/xclbin_facts.cpp
# puts it behind a C API; the test programs that use it link with $(CXX)
BACKENDS_CXXFLAGS := -std=c++17 $(filter-out -Wstrict-prototypes,$(WARN)) $(CFLAGS) \
                     $(BACKEND_XRT_CFLAGS) -Itests/alveo

$(BACKENDS_OBJ)/san/%.o: %.c $(BACKENDS_H) mk/driver_backends.mk
	@mkdir -p $(dir $@)
	$(CC) $(BACKENDS_CFLAGS) $(SANITIZE) -c -o $@ $<

$(BACKENDS_OBJ)/opt/%.o: %.c $(BACKENDS_H) mk/driver_backends.mk
	@mkdir -p $(dir $@)
	$(CC) $(BACKENDS_CFLAGS) -c -o $@ $<

$(BACKENDS_OBJ)/san/%.o: %.cpp $(BACKENDS_H) mk/driver_backends.mk
	@mkdir -p $(dir $@)
	$(CXX) $(BACKENDS_CXXFLAGS) $(SANITIZE) -c -o $@ $<

$(BACKENDS_OBJ)/opt/%.o: %.cpp $(BACKENDS_H) mk/driver_backends.mk
	@mkdir -p $(dir $@)
	$(CXX) $(BACKENDS_CXXFLAGS) -c -o $@ $<

# The test xclbins: metadata-only containers (no bitstream) of the kernel
# described by XRT_TEST_KERNEL_XML, written by tests/alveo/mkxclbin.py (why
# not xclbinutil: see there), and broken ones. One stamp for the set.
XRT_TEST_KERNEL_XML ?= hw/alveo/kernel.xml
XCLBIN_DIR := $(BUILD)/tests/xclbin
XCLBIN_STAMP := $(XCLBIN_DIR)/.stamp
MKXCLBIN = python3 tests/alveo/mkxclbin.py --kernel-xml $(XRT_TEST_KERNEL_XML)

$(XCLBIN_STAMP): tests/alveo/mkxclbin.py $(XRT_TEST_KERNEL_XML) hw/gen/spisync_hw.h mk/driver_backends.mk
	@mkdir -p $(XCLBIN_DIR)
	$(MKXCLBIN) --out $(XCLBIN_DIR)/spisync.xclbin
	$(MKXCLBIN) --out $(XCLBIN_DIR)/bank0.xclbin --mem bank0
	$(MKXCLBIN) --out $(XCLBIN_DIR)/other-kernel.xclbin --kernel-name spisync_v2
	$(MKXCLBIN) --out $(XCLBIN_DIR)/noconn.xclbin --no-connect
	$(MKXCLBIN) --out $(XCLBIN_DIR)/hs.xclbin --control ap_ctrl_hs
	for k in truncate magic length section xml; do \
		$(MKXCLBIN) --out $(XCLBIN_DIR)/corrupt-$$k.xclbin --corrupt $$k || exit 1; \
	done
	@touch $@

BACKEND_PCI_TEST_SRCS := tests/unit/test_backend_pci.c driver/backend_pci.c \
                         driver/backend_lock.c driver/errbuf.c
BACKEND_XRT_TEST_SRCS := tests/unit/test_backend_xrt.c driver/backend_xrt.c \
                         driver/backend_lock.c driver/errbuf.c
BACKEND_XRT_FAKE_SRCS := tests/unit/test_backend_xrt_fake.c tests/unit/fake_xrt.c \
                         driver/backend_xrt.c driver/backend_lock.c driver/errbuf.c \
                         tests/alveo/xclbin_facts.cpp
XCLBIN_TEST_SRCS := tests/alveo/test_xclbin.c tests/alveo/xclbin_facts.cpp
backends_objs = $(patsubst %.cpp,$(BACKENDS_OBJ)/$(1)/%.o,$(patsubst %.c,$(BACKENDS_OBJ)/$(1)/%.o,$(2)))

$(BUILD)/tests/test_backend_pci: $(patsubst %.c,$(BACKENDS_OBJ)/san/%.o,$(BACKEND_PCI_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(LIBPCI_LIBS)

$(BUILD)/tests/test_backend_pci.plain: $(patsubst %.c,$(BACKENDS_OBJ)/opt/%.o,$(BACKEND_PCI_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(LIBPCI_LIBS)

$(BUILD)/tests/test_backend_xrt: $(patsubst %.c,$(BACKENDS_OBJ)/san/%.o,$(BACKEND_XRT_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka -lxrt_coreutil

$(BUILD)/tests/test_backend_xrt.plain: $(patsubst %.c,$(BACKENDS_OBJ)/opt/%.o,$(BACKEND_XRT_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka -lxrt_coreutil

# the fake's xrt* definitions in the program take the place of
# libxrt_coreutil's, which is linked for XRT's xclbin parser; -rdynamic
# exports its xcl* ones, which the backend looks up with dlsym()
$(BUILD)/tests/test_backend_xrt_fake: $(call backends_objs,san,$(BACKEND_XRT_FAKE_SRCS)) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -rdynamic -o $@ $^ -lcmocka -lxrt_coreutil

$(BUILD)/tests/test_backend_xrt_fake.plain: $(call backends_objs,opt,$(BACKEND_XRT_FAKE_SRCS)) | $(BUILD)/tests
	$(CXX) -rdynamic -o $@ $^ -lcmocka -lxrt_coreutil

$(BUILD)/tests/test_xclbin: $(call backends_objs,san,$(XCLBIN_TEST_SRCS)) | $(BUILD)/tests
	$(CXX) $(SANITIZE) -o $@ $^ -lcmocka -lxrt_coreutil

$(BUILD)/tests/test_xclbin.plain: $(call backends_objs,opt,$(XCLBIN_TEST_SRCS)) | $(BUILD)/tests
	$(CXX) -o $@ $^ -lcmocka -lxrt_coreutil

BACKENDS_TEST_BINS := $(BUILD)/tests/test_backend_pci $(BUILD)/tests/test_backend_pci.plain \
                      $(BUILD)/tests/test_backend_xrt $(BUILD)/tests/test_backend_xrt.plain \
                      $(BUILD)/tests/test_backend_xrt_fake $(BUILD)/tests/test_backend_xrt_fake.plain \
                      $(BUILD)/tests/test_xclbin $(BUILD)/tests/test_xclbin.plain $(XCLBIN_STAMP)
TEST_BINS += $(BACKENDS_TEST_BINS)

BACKENDS_VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full

BACKENDS_TEST_CMDS := \
  "unit: libspisync pci: backend (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_backend_pci tests/unit" \
  "unit: libspisync pci: backend (cmocka, valgrind)" \
  "$(BACKENDS_VALGRIND) $(BUILD)/tests/test_backend_pci.plain tests/unit" \
  "unit: libspisync xrt: backend, no card (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_backend_xrt $(XCLBIN_DIR)" \
  "unit: libspisync xrt: backend, no card (cmocka, valgrind)" \
  "$(BACKENDS_VALGRIND) $(BUILD)/tests/test_backend_xrt.plain $(XCLBIN_DIR)" \
  "unit: libspisync xrt: backend against a fake XRT (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_backend_xrt_fake $(XCLBIN_DIR)" \
  "unit: libspisync xrt: backend against a fake XRT (cmocka, valgrind)" \
  "$(BACKENDS_VALGRIND) $(BUILD)/tests/test_backend_xrt_fake.plain $(XCLBIN_DIR)" \
  "unit: the card's xclbin as XRT 2.13 reads it (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_xclbin $(XCLBIN_DIR)" \
  "unit: the card's xclbin as XRT 2.13 reads it (cmocka, valgrind)" \
  "$(BACKENDS_VALGRIND) $(BUILD)/tests/test_xclbin.plain $(XCLBIN_DIR)"

TEST_CMDS += $(BACKENDS_TEST_CMDS)

# this fragment's part of `make test` alone
backends-test: $(BACKENDS_TEST_BINS)
	@tools/run-tests.sh $(BACKENDS_TEST_CMDS)

.PHONY: backends-test
