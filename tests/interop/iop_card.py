"""spisync interop harness -- the simulated card and spisyncctl.

The card is `spisync-sim --socket S --port VETH --tap TAP` in the dut
namespace: frames from the veth go through the card, what it delivers
(decrypted inner packets, pass-through IKE and ARP) comes out on the TAP,
what the host sends on the TAP goes out of the veth. spisyncctl reaches it
as device sim:S; its state (clear baseline, previous show) is kept in a
directory of the run so the operator's own state is never touched.
"""

import json
import os
import signal
import subprocess
import time

from iop_netns import Fail, check, run, wait_for

# docs/register-map.md: the reasons spisyncctl --json show drops names
REASONS = ("RX_PACKETS", "DECRYPTED", "PASS_THROUGH", "PUNT_FRAGMENT",
           "PUNT_IPV6_EXT", "SA_NOT_FOUND_V4", "SA_NOT_FOUND_V6",
           "SA_NOT_FOUND_NATT_V4", "SA_NOT_FOUND_NATT_V6", "SPI_RESERVED",
           "AUTH_FAIL", "REPLAY", "BAD_PADDING", "MALFORMED", "SA_EXPIRED",
           "TAIL_DROP", "DUMMY", "MAC_ERROR", "CDC_OVERFLOW")


class Card:
    """spisync-sim --socket in namespace ns, its socket and log in
    workdir."""

    def __init__(self, cleanup, sim, ctl, ns, workdir, port, tap, width=128,
                 extra_args=()):
        self.sim, self.ctl_path = sim, ctl
        self.ns, self.port, self.tap = ns, port, tap
        self.width = width
        self.extra_args = list(extra_args)
        self.sock = os.path.join(workdir, "sim.sock")
        self.log_path = os.path.join(workdir, "sim.log")
        self.state_dir = os.path.join(workdir, "ctl-state")
        self.device = "sim:" + self.sock
        self.proc = None
        cleanup.push("spisync-sim", self.stop)

    def start(self, timeout=120):
        """Start the server and wait until it listens (the card is then
        reset, its SA table written invalid, the TAP up)."""
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, self.sim, "--socket", self.sock,
             "--width", str(self.width), "--port", self.port, "--tap",
             self.tap] + self.extra_args,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

        def up():
            check(self.proc.poll() is None, "spisync-sim exited (status "
                  "%s): %s" % (self.proc.returncode, self.log_tail()))
            return os.path.exists(self.sock)
        wait_for("spisync-sim's socket", up, timeout, 0.1)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, n=10):
        try:
            with open(self.log_path, errors="replace") as f:
                return "\n".join(f.read().splitlines()[-n:])
        except FileNotFoundError:
            return ""

    # -- spisyncctl -------------------------------------------------------

    def ctl(self, *args, json_out=True):
        env = dict(os.environ)
        env["SPISYNC_STATE_DIR"] = self.state_dir
        cmd = [self.ctl_path, "-d", self.device]
        if json_out:
            cmd.append("--json")
        out = run(*cmd, *args, env=env, timeout=30)
        return json.loads(out) if json_out else out

    def counters(self):
        """The card's own counters by reason name (not the operator's
        clear baseline)."""
        doc = self.ctl("show", "drops")
        return {name: doc["reasons"][name]["card"] for name in REASONS}

    def sas(self):
        return self.ctl("show", "sa")["sas"]

    def events(self):
        return self.ctl("show", "events")["events"]

    def sa_add(self, spi, dst, key_salt, icv_bits=128, esn=False,
               encap=(4500, 4500), mode="tunnel"):
        args = ["sa", "add", "spi", "0x%08x" % spi, "dst", dst, "aead",
                "0x" + key_salt.hex(), str(icv_bits)]
        if esn:
            args.append("esn")
        args += ["mode", mode]
        if encap is not None:
            args += ["encap", "espinudp", str(encap[0]), str(encap[1])]
        return self.ctl(*args)

    def sa_del(self, spi):
        return self.ctl("sa", "del", "spi", "0x%08x" % spi)

    def clear_sa_table(self):
        """Delete every SA the card holds (the card "lost its state")."""
        for sa in self.sas():
            self.ctl("sa", "del", "index", str(sa["index"]))
        check(not self.sas(), "SAs left after deleting them all")

    def wait_quiet(self, timeout=20, settle=0.3):
        """Until RX_PACKETS stops moving for `settle` seconds: what was
        sent has gone through the card (it runs far slower than a link)."""
        last = [self.counters()["RX_PACKETS"], None]

        def still():
            now = self.counters()["RX_PACKETS"]
            t = time.monotonic()
            if now != last[0]:
                last[0], last[1] = now, t
                return False
            if last[1] is None:
                last[1] = t
                return False
            return t - last[1] >= settle
        wait_for("the card to go quiet", still, timeout, 0.1)


def delta(after, before):
    return {k: after[k] - before[k] for k in after}


def check_no_errors(d, what):
    """No reason that means a broken frame or a broken card moved."""
    bad = {k: d[k] for k in ("AUTH_FAIL", "REPLAY", "BAD_PADDING",
                             "MALFORMED", "SA_EXPIRED", "TAIL_DROP",
                             "MAC_ERROR", "PUNT_FRAGMENT") if d[k]}
    if bad:
        raise Fail("%s: unexpected drops %s" % (what, bad))
