#!/usr/bin/env python3
"""spisync -- `make bench` figures for invalid-SPI recovery against
strongSwan (issue 6): measured, never asserted. Prints markdown table rows.

    bench_recovery.py runs SIM CTL SPISYNCD [--runs N] [--width W]
        Interop cases 1 (the daemon lost its state) and 2 (the card lost
        one SA), each run N times (default 10) with spisyncd as the
        responder: the time from the first dropped datagram to the first
        one decrypted on the new SA, as the case prints it (once traffic
        is back, before its checks of the whole run: a run that recovered
        but failed a later check is timed and counted as failed, its FAIL
        line printed). One row per case: runs, passed, timed, median,
        worst, every value, wall time.

    bench_recovery.py dpd SIM CTL [--width W] [--dpd-delay 30s]
        Case 1's fault without spisync: a strongSwan responder, the peer
        with DPD on (dpd_delay, dpd_action = restart), the card fed from
        the responder's log as soon as it shows a new CHILD SA (what
        spisyncd does through libspisync). The time from the first dropped
        datagram to the first one decrypted after DPD gave up on the dead
        IKE SA and the peer started a new one. Takes minutes.

The cases come from tests/interop (run as they are, or imported: the
harness is not copied). Needs root (network namespaces); without it every
row says "not measured" and why.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTEROP = os.path.join(ROOT, "tests", "interop")

CASES = (
    ("1: daemon lost its state (kill -9, card SA table cleared)",
     "case_daemon_lost_state.py"),
    ("2: the card lost one SA (IKE intact)", "case_card_lost_sa.py"),
)
RECOVERY_RE = re.compile(r"^recovery: first dropped datagram to the first "
                         r"decrypted on the new SA: ([0-9.]+) s$", re.M)
RUN_TIMEOUT_S = 180


def run_case(script, sim, ctl, daemon, width):
    """One run of a case: (seconds or None, None if the case passed or
    its FAIL line). The recovery time is the case's own line: printed
    once traffic came back, before the checks of the whole run."""
    cmd = [sys.executable, os.path.join(INTEROP, script), sim, ctl,
           "--width", str(width), "--responder", "spisyncd",
           "--spisyncd", daemon]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % RUN_TIMEOUT_S
    out = r.stdout + r.stderr
    m = RECOVERY_RE.search(out)
    seconds = float(m.group(1)) if m is not None else None
    if r.returncode == 0 and seconds is not None:
        return seconds, None
    # the case's verdict line, else its last line
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    fail = [line for line in lines if ": FAIL: " in line]
    return seconds, "exit %d: %s" % (r.returncode, fail[0] if fail else
                                     lines[-1] if lines else "no output")


def cmd_runs(a):
    if os.geteuid() != 0:
        for name, _ in CASES:
            print("| %s | not measured: needs root (network namespaces) "
                  "| | | | | | |" % name)
        return 0
    for name, script in CASES:
        times, fails = [], []
        t0 = time.monotonic()
        for _ in range(a.runs):
            s, why = run_case(script, a.sim, a.ctl, a.spisyncd, a.width)
            if s is not None:
                times.append(s)
            if why is not None:
                fails.append(why)
        wall = time.monotonic() - t0
        if times:
            med = "%.2f" % statistics.median(times)
            worst = "%.2f" % max(times)
            every = " ".join("%.2f" % t for t in times)
        else:
            med = worst = every = "n/a"
        print("| %s | %d | %d | %d | %s | %s | %s | %.0f |"
              % (name, a.runs, a.runs - len(fails), len(times), med, worst,
                 every, wall), flush=True)
        for why in fails:
            print("|   failed run: %s | | | | | | | |"
                  % why.replace("|", "/"))
    return 0


def cmd_dpd(a):
    """Case 1's fault against strongSwan alone, DPD on at the peer."""
    sys.path.insert(0, INTEROP)
    import iop_case
    from iop_netns import check
    from iop_responder import CharonResponder
    from iop_steps import LogSync, Traffic, bring_up
    from iop_topology import Topology

    measured = {}

    def scenario(args, cleanup, workdir):
        step = iop_case.Step()
        topo = Topology(cleanup, args.sim, args.ctl, workdir, args.width)
        responder = CharonResponder(topo)
        topo.setup()
        topo.start_peer(dpd_delay=a.dpd_delay, dpd_action="restart")
        sa = bring_up(topo, responder, step)
        traffic = Traffic(topo, args.rate)
        traffic.start()
        traffic.wait_flowing(args.rate // 2, 10)
        t = time.monotonic()
        responder.kill9()
        topo.card.clear_sa_table()
        responder.restart()
        t_broken = time.monotonic()
        step.ok("strongSwan responder killed, card SA table cleared, "
                "restarted", t)
        sync = LogSync(responder, topo.card)
        cleanup.push("log sync", sync.stop)
        traffic.wait_flowing(10, a.timeout, after=t_broken)
        sync.stop()
        res = traffic.finish(topo.card)
        new = topo.peer.child_sas()[-1]
        check(new.spi_out != sa.spi_out, "the peer still sends on 0x%08x"
              % sa.spi_out)
        check(res.recovery_s is not None, "no datagram after the gap")
        step.note(res.summary())
        measured["s"] = res.recovery_s
        return "measured"

    if os.geteuid() != 0:
        print("| 1 without spisync, DPD %s, dpd_action restart | not "
              "measured: needs root | |" % a.dpd_delay)
        return 0
    # the harness's own command line, cleanup and exit status; its
    # step lines go to stderr so that stdout is the row alone
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        status = iop_case.main("bench_recovery_dpd", scenario,
                               [a.sim, a.ctl, "--width", str(a.width),
                                "--rate", str(a.rate)])
    finally:
        sys.stdout = real_stdout
    if status != 0 or "s" not in measured:
        print("| 1 without spisync, DPD %s, dpd_action restart | failed "
              "(exit %d; its steps and logs on stderr, in make bench "
              "BUILD/bench/dpd.log) | |"
              % (a.dpd_delay, status))
        return 1
    print("| 1 without spisync, DPD %s, dpd_action restart | %.1f | "
          "measured, 1 run |" % (a.dpd_delay, measured["s"]))
    return 0


def main():
    ap = argparse.ArgumentParser(prog="bench_recovery.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("runs")
    r.add_argument("sim")
    r.add_argument("ctl")
    r.add_argument("spisyncd")
    r.add_argument("--runs", type=int, default=10)
    r.add_argument("--width", type=int, choices=(128, 512), default=128)
    d = sub.add_parser("dpd")
    d.add_argument("sim")
    d.add_argument("ctl")
    d.add_argument("--width", type=int, choices=(128, 512), default=128)
    d.add_argument("--dpd-delay", default="30s")
    d.add_argument("--rate", type=int, default=50)
    d.add_argument("--timeout", type=float, default=600.0,
                   help="seconds to wait for traffic to come back")
    a = ap.parse_args()
    for attr in ("sim", "ctl", "spisyncd"):
        if getattr(a, attr, None) is not None:
            setattr(a, attr, os.path.abspath(getattr(a, attr)))
    return cmd_runs(a) if a.cmd == "runs" else cmd_dpd(a)


if __name__ == "__main__":
    sys.exit(main())
