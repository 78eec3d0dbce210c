# spisync -- `make demo`: interop case 1 of issue 6 (the daemon lost its
# state) narrated for a person, tests/interop/demo.py. strongSwan and the
# simulated card with spisyncd in two network namespaces; spisyncd killed
# with SIGKILL and the card's SA table cleared; the invalid-SPI drops, the
# recovery and the time it took, one line per step; `spisyncctl show drops`
# before and after, `spisyncctl show flows` at the end. Everything it makes
# is removed at the end (also on Ctrl-C). Needs root (namespaces, veth, the
# card's AF_PACKET port and TAP): as another user it prints the command to
# run and fails before building anything. Not part of `make test` (the
# interop cases of mk/interop.mk cover the same path with their checks).
#
#   make demo                      the product builds of $(DEMO_BINS)
#   make demo DEMO_ARGS=--keep     leave namespaces, processes, files
#   DEMO_WIDTH=512, DEMO_RATE=N    the card's width, datagrams a second

DEMO_WIDTH ?= 128
DEMO_RATE  ?= 100
DEMO_ARGS  ?=
DEMO_BINS  := $(BUILD)/bin/spisync-sim $(BUILD)/bin/spisyncctl \
              $(BUILD)/bin/spisyncd
# what a user who is not root is told to type
DEMO_SUDO  := sudo make$(if $(filter command line,$(origin BUILD)), \
              BUILD=$(BUILD)) demo

# the root check first, then the build (a sub-make, so that it comes after
# the check also under -j), then the demo
demo: deps
	@python3 tests/interop/demo.py --check-root --sudo-command "$(DEMO_SUDO)"
	@echo "spisync demo: building what it runs (if not built yet): $(DEMO_BINS)"
	@$(MAKE) -s --no-print-directory $(DEMO_BINS)
	@python3 tests/interop/demo.py --width $(DEMO_WIDTH) --rate $(DEMO_RATE) \
		$(DEMO_ARGS) $(DEMO_BINS)

.PHONY: demo
