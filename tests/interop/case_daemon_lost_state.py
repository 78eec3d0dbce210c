#!/usr/bin/env python3
"""spisync interop case 1 (issue 6): the daemon lost its state.

    case_daemon_lost_state.py SPISYNC_SIM SPISYNCCTL
        [--responder spisyncd --spisyncd PATH | --responder strongswan]
        [--width 128|512] [--keep] [--rate N]

Tunnel up (strongSwan initiates), traffic flowing through the card; then
the responder is killed with SIGKILL, the card's SA table cleared, the
responder restarted. strongSwan keeps sending on the stale SPI.

--responder spisyncd (the case proper; needs spisyncd, issue 6; exit 3 "not
run" until then): the RECVD_PKT_INV_SPI line, the drop counter rising,
recovery (new IKE SA with INITIAL_CONTACT, new CHILD SA), traffic back; the
time from the first dropped datagram to the first decrypted one.
--responder strongswan (default; the baseline without spisync): the drops
rise and the tunnel stays dark. Steps and checks: iop_steps.desync_case.
"""

import sys

from iop_case import main
from iop_steps import desync_case


def inject(topo, responder, sa):
    responder.kill9()
    topo.card.clear_sa_table()
    responder.restart()


def scenario(args, cleanup, workdir):
    return desync_case(args, cleanup, workdir, inject,
                "responder killed (SIGKILL), card SA table cleared, "
                "responder restarted")


if __name__ == "__main__":
    sys.exit(main("case_daemon_lost_state", scenario))
