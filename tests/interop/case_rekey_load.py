#!/usr/bin/env python3
"""spisync interop case 3 (issue 6): rekeys under load.

    case_rekey_load.py SPISYNC_SIM SPISYNCCTL
        [--responder spisyncd --spisyncd PATH | --responder strongswan]
        [--width 128|512] [--keep] [--rate N]

Tunnel up, traffic flowing through the card; strongSwan rekeys the CHILD SA
(CREATE_CHILD_SA from the peer), then the responder does (from the dut);
then each side rekeys the IKE SA, and the responder rekeys the CHILD SA once
more over the new IKE SA (its keys from the new SK_d); traffic goes on
throughout.

--responder spisyncd (the case proper): zero datagrams lost, no SA miss at
all: each new inbound SA is in
the card before the IKE message announcing it leaves, the old one stays
until the peer deletes it.
--responder strongswan (default; the baseline): the new SAs are put in the
card from the responder's log as soon as it shows them (iop_steps.LogSync),
which is after the fact; the losses that costs are reported, not judged.
Either way: every datagram is delivered or counted as a miss, and traffic
moved onto each new SA (its packet counter in the card).
"""

import sys
import time

from iop_card import delta
from iop_case import Step, main
from iop_netns import check, wait_for
from iop_steps import (LogSync, Traffic, bring_up,
                       check_accounted, make_responder, report_recovery,
                       wait_card_has)
from iop_topology import Topology

ON_NEW_SA_S = 1.5       # traffic on each new SA before the next step


def rekeyed(topo, n, step, what, t):
    """Wait for the peer's n-th CHILD SA; traffic on it for a while."""
    sa = topo.peer.wait_child_sas(n)[n - 1]
    wait_card_has(topo.card, sa.spi_out, 10)
    step.ok("%s: the peer sends on 0x%08x, in the card" % (what, sa.spi_out),
            t)
    time.sleep(ON_NEW_SA_S)
    return sa


def sa_packets(card, spi):
    """Packets the card decrypted on the SA with this SPI (0: not there)."""
    return sum(s["packets"] for s in card.sas() if int(s["spi"], 16) == spi)


def scenario(args, cleanup, workdir):
    step = Step()
    t = time.monotonic()
    topo = Topology(cleanup, args.sim, args.ctl, workdir, args.width)
    responder = make_responder(args, topo)
    topo.setup()
    step.ok("namespaces, veth, card with TAP", t)
    sa1 = bring_up(topo, responder, step)
    card = topo.card
    sync = None
    if not responder.installs_sas:
        sync = LogSync(responder, card)
        cleanup.push("log sync", sync.stop)
    c_start = card.counters()
    traffic = Traffic(topo, args.rate)
    traffic.start()
    traffic.wait_flowing(args.rate // 2, 10)
    step.ok("traffic flowing on 0x%08x" % sa1.spi_out)

    # each SA's packet count read while it is the one in use: the daemon
    # deletes a replaced SA from the card once the peer deleted it
    used = {sa1.spi_out: sa_packets(card, sa1.spi_out)}
    t = time.monotonic()
    topo.peer.rekey_child()
    sa2 = rekeyed(topo, 2, step, "rekey initiated by strongSwan", t)
    used[sa2.spi_out] = sa_packets(card, sa2.spi_out)
    t = time.monotonic()
    responder.rekey()
    sa3 = rekeyed(topo, 3, step, "rekey initiated by the responder", t)

    # the IKE SA rekeyed by each side (RFC 7296 2.18): the CHILD SA stays
    # and keeps carrying the traffic; then a CHILD SA rekey over the new
    # IKE SA, whose keys come from its SK_d
    for n, (who, do) in enumerate((("strongSwan", topo.peer.rekey_ike),
                                   ("the responder", responder.rekey_ike)),
                                  start=1):
        t = time.monotonic()
        do()
        wait_for("IKE SA rekey %d" % n,
                 lambda: topo.peer.ike_rekeys() >= n, 10, 0.05)
        step.ok("IKE SA rekey initiated by %s" % who, t)
        time.sleep(ON_NEW_SA_S / 2)
    t = time.monotonic()
    responder.rekey()
    sa4 = rekeyed(topo, 4, step, "CHILD SA rekey over the rekeyed IKE SA", t)
    used[sa3.spi_out] = max(used.get(sa3.spi_out, 0),
                            sa_packets(card, sa3.spi_out))

    res = traffic.finish(card)
    if sync is not None:
        sync.stop()
    d = delta(card.counters(), c_start)
    report_recovery(step, res, d)
    check_accounted(res, d, "whole run")
    check(res.reordered == 0, "%d datagrams out of order" % res.reordered)
    used[sa4.spi_out] = sa_packets(card, sa4.spi_out)
    for sa in (sa1, sa2, sa3, sa4):
        check(used[sa.spi_out] > 0, "no datagram decrypted on 0x%08x: %s"
              % (sa.spi_out, used))
    step.ok("traffic moved onto each SA: %s"
            % ", ".join("0x%08x %d" % (s.spi_out, used[s.spi_out])
                        for s in (sa1, sa2, sa3, sa4)))
    if responder.installs_sas:
        check(not res.lost and d["SA_NOT_FOUND_NATT_V4"] == 0,
              "%d datagrams lost, %d SA misses during the rekeys"
              % (len(res.lost), d["SA_NOT_FOUND_NATT_V4"]))
        step.ok("zero datagrams lost over three CHILD SA and two IKE SA "
                "rekeys")
        return None
    return ("baseline (strongSwan responder, SAs put in the card from its "
            "log after the fact): %d datagrams lost over the rekeys, "
            "reported, not judged; the spisyncd case itself was NOT run"
            % len(res.lost))


if __name__ == "__main__":
    sys.exit(main("case_rekey_load", scenario))
