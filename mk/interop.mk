# spisync -- interop with strongSwan (tests/interop/, README.md there):
# strongSwan's charon in one network namespace, the simulated card
# (spisync-sim --socket --port --tap) and an IKE responder in another, a
# veth between them, addresses in 198.18.0.0/15. Needs root; skipped (exit
# 0, with the reason) only where network namespaces cannot be made.
#
#   tests/interop/case_keys.py   a second charon answers IKE behind the
#                                card; the card's drops, its event records
#                                and the datagrams a sink receives once the
#                                SA (keys from charon's chd=4 log) is
#                                installed with spisyncctl are checked
#                                against strongSwan and the datagrams sent
#   tests/interop/case_daemon_lost_state.py, case_card_lost_sa.py,
#   case_rekey_load.py           spisyncd (its ASan/UBSan build) as the
#                                responder: the daemon killed and the card's
#                                table cleared; one card SA lost; CHILD SA
#                                rekeys by each side under load (zero loss)
#   tests/interop/case_proposals.py  every IKE / ESP algorithm spisyncd
#                                offers against strongSwan, both roles,
#                                INVALID_KE_PAYLOAD
#   make interop-test            this fragment's part of `make test`
#
# Packages: strongswan-charon strongswan-swanctl libcharon-extra-plugins
# (kernel-libipsec) libstrongswan-standard-plugins (openssl, gcm).

INTEROP_WIDTH ?= 128

INTEROP_BINS := $(BUILD)/bin/spisync-sim $(BUILD)/bin/spisyncctl $(BUILD)/tests/spisyncd.san

INTEROP_ARGS := $(BUILD)/bin/spisync-sim $(BUILD)/bin/spisyncctl --width $(INTEROP_WIDTH)
INTEROP_DAEMON := --responder spisyncd --spisyncd $(BUILD)/tests/spisyncd.san

INTEROP_TEST_CMDS := \
  "interop: strongSwan <-> card (keys from charon's log)" \
  "python3 tests/interop/case_keys.py $(INTEROP_ARGS)" \
  "interop 1: spisyncd killed, card SA table cleared: INV_SPI line, recovery (new IKE SA, INITIAL_CONTACT)" \
  "python3 tests/interop/case_daemon_lost_state.py $(INTEROP_ARGS) $(INTEROP_DAEMON)" \
  "interop 2: the card lost one SA, IKE intact: DELETE + INVALID_SPI, new CHILD SA" \
  "python3 tests/interop/case_card_lost_sa.py $(INTEROP_ARGS) $(INTEROP_DAEMON)" \
  "interop: spisyncd's IKE and ESP algorithms (AES-GCM 128/256, SHA-256/384, groups 31/19/14) against strongSwan, both roles" \
  "python3 tests/interop/case_proposals.py $(INTEROP_ARGS) $(INTEROP_DAEMON)" \
  "interop 3: CHILD SA rekeys by strongSwan and by spisyncd under load: zero loss" \
  "python3 tests/interop/case_rekey_load.py $(INTEROP_ARGS) $(INTEROP_DAEMON)"

TEST_BINS += $(INTEROP_BINS)
TEST_CMDS += $(INTEROP_TEST_CMDS)

interop-test: $(INTEROP_BINS)
	@tools/run-tests.sh $(INTEROP_TEST_CMDS)

.PHONY: interop-test
