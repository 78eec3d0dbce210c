# spisync -- the card controller firmware (firmware/) and the fake register
# file its tests (and the driver's) run against (tests/unit/fake_regs.c):
#
#   build/tests/test_fw                cmocka tests of the controller through
#                                      the fake registers and the mailbox
#                                      protocol (ASan/UBSan)
#   build/tests/test_fw.plain          the same, uninstrumented, for valgrind
#   build/firmware/spisync-fw.elf      the rv32imc cross build (make firmware-elf)
#   make firmware-freestanding         fw*.c + sa_table.c built -ffreestanding
#                                      -nostdlib by the host compiler: no
#                                      undefined symbol, no libc header
#   make firmware-size                 text/data/bss of the ELF (make bench)
#   make firmware-test                 this fragment's part of `make test`

FW_SRCS := firmware/fw.c firmware/fw_sa.c firmware/fw_mbox.c firmware/fw_life.c \
           firmware/sa_table.c
FW_RV32_SRCS := firmware/start_rv32.c $(FW_SRCS)
FW_HDRS := $(wildcard firmware/*.h) hw/gen/spisync_hw.h

# The shared object rules do not list tests/unit headers.
$(BUILD)/obj/san/tests/unit/test_fw.o $(BUILD)/obj/opt/tests/unit/test_fw.o \
$(BUILD)/obj/san/tests/unit/fake_regs.o $(BUILD)/obj/opt/tests/unit/fake_regs.o: \
	tests/unit/fake_regs.h

FW_TEST_SRCS := tests/unit/test_fw.c tests/unit/fake_regs.c tests/common/prng.c $(FW_SRCS)

$(BUILD)/tests/test_fw: $(patsubst %.c,$(BUILD)/obj/san/%.o,$(FW_TEST_SRCS)) | $(BUILD)/tests
	$(CC) $(SANITIZE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_fw.plain: $(patsubst %.c,$(BUILD)/obj/opt/%.o,$(FW_TEST_SRCS)) | $(BUILD)/tests
	$(CC) -o $@ $^ -lcmocka

# ---------------------------------------------------------------------------
# rv32imc cross build (Debian: gcc-riscv64-unknown-elf; multilib rv32imc/ilp32)
# ---------------------------------------------------------------------------
FW_CROSS  ?= riscv64-unknown-elf-
FW_CC     := $(FW_CROSS)gcc
FW_SIZE   := $(FW_CROSS)size
FW_CFLAGS := -std=c11 -march=rv32imc -mabi=ilp32 -Os -ffreestanding -nostdlib \
             $(WARN) -ffunction-sections -fdata-sections -Ihw/gen -Ifirmware
FW_LDFLAGS := -T firmware/rv32.ld -Wl,--gc-sections -Wl,--fatal-warnings
FW_ELF    := $(BUILD)/firmware/spisync-fw.elf

# Say which compiler is missing and how to get it, rather than a bare
# "command not found".
fw_need_cross = @command -v $(FW_CC) >/dev/null 2>&1 || { \
	echo "firmware: $(FW_CC) not found: install the Debian package gcc-riscv64-unknown-elf (make deps)"; \
	exit 1; }

# The same sources sized for 64 SAs and 64 tag buckets: the image for the
# kernel model built with those tables (mk/kernel_sim.mk, RX_ASYNC 1). The
# product image zeroes its 550 KiB of tables at every start, 2 M clocks of
# the model's 2.2 M; this one a few KiB.
FW_ELF_T64 := $(BUILD)/firmware/spisync-fw-t64.elf
$(FW_ELF_T64): FW_TABLE_FLAGS := -DFW_MAX_SA_ENTRIES=64u -DFW_MAX_TAG_BUCKETS=64u

$(FW_ELF) $(FW_ELF_T64): $(FW_RV32_SRCS) $(FW_HDRS) firmware/rv32.ld mk/firmware.mk
	$(fw_need_cross)
	@mkdir -p $(dir $@)
	$(FW_CC) $(FW_CFLAGS) $(FW_TABLE_FLAGS) $(FW_LDFLAGS) -o $@ $(FW_RV32_SRCS) 2>$@.log \
		|| { cat $@.log; rm -f $@; exit 1; }
	@if [ -s $@.log ]; then cat $@.log; echo "firmware: the cross build printed warnings"; rm -f $@; exit 1; fi

firmware-elf: $(FW_ELF)

firmware-size: $(FW_ELF)
	@$(FW_SIZE) $(FW_ELF) | awk 'NR == 2 { \
		print "## Controller firmware (firmware/, rv32imc, -Os)"; print ""; \
		print "`$(FW_SIZE)` of spisync-fw.elf. bss: struct fw for up to 4096 SAs, the placement"; \
		print "search queue and the 8 KiB stack (32 KiB code ROM + 576 KiB data RAM, firmware/rv32.ld)."; print ""; \
		print "| text (bytes) | data (bytes) | bss (bytes) | total (bytes) |"; \
		print "|---|---|---|---|"; \
		printf "| %d | %d | %d | %d |\n\n", $$1, $$2, $$3, $$4 }'

# The host compiler, freestanding: every file of the controller together
# must leave no symbol undefined (no libc, no libgcc helper such as memcpy
# or __udivdi3), and include no header but the three freestanding ones.
FW_FREE_DIR := $(BUILD)/obj/freestanding/firmware

firmware-freestanding:
	@mkdir -p $(FW_FREE_DIR)
	@set -e; for f in $(FW_SRCS); do \
		$(CC) -std=c11 -ffreestanding -nostdlib -O2 $(WARN) -Ihw/gen -Ifirmware \
			-c $$f -o $(FW_FREE_DIR)/$$(basename $$f .c).o; \
	done
	@$(CC) -nostdlib -r -o $(FW_FREE_DIR)/fw_all.o \
		$(foreach f,$(FW_SRCS),$(FW_FREE_DIR)/$(basename $(notdir $(f))).o)
	@undef=$$(nm -u $(FW_FREE_DIR)/fw_all.o); \
	if [ -n "$$undef" ]; then echo "firmware: undefined symbols:"; echo "$$undef"; exit 1; fi
	@bad=$$(grep -hE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' firmware/*.c firmware/*.h \
		| grep -vE '<(stdint|stdbool|stddef)\.h>' || true); \
	if [ -n "$$bad" ]; then echo "firmware: libc headers included:"; echo "$$bad"; exit 1; fi
	@echo "firmware: freestanding, no undefined symbols, no libc headers"

.PHONY: firmware-elf firmware-size firmware-freestanding firmware-test

TEST_BINS += $(BUILD)/tests/test_fw $(BUILD)/tests/test_fw.plain

FW_SEED_ARG := $(if $(SEED),--seed $(SEED),)

FW_TEST_CMDS := \
  "firmware: fw*.c + sa_table.c freestanding, no external symbols" "$(MAKE) -s firmware-freestanding" \
  "firmware: rv32imc cross build (riscv64-unknown-elf-gcc, zero warnings)" "$(MAKE) -s firmware-elf" \
  "unit: card controller firmware (cmocka, ASan/UBSan)" "$(BUILD)/tests/test_fw $(FW_SEED_ARG)" \
  "unit: card controller firmware (cmocka, valgrind)" \
  "valgrind -q --error-exitcode=1 --leak-check=full $(BUILD)/tests/test_fw.plain $(FW_SEED_ARG)"

TEST_CMDS += $(FW_TEST_CMDS)

# this fragment's part of `make test` alone
firmware-test: $(BUILD)/tests/test_fw $(BUILD)/tests/test_fw.plain
	@tools/run-tests.sh $(FW_TEST_CMDS)
