"""spisync interop harness -- the steps and measurements of the daemon cases
(issue 6: the daemon lost its state, the card lost one SA, rekey under
load), written against the Responder interface (iop_responder.py) so they
run with spisyncd as soon as it exists.

With the strongSwan responder the same steps measure the baseline: what a
desync costs without spisync (strongSwan alone never repairs it until its
DPD or the CHILD SA's rekey). The verdicts differ and are the caller's:
with spisyncd traffic must come back; with strongSwan it must not (which
also proves the fault was real).
"""

import threading
import time

from iop_card import delta
from iop_netns import Fail, check, wait_for
from iop_responder import CharonResponder
from iop_topology import (DUT_INNER, DUT_OUTER, PEER_INNER, PEER_OUTER,
                          SINK_PORT)
from iop_traffic import Result, Sender, Sink, new_tag

PAYLOAD = 100


def make_responder(args, topo):
    if args.responder == "strongswan":
        return CharonResponder(topo)
    from iop_responder_spisyncd import SpisyncdResponder
    return SpisyncdResponder(topo, args.spisyncd)


def bring_up(topo, responder, step):
    """Responder and peer started, the peer initiates, the CHILD SA the
    peer sends on is in the card. Returns the peer's CHILD SA."""
    t = time.monotonic()
    responder.start()
    peer = topo.peer if topo.peer is not None else topo.start_peer()
    peer.initiate()
    sa = peer.wait_child_sas(1)[-1]
    if not responder.installs_sas:
        responder.sync_card(topo.card)
    wait_card_has(topo.card, sa.spi_out, 10)
    step.ok("tunnel up, the card holds the peer's outbound SA 0x%08x"
            % sa.spi_out, t)
    return sa


def wait_card_has(card, spi, timeout):
    wait_for("SA 0x%08x in the card" % spi,
             lambda: any(int(s["spi"], 16) == spi for s in card.sas()),
             timeout, 0.05)


class Traffic:
    """The sender (peer ns) and the sink (dut ns), cleaned up with the
    run."""

    def __init__(self, topo, rate):
        tag = new_tag()
        self.sink = Sink(topo.ns_dut, DUT_INNER, SINK_PORT, tag)
        topo.cleanup.push("sink", self.sink.stop)
        self.sender = Sender(topo.ns_peer, PEER_INNER,
                             (DUT_INNER, SINK_PORT), rate, PAYLOAD, tag)
        topo.cleanup.push("sender", self.sender.close)

    def start(self):
        self.sender.start()

    def delivered_since(self, t):
        """Datagrams sent after monotonic time t that arrived."""
        with self.sink.lock:
            return [g for g in self.sink.got if g[1] > t]

    def wait_flowing(self, n, timeout, after=0.0):
        return wait_for("%d datagrams through the tunnel" % n,
                        lambda: len(self.delivered_since(after)) >= n,
                        timeout)

    def finish(self, card):
        """Stop sending, let the card drain, stop the sink; the result."""
        self.sender.stop()
        card.wait_quiet()
        time.sleep(0.2)
        self.sink.stop()
        return Result(self.sender, self.sink)


def wait_drops_rising(card, before, n, timeout):
    """SA_NOT_FOUND_NATT_V4 n above `before` (a counters() dict)."""
    def risen():
        c = card.counters()
        return c if c["SA_NOT_FOUND_NATT_V4"] - before[
            "SA_NOT_FOUND_NATT_V4"] >= n else None
    return wait_for("%d SA_NOT_FOUND_NATT_V4 drops" % n, risen, timeout)


def inv_spi_line_for(spi):
    """The parts of spisyncd's syslog line (issue 6) that do not depend on
    the form of the UDP ports."""
    return ("%%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has "
            "invalid spi for destaddr=%s, prot=50, spi=0x%08X(%d)"
            % (DUT_OUTER, spi, spi), "srcaddr=%s" % PEER_OUTER)


def wait_inv_spi_line(responder, spi, timeout):
    head, src = inv_spi_line_for(spi)
    return wait_for("the RECVD_PKT_INV_SPI line for spi 0x%08x" % spi,
                    lambda: [line for line in responder.recovery_log()
                             if head in line and src in line], timeout)


def check_accounted(res, d, what, max_unseen=0):
    """Every datagram sent is delivered or counted as an SA miss (the
    card was quiet when d was taken), each exactly once.

    max_unseen: datagrams that may never have reached the card at all, in
    a run where the peer replaces its SAs (strongSwan's userspace ESP drops
    what it sends in the instant between deleting the old outbound SA and
    installing the new one). They are allowed only as long as the card's
    own books balance: every frame it received is counted under exactly one
    reason (RX_PACKETS = delivered + dropped), so a datagram it lost
    without counting would show there. Returns how many were unseen."""
    check(res.bad == 0 and not res.unknown and res.duplicates == 0,
          "%s: corrupt %d, unknown %d, duplicate %d datagrams" % (
              what, res.bad, len(res.unknown), res.duplicates))
    check(d["DECRYPTED"] == res.delivered, "%s: DECRYPTED %d, delivered %d"
          % (what, d["DECRYPTED"], res.delivered))
    counted = sum(v for k, v in d.items() if k != "RX_PACKETS")
    check(d["RX_PACKETS"] == counted, "%s: the card received %d frames but "
          "counted %d under its reasons: %s" % (what, d["RX_PACKETS"],
                                                counted, d))
    unseen = res.sent - res.delivered - d["SA_NOT_FOUND_NATT_V4"]
    check(0 <= unseen <= max_unseen,
          "%s: sent %d != delivered %d + SA_NOT_FOUND_NATT_V4 %d%s" % (
              what, res.sent, res.delivered, d["SA_NOT_FOUND_NATT_V4"],
              " (more than %d never reached the card)" % max_unseen
              if max_unseen else ""))
    return unseen


