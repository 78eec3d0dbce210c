# spisync -- libspisync's xrt: and pci: backends (driver/backend_xrt.c,
# driver/backend_pci.c) and the lock file they share (driver/backend_lock.c;
# their error sentences: driver/errbuf.c):
#
#   build/tests/test_backend_pci        cmocka tests of pci: (ASan/UBSan)
#   build/tests/test_backend_pci.plain  the same, uninstrumented, for valgrind
#   build/tests/test_backend_xrt        cmocka tests of xrt: (ASan/UBSan)
#   build/tests/test_backend_xrt.plain  the same, for valgrind
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
                   -DSPISYNC_LOCK_TIMEOUT_MS=400
BACKENDS_H := driver/backend.h driver/backend_lock.h driver/hex.h hw/gen/spisync_hw.h \
              tests/common/test_tree.h

$(BACKENDS_OBJ)/san/%.o: %.c $(BACKENDS_H) mk/driver_backends.mk
	@mkdir -p $(dir $@)
	$(CC) $(BACKENDS_CFLAGS) $(SANITIZE) -c -o $@ $<

$(BACKENDS_OBJ)/opt/%.o: %.c $(BACKENDS_H) mk/driver_backends.mk
	@mkdir -p $(dir $@)
	$(CC) $(BACKENDS_CFLAGS) -c -o $@ $<

BACKEND_PCI_TEST_SRCS := tests/unit/test_backend_pci.c driver/backend_pci.c \
                         driver/backend_lock.c driver/errbuf.c
BACKEND_XRT_TEST_SRCS := tests/unit/test_backend_xrt.c driver/backend_xrt.c \
                         driver/backend_lock.c driver/errbuf.c

$(BUILD)/tests/test_backend_pci: $(patsubst %.c,$(BACKENDS_OBJ)/san/%.o,$(BACKEND_PCI_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka $(LIBPCI_LIBS)

$(BUILD)/tests/test_backend_pci.plain: $(patsubst %.c,$(BACKENDS_OBJ)/opt/%.o,$(BACKEND_PCI_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka $(LIBPCI_LIBS)

$(BUILD)/tests/test_backend_xrt: $(patsubst %.c,$(BACKENDS_OBJ)/san/%.o,$(BACKEND_XRT_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka -lxrt_coreutil

$(BUILD)/tests/test_backend_xrt.plain: $(patsubst %.c,$(BACKENDS_OBJ)/opt/%.o,$(BACKEND_XRT_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka -lxrt_coreutil

BACKENDS_TEST_BINS := $(BUILD)/tests/test_backend_pci $(BUILD)/tests/test_backend_pci.plain \
                      $(BUILD)/tests/test_backend_xrt $(BUILD)/tests/test_backend_xrt.plain
TEST_BINS += $(BACKENDS_TEST_BINS)

BACKENDS_VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full

BACKENDS_TEST_CMDS := \
  "unit: libspisync pci: backend (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_backend_pci tests/unit" \
  "unit: libspisync pci: backend (cmocka, valgrind)" \
  "$(BACKENDS_VALGRIND) $(BUILD)/tests/test_backend_pci.plain tests/unit" \
  "unit: libspisync xrt: backend, no card (cmocka, ASan/UBSan)" \
  "$(BUILD)/tests/test_backend_xrt" \
  "unit: libspisync xrt: backend, no card (cmocka, valgrind)" \
  "$(BACKENDS_VALGRIND) $(BUILD)/tests/test_backend_xrt.plain"

TEST_CMDS += $(BACKENDS_TEST_CMDS)

# this fragment's part of `make test` alone
backends-test: $(BACKENDS_TEST_BINS)
	@tools/run-tests.sh $(BACKENDS_TEST_CMDS)

.PHONY: backends-test
