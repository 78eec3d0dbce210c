# Alveo kernel (hw/alveo): the Vitis RTL kernel "spisync", its packaging into
# an .xo, the link into an .xclbin with the CMAC kernels of
# Xilinx/xup_vitis_network_example (VNx), and the checks that need no AMD tool.
#
#   make xo                      $(BUILD)/alveo/spisync.xo            (Vivado)
#   make xclbin PLATFORM=u250    $(BUILD)/alveo/spisync_u250.xclbin   (v++ --link)
#        PLATFORM = u250 | u280 | u55c (the platform named in
#        hw/alveo/link/<card>.cfg) or a full platform name / .xpfm path of
#        one of those cards; VNX_DIR = a VNx checkout whose CMAC kernels are
#        built for that platform (`make all DEVICE=<platform> INTERFACE=3` there),
#        or CMAC_XO="cmac_0.xo cmac_1.xo" and VNX_POSTSYSLINK=post_sys_link.tcl
#   make alveo-check             kernel.xml current, every description of the
#                                kernel agrees (tools/check-alveo.py), lint
#   make alveo-gen               regenerate hw/alveo/kernel.xml from the spec
#
# `make xo` and `make xclbin` say exactly what is missing (tool, platform,
# CMAC kernels) and stop before running anything long.

ALVEO_DIR       := $(BUILD)/alveo
ALVEO_XO        := $(ALVEO_DIR)/spisync.xo
ALVEO_XML       := hw/alveo/kernel.xml
ALVEO_SRCS      := $(wildcard hw/alveo/*.v) $(wildcard hw/cpu/*.v) $(RTL_SRCS) hw/gen/spisync_defs.vh hw/rtl/card_internal.vh \
                   hw/alveo/package_xo.tcl $(ALVEO_XML)
ALVEO_CARDS     := u250 u280 u55c
VIVADO          ?= vivado
VPP             ?= v++
PLATFORMINFO    ?= platforminfo
PLATFORM        ?=
VNX_DIR         ?=
VPP_JOBS        ?= 8
# the device the packaging project names (the IP itself is for any UltraScale+)
ALVEO_PART      ?= xcu250-figd2104-2L-e

# PLATFORM -> card, link configuration, platform name (recursive: evaluated
# only by the xclbin recipe)
ALVEO_CARD      = $(if $(filter $(ALVEO_CARDS),$(PLATFORM)),$(PLATFORM),$(firstword $(foreach c,$(ALVEO_CARDS),$(if $(findstring $(c),$(PLATFORM)),$(c)))))
ALVEO_CFG       = hw/alveo/link/$(ALVEO_CARD).cfg
ALVEO_PLATFORM  = $(if $(filter $(ALVEO_CARDS),$(PLATFORM)),$(shell sed -n 's/^# platform: //p' $(ALVEO_CFG)),$(PLATFORM))
ALVEO_XSA       = $(basename $(notdir $(ALVEO_PLATFORM)))
CMAC_XO         ?= $(if $(VNX_DIR),$(VNX_DIR)/Ethernet/_x.$(ALVEO_XSA)/cmac_0.xo $(VNX_DIR)/Ethernet/_x.$(ALVEO_XSA)/cmac_1.xo)
VNX_POSTSYSLINK ?= $(if $(VNX_DIR),$(VNX_DIR)/Ethernet/post_sys_link.tcl)
ALVEO_XCLBIN    = $(ALVEO_DIR)/spisync_$(ALVEO_CARD).xclbin

.PHONY: xo xclbin alveo-check alveo-gen alveo-selftest

alveo-gen:
	python3 hw/tools/gen_kernel_xml.py $(SPEC) $(ALVEO_XML)

xo: $(ALVEO_XO)

$(ALVEO_XO): $(ALVEO_SRCS)
	@command -v $(VIVADO) >/dev/null 2>&1 || { \
		echo "make xo: vivado not found: install Vitis 2022.2 (it includes Vivado) and source"; \
		echo "         <install dir>/Vitis/2022.2/settings64.sh, or pass VIVADO=/path/to/vivado"; exit 1; }
	@python3 hw/tools/gen_kernel_xml.py --check $(SPEC) $(ALVEO_XML)
	@mkdir -p $(ALVEO_DIR)/pack
	cp $(FW_HEX) $(ALVEO_DIR)/pack/spisync_fw.mem
	cd $(ALVEO_DIR) && $(VIVADO) -mode batch -nojournal -log package_xo.log \
		-source $(CURDIR)/hw/alveo/package_xo.tcl -tclargs $(abspath $(ALVEO_XO)) $(abspath $(ALVEO_DIR))/pack $(ALVEO_PART) \
		|| { echo "make xo: Vivado failed, see $(ALVEO_DIR)/package_xo.log"; exit 1; }
	@echo "make xo: $(ALVEO_XO)"

# Every missing piece is named before anything runs; then the .xo (Vivado),
# then v++ --link (hours).
xclbin:
	@mkdir -p $(ALVEO_DIR); missing=0; \
	if [ -z "$(PLATFORM)" ]; then \
		echo "make xclbin: PLATFORM is required: u250, u280, u55c, or a full platform name or .xpfm path of one of those cards"; exit 1; fi; \
	if [ -z "$(ALVEO_CARD)" ]; then \
		echo "make xclbin: PLATFORM=$(PLATFORM) is none of the cards with a link configuration ($(ALVEO_CARDS), hw/alveo/link/)"; exit 1; fi; \
	if ! command -v $(VPP) >/dev/null 2>&1; then \
		echo "make xclbin: v++ not found: install Vitis 2022.2 and source <install dir>/Vitis/2022.2/settings64.sh"; missing=1; \
	elif ! $(PLATFORMINFO) --platform $(ALVEO_PLATFORM) >$(ALVEO_DIR)/platforminfo.txt 2>&1; then \
		echo "make xclbin: platform $(ALVEO_PLATFORM) not found by platforminfo: install its development"; \
		echo "             platform package (AMD Alveo $(ALVEO_CARD) downloads) under /opt/xilinx/platforms, or set"; \
		echo "             PLATFORM_REPO_PATHS to its directory, or pass PLATFORM=/path/to/<platform>.xpfm"; missing=1; \
	elif ! grep -q "HOST" $(ALVEO_DIR)/platforminfo.txt; then \
		echo "make xclbin: warning: platforminfo lists no HOST memory for $(ALVEO_PLATFORM);"; \
		echo "             sp=spisync_1.m_axi_ev:HOST[0] needs the host-memory bridge (see $(ALVEO_CFG))"; fi; \
	if ! command -v $(VIVADO) >/dev/null 2>&1 && [ ! -f $(ALVEO_XO) ]; then \
		echo "make xclbin: vivado not found (needed for $(ALVEO_XO)): install Vitis 2022.2 and source settings64.sh"; missing=1; fi; \
	set -- $(CMAC_XO); \
	if [ $$# -ne 2 ]; then \
		echo "make xclbin: the VNx CMAC kernels are needed: VNX_DIR=<xup_vitis_network_example checkout> (built with"; \
		echo "             make all DEVICE=$(ALVEO_PLATFORM) INTERFACE=3), or CMAC_XO=\"<cmac_0.xo> <cmac_1.xo>\""; missing=1; \
	else for x in "$$@"; do [ -f "$$x" ] || { echo "make xclbin: CMAC kernel $$x not found (build VNx with INTERFACE=3 for $(ALVEO_PLATFORM))"; missing=1; }; done; fi; \
	if [ -z "$(VNX_POSTSYSLINK)" ] || [ ! -f "$(VNX_POSTSYSLINK)" ]; then \
		echo "make xclbin: VNx's post_sys_link.tcl not found ($(if $(VNX_POSTSYSLINK),$(VNX_POSTSYSLINK),set VNX_DIR or VNX_POSTSYSLINK)):"; \
		echo "             it connects the CMAC kernels' GT pins and clocks after the system link"; missing=1; fi; \
	[ $$missing -eq 0 ] || exit 1
	@$(MAKE) --no-print-directory $(ALVEO_XO)
	$(VPP) --link --target hw --platform $(ALVEO_PLATFORM) --config $(ALVEO_CFG) \
		--advanced.param compiler.userPostSysLinkOverlayTcl=$(abspath $(VNX_POSTSYSLINK)) \
		--save-temps --temp_dir $(ALVEO_DIR)/link_$(ALVEO_CARD) --log_dir $(ALVEO_DIR)/link_$(ALVEO_CARD)/logs \
		-j $(VPP_JOBS) -o $(ALVEO_XCLBIN) $(ALVEO_XO) $(CMAC_XO)
	@echo "make xclbin: $(ALVEO_XCLBIN)"

alveo-check:
	python3 hw/tools/gen_kernel_xml.py --check $(SPEC) $(ALVEO_XML)
	python3 tools/check-alveo.py
	tools/lint-alveo.sh --yosys $(ALVEO_DIR)
	tools/lint-alveo.sh

alveo-selftest:
	python3 tools/check-alveo.py --self-test

TEST_CMDS += "alveo kernel: kernel.xml, package_xo.tcl, link configs and RTL ports agree with the spec" \
             "python3 hw/tools/gen_kernel_xml.py --check $(SPEC) $(ALVEO_XML) && python3 tools/check-alveo.py" \
             "alveo kernel: check-alveo catches each planted disagreement (self-test)" \
             "python3 tools/check-alveo.py --self-test" \
             "alveo kernel lint (Verilator -Wall, RX_ASYNC 0 and 1, zero warnings)" \
             "tools/lint-alveo.sh" \
             "alveo kernel: Yosys reads and elaborates the wrapper and FIFOs (card as a black box)" \
             "tools/lint-alveo.sh --yosys $(ALVEO_DIR)"
