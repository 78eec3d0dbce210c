#!/usr/bin/env python3
"""spisync interop case: strongSwan <-> the card, keys from charon's log.

    case_keys.py SPISYNC_SIM SPISYNCCTL [--width 128|512] [--keep] [--rate N]

No spisyncd: a second strongSwan charon in the dut namespace answers IKE on
the card's TAP address. strongSwan in the peer namespace initiates; IKE and
ARP cross the card both ways (pass-through); then datagrams flow into the
tunnel from 198.18.1.1 to the sink on 198.18.2.1:5001:

  1. the card has no SA: every ESP-in-UDP packet is an SA_NOT_FOUND_NATT_V4
     drop, SA_MISS records name the responder's inbound SPI, UDP 4500 ->
     4500, the first with ESP sequence number 1 (RFC 4303 3.3.3: the first
     packet of an SA), nothing reaches the sink;
  2. negative control: the SA installed with the wrong direction's key
     (the responder's outbound key): every packet an AUTH_FAIL, nothing
     reaches the sink; the SA deleted again;
  3. the SA installed with the key strongSwan encrypts with (from the dut
     charon's chd=4 log, checked against the peer charon's log): from then
     on every datagram arrives, whole, in order.

The oracle is strongSwan itself (its ESP, its keys, its SPIs) and the
datagrams the sender numbered: sent == delivered + SA_NOT_FOUND_NATT_V4 +
AUTH_FAIL exactly; the lost ones are exactly the first ones (one gap from
sequence 1); DECRYPTED and the SA's packet counter equal the delivered
count; no other drop reason moves. Timings are printed.
"""

import sys
import time

from iop_card import check_no_errors, delta
from iop_case import Step, main
from iop_netns import check, wait_for
from iop_responder import CharonResponder
from iop_topology import (DUT_INNER, DUT_OUTER, PEER_INNER, PEER_OUTER,
                          SINK_PORT, Topology)
from iop_traffic import Result, Sender, Sink, new_tag

NO_SA_S = 2.0           # traffic with no SA in the card
WRONG_KEY_S = 1.0       # traffic with the wrong key installed
DECRYPT_S = 3.0         # traffic with the right SA
PAYLOAD = 100


