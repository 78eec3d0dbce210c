#!/usr/bin/env python3
"""spisync interop case 2 (issue 6): the card lost one SA, IKE intact.

    case_card_lost_sa.py SPISYNC_SIM SPISYNCCTL
        [--responder spisyncd --spisyncd PATH | --responder strongswan]
        [--width 128|512] [--keep] [--rate N]

Tunnel up, traffic flowing through the card; then only the card's entry of
the SA the peer sends on is deleted (spisyncctl sa del); the responder and
its IKE SA are untouched.

--responder spisyncd (the case proper; exit 3 "not run" until spisyncd
exists): the RECVD_PKT_INV_SPI line, the drop counter rising, recovery over
the existing IKE SA (DELETE of the stale SPI, a new CHILD SA), traffic
back; the time from the first dropped datagram to the first decrypted one.
--responder strongswan (default; the baseline): the drops rise and the
tunnel stays dark. Steps and checks: iop_steps.desync_case.
"""

import sys

from iop_case import main
from iop_steps import desync_case


def inject(topo, responder, sa):
    topo.card.sa_del(sa.spi_out)


def scenario(args, cleanup, workdir):
    return desync_case(args, cleanup, workdir, inject,
                "the card's entry for the peer's SA deleted (IKE intact)")


if __name__ == "__main__":
    sys.exit(main("case_card_lost_sa", scenario))
