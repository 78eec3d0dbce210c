#!/usr/bin/env python3
"""spisync demo (`make demo`): interop case 1 of issue 6, narrated for a
person.

    demo.py SPISYNC_SIM SPISYNCCTL SPISYNCD [--width 128|512] [--rate N]
            [--keep] [--sudo-command CMD]
    demo.py --check-root [--sudo-command CMD]

strongSwan initiates a tunnel to spisyncd through the simulated card,
datagrams flow through it; then spisyncd is killed with SIGKILL, the card's
SA table cleared and spisyncd restarted with no state, while strongSwan
keeps encrypting with the SA nobody has any more. spisyncd sees the card's
SA_MISS events, logs %CRYPTO-4-RECVD_PKT_INV_SPI, finds the flow stuck and
opens a new IKE SA with INITIAL_CONTACT; strongSwan moves to the new CHILD
SA and traffic comes back. One line per step with the elapsed time; the
card's drop counters (`spisyncctl show drops`) before the fault and after
the recovery, and spisyncd's flows (`spisyncctl show flows`) at the end.

The steps, the topology and the checks are the interop harness's
(iop_*.py; the fault is case_daemon_lost_state.inject itself): the demo
narrates them and checks what it says. Everything it creates (namespaces,
veth, processes, the work directory) is removed at the end, pass or fail,
also on Ctrl-C; --keep leaves it in place and says how to remove it.

Exit status: 0 traffic came back on a new CHILD SA (and every datagram is
accounted for), 1 it did not or the demo could not run (not root, no
network namespaces, a missing program), 2 usage, 130 interrupted.
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

from case_daemon_lost_state import inject
from iop_case import dump_logs
from iop_card import delta
from iop_netns import Cleanup, Fail, Skip, check, run, wait_for
from iop_responder_spisyncd import SpisyncdResponder
from iop_steps import (UNSEEN_MAX, Traffic, check_accounted, wait_card_has,
                       wait_drops_rising, wait_inv_spi_line)
from iop_topology import (DUT_INNER, DUT_OUTER, PEER_INNER, PEER_OUTER,
                          Topology)

PROG = "spisync demo"
TRAFFIC_BACK_TIMEOUT_S = 15.0   # as the case: traffic back within this
DROPS_SHOWN = 100               # "drops rising" once this many were counted
# what the same fault costs without spisync (../shared/docs/
# strongswan-in-netns.md: strongSwan 5.9.8 keeps sending on the stale SPI
# until its CHILD SA rekeys or DPD declares the peer dead; the demo's peer
# has strongSwan's defaults: rekey_time 1 h less up to 10 %, no DPD)
WITHOUT_SPISYNC = ("without spisync: until strongSwan's CHILD SA rekey, "
                   "~55 min by default, or DPD if configured")


class Narrator:
    """One line per step, with the time since the demo started."""

    def __init__(self):
        self.t0 = time.monotonic()

    def say(self, what):
        print("[%4.1f s] %s" % (time.monotonic() - self.t0, what), flush=True)

    @staticmethod
    def block(title, text):
        print("---- %s" % title)
        print(text.rstrip("\n"))
        print("----", flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="demo.py", description=(
        "spisync's invalid-SPI recovery against strongSwan, narrated"))
    ap.add_argument("--check-root", action="store_true",
                    help="only check that the demo can run as this user")
    ap.add_argument("--sudo-command", default="sudo make demo",
                    help="the command to print when not run as root")
    ap.add_argument("sim", nargs="?", help="spisync-sim")
    ap.add_argument("ctl", nargs="?", help="spisyncctl")
    ap.add_argument("spisyncd", nargs="?", help="spisyncd")
    ap.add_argument("--width", type=int, choices=(128, 512), default=128,
                    help="the card's data path width (128: faster)")
    ap.add_argument("--rate", type=int, default=100,
                    help="datagrams per second into the tunnel")
    ap.add_argument("--keep", action="store_true",
                    help="leave namespaces, processes and files in place")
    args = ap.parse_args(argv)
    if not args.check_root and not (args.sim and args.ctl and args.spisyncd):
        ap.error("give SPISYNC_SIM SPISYNCCTL SPISYNCD (or --check-root)")
    if args.rate < 20:
        ap.error("--rate: at least 20 datagrams a second")
    return args


def root_ok(sudo_command):
    """The demo makes network namespaces, a veth pair, the card's AF_PACKET
    port and TAP: all need root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_NET_RAW
    in the initial namespaces)."""
    if os.geteuid() == 0:
        return True
    print("%s: needs root: it creates network namespaces, a veth pair, and "
          "the simulated card's AF_PACKET port and TAP interface, and runs "
          "strongSwan in one of them. Run it as root:\n    %s"
          % (PROG, sudo_command), file=sys.stderr)
    return False


def operator_ctl(card, state_dir, *args):
    """spisyncctl as an operator would type it, text output. Its own state
    directory, so the change column of `show drops` counts from the
    previous show the demo printed (the harness's own polling uses
    another)."""
    env = dict(os.environ)
    env["SPISYNC_STATE_DIR"] = state_dir
    cmd = [card.ctl_path] + list(args)
    return " ".join(["spisyncctl"] + list(args)), run(*cmd, env=env)


def log_line(responder, needle, timeout):
    """The first line of spisyncd's log that holds needle."""
    return wait_for("spisyncd's log line %r" % needle,
                    lambda: responder.log_lines(needle), timeout)[0].strip()


