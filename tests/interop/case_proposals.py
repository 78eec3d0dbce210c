#!/usr/bin/env python3
"""spisync interop case: every IKE and ESP algorithm spisyncd offers,
against strongSwan.

    case_proposals.py SPISYNC_SIM SPISYNCCTL --spisyncd PATH
        [--width 128|512] [--keep] [--rate N]

spisyncd is configured with every IKE proposal it supports (AES-GCM-16
128/256, PRF HMAC-SHA2-256/384, DH groups 31, 19, 14) and both ESP key
sizes with and without ESN. strongSwan (the peer) is restarted with one
proposal at a time and brings the tunnel up; then spisyncd initiates
toward a strongSwan that only accepts MODP-2048 while spisyncd's first
proposal is Curve25519 (strongSwan answers INVALID_KE_PAYLOAD, spisyncd
retries with group 14). For each:

  * the IKE SA spisyncd reports (`show ike`) uses exactly the proposal
    strongSwan was given;
  * the inbound SA on the card has the key size and ESN strongSwan chose;
  * datagrams sent into the tunnel arrive at the sink, decrypted by the
    card with keys spisyncd derived -- strongSwan's ESP is the oracle.

ESN is not among strongSwan's choices here: its userspace ESP (libipsec)
refuses to install ESN SAs ("unable to install inbound and outbound IPsec
SA"). spisyncd still offers ESN first, so in the last run its inbound SA,
installed ahead of IKE_AUTH with ESN, is replaced by the no-ESN one
strongSwan chose. ESN itself is tested in-process and on the card.
"""

import sys
import time

from iop_case import Step, main
from iop_netns import check, wait_for
from iop_responder_spisyncd import SpisyncdResponder
from iop_steps import Traffic, wait_card_has
from iop_topology import Topology

OURS_IKE = ("aes256gcm16-prfsha384-curve25519",
            "aes128gcm16-prfsha256-ecp256",
            "aes256gcm16-prfsha256-ecp256",
            "aes128gcm16-prfsha256-modp2048")
OURS_ESP = ("aes256gcm16-esn-noesn", "aes128gcm16-esn-noesn")

# strongSwan's proposals, what spisyncd must report, key bits, ESN
PEER_INITIATES = (
    ("aes256gcm16-prfsha384-curve25519", "aes256gcm16",
     "aes256gcm16-prfsha384-curve25519", 256, False),
    ("aes128gcm16-prfsha256-modp2048", "aes128gcm16",
     "aes128gcm16-prfsha256-modp2048", 128, False),
    ("aes256gcm16-prfsha256-ecp256", "aes128gcm16",
     "aes256gcm16-prfsha256-ecp256", 128, False),
)
WE_INITIATE = ("aes128gcm16-prfsha256-modp2048", "aes256gcm16",
               "aes128gcm16-prfsha256-modp2048", 256, False)
DATAGRAMS = 20


def ike_sas(responder):
    return responder.control("show ike")["ike_sas"]


def check_tunnel(step, topo, responder, spi, want, t):
    proposal, keybits, esn = want
    card = topo.card
    wait_card_has(card, spi, 10)
    sas = [s for s in card.sas() if int(s["spi"], 16) == spi]
    check(sas[0]["key_bits"] == keybits and sas[0]["esn"] == esn,
          "card SA 0x%08x: key_bits %s esn %s, want %d %s"
          % (spi, sas[0]["key_bits"], sas[0]["esn"], keybits, esn))
    est = [s for s in ike_sas(responder) if s["state"] == "established"]
    check(len(est) == 1 and est[0]["proposal"] == proposal,
          "spisyncd's IKE SAs: %r, want one with %s"
          % ([(s["state"], s["proposal"]) for s in est], proposal))
    traffic = Traffic(topo, 100)
    t0 = time.monotonic()
    traffic.start()
    traffic.wait_flowing(DATAGRAMS, 10, after=t0)
    traffic.sender.close()
    traffic.sink.stop()
    step.ok("%s / ESP aes%dgcm16%s: SA 0x%08x on the card, %d datagrams "
            "decrypted" % (proposal, keybits, "-esn" if esn else "", spi,
                           DATAGRAMS), t)


def wait_ike_gone(responder):
    wait_for("spisyncd's IKE SA deleted",
             lambda: not ike_sas(responder), 10, 0.05)


def scenario(args, cleanup, workdir):
    if args.responder != "spisyncd":
        return "needs --responder spisyncd; not run"
    step = Step()
    t = time.monotonic()
    topo = Topology(cleanup, args.sim, args.ctl, workdir, args.width)
    responder = SpisyncdResponder(topo, args.spisyncd, ike=OURS_IKE,
                                  esp=OURS_ESP)
    topo.setup()
    responder.start()
    step.ok("namespaces, card, spisyncd offering %d IKE and %d ESP "
            "proposals" % (len(OURS_IKE), len(OURS_ESP)), t)

    for ike, esp, proposal, keybits, esn in PEER_INITIATES:
        t = time.monotonic()
        peer = topo.start_peer(ike_proposal=ike, esp_proposal=esp)
        n = len(peer.child_sas())       # its log goes on from the last run
        peer.initiate()
        sa = peer.wait_child_sas(n + 1)[-1]
        check_tunnel(step, topo, responder, sa.spi_out,
                     (proposal, keybits, esn), t)
        peer.stop()                 # SIGTERM: strongSwan deletes its SAs
        wait_ike_gone(responder)

    ike, esp, proposal, keybits, esn = WE_INITIATE
    t = time.monotonic()
    peer = topo.start_peer(ike_proposal=ike, esp_proposal=esp)
    n = len(peer.child_sas())
    reply = responder.control("initiate strongswan")
    check(reply.get("ok") is True, "initiate: %r" % reply)
    sa = peer.wait_child_sas(n + 1)[-1]
    check_tunnel(step, topo, responder, sa.spi_out, (proposal, keybits, esn),
                 t)
    log = open(responder.log_path, errors="replace").read()
    check("peer wants DH group 14" in log,
          "spisyncd did not retry with the group strongSwan asked for")
    step.ok("spisyncd initiated: INVALID_KE_PAYLOAD from strongSwan, "
            "retried with MODP-2048")
    return None


if __name__ == "__main__":
    sys.exit(main("case_proposals", scenario))
