"""spisync interop harness -- what every case script shares: its command
line, the root and namespace checks (skip, exit 0, only where namespaces
cannot be made), the work directory, cleanup on every exit path, and the
exit status (0 passed or skipped, 1 failed, 2 usage, 3 not runnable yet).

    case_X.py SPISYNC_SIM SPISYNCCTL [--width 128|512] [--keep] [--rate N]
              [--responder strongswan|spisyncd] [--spisyncd PATH]

--keep leaves the namespaces, processes and files of the run in place for
debugging and prints how to remove them.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback

from iop_netns import Cleanup, Fail, Skip

EXIT_NOT_RUNNABLE = 3


class NotRunnable(Exception):
    """A case that needs a part that does not exist yet (spisyncd)."""


class Step:
    """Prints one line per step with the wall time it took."""

    def __init__(self):
        self.t0 = time.monotonic()

    def ok(self, what, t_start=None):
        now = time.monotonic()
        if t_start is not None:
            print("ok: %s (%.3f s)" % (what, now - t_start), flush=True)
        else:
            print("ok: %s" % what, flush=True)

    def note(self, what):
        print("  %s" % what, flush=True)


def parse_args(prog, argv):
    ap = argparse.ArgumentParser(prog=prog)
    ap.add_argument("sim", help="spisync-sim (with --socket support)")
    ap.add_argument("ctl", help="spisyncctl")
    ap.add_argument("--width", type=int, choices=(128, 512), default=128)
    ap.add_argument("--keep", action="store_true",
                    help="leave namespaces, processes and files in place")
    ap.add_argument("--rate", type=int, default=100,
                    help="datagrams per second into the tunnel")
    ap.add_argument("--responder", choices=("strongswan", "spisyncd"),
                    default="strongswan")
    ap.add_argument("--spisyncd", help="the daemon, for --responder spisyncd")
    return ap.parse_args(argv)


def main(name, scenario, argv=None):
    """Run scenario(args, cleanup, workdir); returns the exit status.
    The scenario returns None (passed) or what to print instead (a
    baseline is not the case passing)."""
    try:
        args = parse_args(name, sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return 2 if e.code else 0
    args.sim = os.path.abspath(args.sim)
    args.ctl = os.path.abspath(args.ctl)
    for path in (args.sim, args.ctl):
        if not os.access(path, os.X_OK):
            print("%s: FAIL: %s is not an executable (build it first)"
                  % (name, path))
            return 1
    if os.geteuid() != 0:
        print("%s: SKIP: needs root (network namespaces, AF_PACKET, TAP); "
              "not run" % name)
        return 0
    cleanup = Cleanup(keep=args.keep)
    cleanup.install_signals()
    workdir = tempfile.mkdtemp(prefix="spisync-iop.")
    cleanup.push("directory " + workdir,
                 lambda: shutil.rmtree(workdir, ignore_errors=True))
    print("%s: work directory %s" % (name, workdir), flush=True)
    status = 1
    try:
        verdict = scenario(args, cleanup, workdir)
        print("%s: %s" % (name, verdict or "passed"))
        status = 0
    except Skip as e:
        print("%s: SKIP: %s; not run" % (name, e))
        status = 0
    except NotRunnable as e:
        print("%s: NOT RUN: %s" % (name, e))
        status = EXIT_NOT_RUNNABLE
    except Fail as e:
        print("%s: FAIL: %s" % (name, e))
        print("%s: logs in %s%s" % (name, workdir, " (kept)" if args.keep
                                    else " (removed; --keep keeps them)"))
        dump_logs(workdir)
    except KeyboardInterrupt as e:
        print("%s: interrupted (%s)" % (name, e))
    except Exception:               # a harness bug: say where, clean up
        traceback.print_exc()
        print("%s: FAIL: harness error" % name)
    finally:
        if args.keep:
            print("%s: to remove: ip netns del iop-p%d; ip netns del "
                  "iop-d%d; rm -rf %s (after killing what runs in them: "
                  "ip netns pids NS)" % (name, os.getpid(), os.getpid(),
                                         workdir))
        cleanup.close()
    return status


def dump_logs(workdir, lines=12):
    for rel in ("sim.log", "peer/charon.log", "dut/charon.log",
                "spisyncd/spisyncd.log"):
        path = os.path.join(workdir, rel)
        if not os.path.exists(path):
            continue
        with open(path, errors="replace") as f:
            tail = f.read().splitlines()[-lines:]
        print("--- %s (last %d lines)" % (rel, len(tail)))
        for line in tail:
            print("    " + line)