def demo(args, cleanup, workdir):
    say = Narrator()
    topo = Topology(cleanup, args.sim, args.ctl, workdir, args.width)
    responder = SpisyncdResponder(topo, args.spisyncd)
    card = topo.card
    ops_state = os.path.join(workdir, "operator-state")
    os.makedirs(ops_state, mode=0o700)

    topo.setup()
    say.say("simulated card up (spisync-sim, %d-bit data path) between "
            "namespaces %s and %s" % (args.width, topo.ns_peer, topo.ns_dut))
    responder.start()
    peer = topo.start_peer()
    peer.initiate()
    sa = peer.wait_child_sas(1)[-1]
    wait_card_has(card, sa.spi_out, 10)
    say.say("tunnel up: strongSwan (%s) <-> spisyncd (%s), CHILD SA 0x%08x "
            "in the card" % (PEER_OUTER, DUT_OUTER, sa.spi_out))

    c_start = card.counters()
    traffic = Traffic(topo, args.rate)
    traffic.start()
    traffic.wait_flowing(args.rate // 2, 10)
    say.say("traffic flowing: %d datagrams/s from %s to %s through the card "
            "(%d received)" % (args.rate, PEER_INNER, DUT_INNER,
                               traffic.sink.count()))
    Narrator.block(*operator_ctl(card, ops_state, "-d", card.device, "show",
                                 "drops"))

    c_fault = card.counters()
    inject(topo, responder, sa)
    t_broken = time.monotonic()
    say.say("spisyncd killed (SIGKILL), the card's SA table cleared, spisyncd "
            "restarted with no state: strongSwan still sends on SPI 0x%08x"
            % sa.spi_out)

    line = wait_inv_spi_line(responder, sa.spi_out, 10)[0].strip()
    say.say("spisyncd logged: %s" % line)
    c = wait_drops_rising(card, c_fault, DROPS_SHOWN, 10)
    got = len(traffic.delivered_since(t_broken))
    say.say("drops rising: SA_NOT_FOUND_NATT_V4 +%d, %d datagram(s) "
            "received since the fault"
            % (c["SA_NOT_FOUND_NATT_V4"] - c_fault["SA_NOT_FOUND_NATT_V4"],
               got))

    stuck = log_line(responder, "stuck flow spi=0x%08X" % sa.spi_out, 10)
    check("initiated ike_sa" in stuck, "spisyncd did not open a new IKE SA "
          "for the stuck flow: %s" % stuck)
    log_line(responder, "initiating IKE SA (INITIAL_CONTACT)", 1)
    say.say("spisyncd: flow 0x%08X stuck -> new IKE SA with INITIAL_CONTACT "
            "to %s" % (sa.spi_out, PEER_OUTER))
    log_line(responder, "IKE SA established (initiator", 10)
    say.say("recovery: spisyncd's new IKE SA is established, its CHILD SA "
            "installed in the card")

    traffic.wait_flowing(args.rate // 2, TRAFFIC_BACK_TIMEOUT_S,
                         after=t_broken)
    new = peer.child_sas()[-1]
    check(new.spi_out != sa.spi_out, "strongSwan still sends on 0x%08x"
          % sa.spi_out)
    wait_card_has(card, new.spi_out, 1)
    say.say("traffic back on the new CHILD SA 0x%08x (%d datagrams received "
            "since the fault)" % (new.spi_out,
                                  len(traffic.delivered_since(t_broken))))

    res = traffic.finish(card)
    d = delta(card.counters(), c_start)
    unseen = check_accounted(res, d, "the demo's traffic (%s; card: %s)" % (
        res.summary(), {k: v for k, v in d.items() if v}), UNSEEN_MAX)
    check(res.gaps and res.recovery_s is not None,
          "no datagram lost, or none received after the loss: the fault "
          "did not show")
    gaps = ", ".join("%d..%d" % (a, b) for a, b in res.gaps)
    say.say("accounted for: %d sent = %d received + %d dropped by the card "
            "as SA_NOT_FOUND_NATT_V4 (datagrams %s)%s"
            % (res.sent, res.delivered, d["SA_NOT_FOUND_NATT_V4"], gaps,
               " + %d dropped by strongSwan while it replaced its SAs"
               % unseen if unseen else ""))
    if len(res.gaps) > 1:
        # not the fault the demo made: shown, not hidden (show flows
        # below names the SPI the card missed them on)
        say.say("NOTE: %d more datagram(s) dropped after traffic came back "
                "(%s): not part of the recovery; see show flows below"
                % (sum(b - a + 1 for a, b in res.gaps[1:]),
                   ", ".join("%d..%d" % (a, b) for a, b in res.gaps[1:])))
    say.say("time from the first dropped packet to the first decrypted on "
            "the new SA: %.1f s (%s)" % (res.recovery_s, WITHOUT_SPISYNC))

    Narrator.block(*operator_ctl(card, ops_state, "-d", card.device, "show",
                                 "drops"))
    Narrator.block(*operator_ctl(card, ops_state, "-s",
                                 responder.control_path, "show", "flows"))


def main(argv=None):
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return 2 if e.code else 0
    if not root_ok(args.sudo_command):
        return 1
    if args.check_root:
        return 0
    for name in ("sim", "ctl", "spisyncd"):
        path = os.path.abspath(getattr(args, name))
        if not os.access(path, os.X_OK):
            print("%s: %s is not an executable (build it first: make demo "
                  "does)" % (PROG, path), file=sys.stderr)
            return 1
        setattr(args, name, path)

    cleanup = Cleanup(keep=args.keep)
    cleanup.install_signals()
    workdir = tempfile.mkdtemp(prefix="spisync-demo.")
    cleanup.push("directory " + workdir,
                 lambda: shutil.rmtree(workdir, ignore_errors=True))
    status = 1
    try:
        demo(args, cleanup, workdir)
        print("%s: passed: traffic came back on a new CHILD SA" % PROG)
        status = 0
    except Skip as e:
        print("%s: cannot run here: %s (the demo needs network namespaces)"
              % (PROG, e))
    except Fail as e:
        print("%s: FAILED: %s" % (PROG, e))
        dump_logs(workdir)
    except KeyboardInterrupt as e:
        print("%s: interrupted (%s); cleaning up" % (PROG, e))
        status = 130
    except Exception:               # a bug of the demo: say where, clean up
        traceback.print_exc()
        print("%s: FAILED: demo error" % PROG)
    finally:
        # a second Ctrl-C must not cut the cleanup short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if args.keep:
            print("%s: --keep: work directory %s; to remove: kill what "
                  "`ip netns pids NS` lists, then ip netns del iop-p%d; "
                  "ip netns del iop-d%d; rm -rf %s"
                  % (PROG, workdir, os.getpid(), os.getpid(), workdir))
        cleanup.close()
        if not args.keep and not cleaned_up(workdir):
            status = 1
    return status


def cleaned_up(workdir):
    """Say what the cleanup left, if anything: the namespaces (the
    processes ran in them and were killed with them) and the work
    directory."""
    ours = {"iop-p%d" % os.getpid(), "iop-d%d" % os.getpid()}
    listed = {line.split()[0] for line in
              run("ip", "netns", "list", check_rc=False).splitlines()
              if line.strip()}
    left = sorted(ours & listed)
    if os.path.exists(workdir):
        left.append(workdir)
    if left:
        print("%s: cleanup left: %s" % (PROG, ", ".join(left)))
        return False
    print("%s: cleaned up: namespaces %s (with their links and "
          "processes) and %s are gone (--keep keeps them)"
          % (PROG, " ".join(sorted(ours)), workdir), flush=True)
    return True


if __name__ == "__main__":
    sys.exit(main())