class LogSync:
    """For the strongSwan responder: install in the card every inbound
    CHILD SA its log shows, as soon as the log shows it (polled every
    `period` s). What spisyncd does before the IKE message leaves, this
    does after: the difference is what case 3 measures."""

    def __init__(self, responder, card, period=0.02):
        self.responder, self.card, self.period = responder, card, period
        self.stopping = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stopping.is_set():
            try:
                self.responder.sync_card(self.card)
            except Exception as e:  # reported by stop(), in the case
                self.error = e
                return
            time.sleep(self.period)

    def stop(self):
        self.stopping.set()
        self.thread.join()
        if self.error is not None:
            raise Fail("installing SAs from the log: %s" % self.error)


def report_recovery(step, res, d):
    step.note(res.summary())
    step.note("card: %s" % {k: v for k, v in d.items() if v})
    if res.recovery_s is not None:
        print("recovery: first dropped datagram to the first decrypted on "
              "the new SA: %.3f s" % res.recovery_s, flush=True)


RECOVERY_TIMEOUT_S = 15.0   # spisyncd: traffic must be back within this
UNSEEN_MAX = 2              # datagrams the peer may drop switching SAs
BASELINE_WINDOW_S = 8.0     # strongSwan alone: watched this long, no repair


def desync_case(args, cleanup, workdir, inject, what):
    """Cases 1 and 2 of issue 6: tunnel up, traffic flowing, inject(topo,
    responder, sa) breaks the card's copy of the peer's outbound SA, then

      spisyncd:   the RECVD_PKT_INV_SPI line names the stale SPI, the drop
                  counter rises, the peer is brought onto a new CHILD SA,
                  traffic resumes: the time from the first dropped datagram
                  to the first one decrypted on the new SA is printed;
      strongSwan: (the baseline) the drop counter rises and traffic does
                  not come back within BASELINE_WINDOW_S.

    Either way every datagram is delivered or counted as a miss."""
    from iop_case import Step
    from iop_topology import Topology
    step = Step()
    t = time.monotonic()
    topo = Topology(cleanup, args.sim, args.ctl, workdir, args.width)
    responder = make_responder(args, topo)
    topo.setup()
    step.ok("namespaces, veth, card with TAP", t)
    sa = bring_up(topo, responder, step)
    card = topo.card
    c_start = card.counters()
    traffic = Traffic(topo, args.rate)
    traffic.start()
    traffic.wait_flowing(args.rate // 2, 10)
    step.ok("traffic flowing: %d datagrams delivered" % traffic.sink.count())

    c_fault = card.counters()
    t_fault = time.monotonic()
    inject(topo, responder, sa)
    # the fault is complete when inject returns (spisyncctl answered):
    # datagrams sent before may still have been decrypted
    t_broken = time.monotonic()
    step.ok(what, t_fault)
    wait_drops_rising(card, c_fault, 10, 10)
    step.ok("SA_NOT_FOUND_NATT_V4 rising (stale SPI 0x%08x)" % sa.spi_out)

    if responder.recovers:
        lines = wait_inv_spi_line(responder, sa.spi_out, 10)
        step.ok("logged: %s" % lines[0].strip())
        traffic.wait_flowing(10, RECOVERY_TIMEOUT_S, after=t_broken)
        step.ok("traffic back")
    else:
        time.sleep(BASELINE_WINDOW_S)
        back = traffic.delivered_since(t_broken)
        check(not back, "baseline: %d datagrams came back without spisyncd "
              "(was the fault injected?)" % len(back))
        step.ok("baseline: no datagram delivered in %.0f s after the fault "
                "(strongSwan alone repairs nothing before DPD or rekey)"
                % BASELINE_WINDOW_S)

    res = traffic.finish(card)
    d = delta(card.counters(), c_start)
    report_recovery(step, res, d)
    # when the peer replaces its SAs (recovery) it may drop a datagram or
    # two before they reach the card: allowed, said, and only those may
    # make a second, tiny gap
    unseen = check_accounted(res, d, "whole run",
                             UNSEEN_MAX if responder.recovers else 0)
    extra = sum(b - a + 1 for a, b in res.gaps[1:])
    check(res.gaps and extra <= unseen, "%d gaps in the traffic: %s"
          % (len(res.gaps), res.gaps[:4]))
    if unseen:
        step.ok("%d datagram(s) never reached the card (dropped by the "
                "peer's IPsec stack while it replaced its SAs); the card "
                "counted every frame it received" % unseen)
    if responder.recovers:
        check(res.recovery_s is not None, "no datagram after the gap")
        new = topo.peer.child_sas()[-1]
        check(new.spi_out != sa.spi_out, "the peer still sends on 0x%08x"
              % sa.spi_out)
        step.ok("recovered onto the peer's new CHILD SA 0x%08x in %.3f s"
                % (new.spi_out, res.recovery_s))
    else:
        check(res.recovery_s is None and res.gaps[0][1] == res.sent,
              "baseline: the loss did not last to the end: %s" % res.gaps)
        return BASELINE_VERDICT
    return None


BASELINE_VERDICT = ("baseline passed (strongSwan responder, no spisyncd: "
                    "the fault is real and nothing repairs it); the spisyncd "
                    "case itself was NOT run")
