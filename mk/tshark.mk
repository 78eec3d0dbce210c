# spisync -- cross-check of the card against Wireshark's own ESP decryption
# (tests/sim/tshark_check.sh, tests/sim/tshark_compare.py): traffic from
# mkpcap --l4-mix replayed through the card (spisync-sim) at 512 and 128
# bits, plain and NAT-T; tshark decrypts the same capture with the same
# esp_sa file and every frame the card delivers (or drops) must agree.
#
#   make build/bin/spisync-sim build/tests/mkpcap
#   tests/sim/tshark_check.sh build/bin/spisync-sim build/tests/mkpcap
#       (SEED=N to replay a run, FRAMES=N frames per run)
#
# spisync-sim comes from mk/simtool.mk (over the card model of mk/card.mk),
# mkpcap from mk/simtool.mk; tshark and python3 from `make deps`.

TEST_BINS += $(BUILD)/bin/spisync-sim $(BUILD)/tests/mkpcap
TEST_CMDS += "tshark ESP decryption agrees with the card (512 and 128 bits)" \
	"$(if $(SEED),SEED=$(SEED) ,)tests/sim/tshark_check.sh $(BUILD)/bin/spisync-sim $(BUILD)/tests/mkpcap"