def scenario(args, cleanup, workdir):
    step = Step()
    t = time.monotonic()
    topo = Topology(cleanup, args.sim, args.ctl, workdir, args.width)
    topo.setup()
    step.ok("namespaces %s, %s, veth, card (spisync-sim --width %d) with "
            "TAP %s up" % (topo.ns_peer, topo.ns_dut, args.width, topo.tap),
            t)
    card = topo.card

    t = time.monotonic()
    responder = CharonResponder(topo)
    responder.start()
    peer = topo.start_peer()
    step.ok("two charons started, configs loaded", t)

    c0 = card.counters()
    t = time.monotonic()
    peer.initiate()
    p_sa = peer.wait_child_sas(1)[0]
    d_sa = responder.charon.wait_child_sas(1)[0]
    step.ok("IKE_SA and CHILD_SA up through the card: %r" % d_sa, t)
    # the two charons' logs agree: what the dut receives on is what the
    # peer sends with (and the log parsing is right)
    check(p_sa.spi_out == d_sa.spi_in and p_sa.spi_in == d_sa.spi_out,
          "SPIs disagree: peer %r, dut %r" % (p_sa, d_sa))
    check(p_sa.key_out() == d_sa.key_in() and len(d_sa.key_in()) == 20,
          "the peer's outbound key is not the dut's inbound key")
    check(p_sa.we_initiated and not d_sa.we_initiated,
          "exchange roles: peer %r, dut %r" % (p_sa, d_sa))
    topo.check_arp_through_card()
    c1 = card.counters()
    d = delta(c1, c0)
    # IKE_SA_INIT and IKE_AUTH requests (at least) came in on the port
    check(d["PASS_THROUGH"] >= 2 and d["RX_PACKETS"] == d["PASS_THROUGH"],
          "IKE through the card: %s" % d)
    step.ok("ARP and IKE crossed the card both ways (%d frames passed "
            "through, 198.18.0.2 resolved to the TAP's MAC)"
            % d["PASS_THROUGH"])

    tag = new_tag()
    sink = Sink(topo.ns_dut, DUT_INNER, SINK_PORT, tag)
    cleanup.push("sink", sink.stop)
    sender = Sender(topo.ns_peer, PEER_INNER, (DUT_INNER, SINK_PORT),
                    args.rate, PAYLOAD, tag)
    cleanup.push("sender", sender.close)

    # 1. no SA in the card
    t_first = time.monotonic()
    sender.start()
    time.sleep(NO_SA_S)
    misses = card.counters()["SA_NOT_FOUND_NATT_V4"] - c1[
        "SA_NOT_FOUND_NATT_V4"]
    check(misses > 0, "no SA_NOT_FOUND_NATT_V4 after %.1f s of traffic"
          % NO_SA_S)
    check(sink.count() == 0, "the sink got %d datagrams while the card had "
          "no SA" % sink.count())
    step.ok("no SA in the card: %d datagrams sent, %d SA_NOT_FOUND_NATT_V4 "
            "so far, none delivered" % (sender.count(), misses))

    # 2. negative control: the other direction's key under the inbound SPI
    card.sa_add(d_sa.spi_in, DUT_OUTER, d_sa.key_out())
    time.sleep(WRONG_KEY_S)
    c2 = card.counters()
    card.sa_del(d_sa.spi_in)
    check(c2["AUTH_FAIL"] > c1["AUTH_FAIL"], "the wrong key gave no "
          "AUTH_FAIL")
    check(sink.count() == 0, "the sink got %d datagrams with a wrong key "
          "installed" % sink.count())
    step.ok("wrong key installed for %.1f s: %d AUTH_FAIL, none delivered; "
            "deleted" % (WRONG_KEY_S, c2["AUTH_FAIL"] - c1["AUTH_FAIL"]))

    # 3. the key strongSwan encrypts with, from the responder's log
    t_install = time.monotonic()
    installed = responder.sync_card(card)
    check(installed == [d_sa.spi_in], "installed %s" % installed)
    wait_for("the first datagram decrypted by the card",
             lambda: sink.count() > 0, 10)
    t_back = sink.got[0][2]
    time.sleep(DECRYPT_S)
    sender.stop()
    card.wait_quiet()
    # the TAP and the sink's socket are fast next to the card: once the
    # card is quiet, what it delivered is at the sink within a few ms
    time.sleep(0.2)
    sink.stop()
    c3 = card.counters()
    res = Result(sender, sink)
    d = delta(c3, c1)
    step.ok("SA 0x%08x installed from the log; first datagram at the sink "
            "%.3f s after the install" % (d_sa.spi_in, t_back - t_install))
    step.note(res.summary())
    step.note("card: %s" % {k: v for k, v in d.items() if v})

    check(sender.errors == 0, "%d sends failed" % sender.errors)
    check(res.bad == 0 and not res.unknown and res.duplicates == 0,
          "corrupt %d, unknown %d, duplicate %d datagrams at the sink"
          % (res.bad, len(res.unknown), res.duplicates))
    check(res.reordered == 0, "%d datagrams out of order" % res.reordered)
    check(d["SA_NOT_FOUND_V4"] == 0 and d["SA_NOT_FOUND_NATT_V6"] == 0,
          "misses of another kind: %s" % d)
    check_no_errors({k: (v if k != "AUTH_FAIL" else 0)
                     for k, v in d.items()}, "whole run")
    lost_counted = d["SA_NOT_FOUND_NATT_V4"] + d["AUTH_FAIL"]
    check(res.sent == res.delivered + lost_counted,
          "sent %d != delivered %d + SA_NOT_FOUND_NATT_V4 %d + AUTH_FAIL %d"
          % (res.sent, res.delivered, d["SA_NOT_FOUND_NATT_V4"],
             d["AUTH_FAIL"]))
    check(len(res.lost) == lost_counted, "lost %d, counted %d"
          % (len(res.lost), lost_counted))
    check(len(res.gaps) == 1 and res.gaps[0][0] == 1 and
          res.gaps[0][1] + 1 == res.first_delivered,
          "losses are not exactly the datagrams before the SA: gaps %s, "
          "first delivered %s" % (res.gaps[:4], res.first_delivered))
    check(d["DECRYPTED"] == res.delivered, "DECRYPTED %d, delivered %d"
          % (d["DECRYPTED"], res.delivered))
    sas = card.sas()
    check(len(sas) == 1 and int(sas[0]["spi"], 16) == d_sa.spi_in,
          "card SAs: %s" % sas)
    sa = sas[0]
    check(sa["packets"] == res.delivered and sa["auth_fail"] == 0 and
          sa["replay"] == 0, "the SA's counters: packets %d auth_fail %d "
          "replay %d, delivered %d" % (sa["packets"], sa["auth_fail"],
                                       sa["replay"], res.delivered))
    check(sa["encap"] == {"type": "espinudp", "sport": 4500, "dport": 4500},
          "the SA's encapsulation: %s" % sa["encap"])
    step.ok("every datagram accounted for: %d sent = %d delivered + %d "
            "SA_NOT_FOUND_NATT_V4 + %d AUTH_FAIL; the %d lost are "
            "datagrams 1..%d"
            % (res.sent, res.delivered, d["SA_NOT_FOUND_NATT_V4"],
               d["AUTH_FAIL"], len(res.lost), res.gaps[0][1]))

    misses = [e for e in card.events() if e["type"] == "SA_MISS"]
    check(misses, "no SA_MISS record in the card's event history")
    for e in misses:
        check(int(e["spi"], 16) == d_sa.spi_in and e["src"] == PEER_OUTER
              and e["dst"] == DUT_OUTER and e["udp"] and
              e["sport"] == 4500 and e["dport"] == 4500,
              "SA_MISS record for another flow: %s" % e)
    seqs = [e["seq"] for e in misses]
    check(seqs[0] == 1, "the first SA_MISS record has ESP sequence number "
          "%d, not 1" % seqs[0])
    # the tunnel carries only the sender's datagrams: ESP sequence number
    # n is datagram n, and a miss is of a datagram that was lost
    lost = set(res.lost)
    check(seqs == sorted(seqs) and all(s in lost for s in seqs),
          "SA_MISS sequence numbers %s, not all of lost datagrams 1..%d"
          % (seqs, res.gaps[0][1]))
    step.ok("%d SA_MISS record(s) for 198.18.0.1 -> 198.18.0.2 spi 0x%08x "
            "udp 4500 -> 4500, ESP sequence numbers %s"
            % (len(misses), d_sa.spi_in, seqs))
    check(res.latency_ms(1.0) < 1000.0, "a datagram took %.0f ms"
          % res.latency_ms(1.0))
    print("timings: first datagram sent %.3f s after the start; datagrams "
          "through the tunnel and the card: median %.1f ms, p99 %.1f ms"
          % (t_first - step.t0, res.latency_ms(0.5), res.latency_ms(0.99)))


if __name__ == "__main__":
    sys.exit(main("case_keys", scenario))
