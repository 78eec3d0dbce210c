"""spisync interop harness -- network namespaces, links, commands, cleanup.

Everything a run creates is registered with a Cleanup object at the moment
it is created, and removed in reverse order at the end, failed or not, also
on SIGINT/SIGTERM (see Cleanup.install_signals). Names carry the harness's
pid so two runs, or the leftovers of a crashed run, never collide.
"""

import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000


class Fail(Exception):
    """A check of the case failed (the message says which)."""


class Skip(Exception):
    """The case cannot run on this machine (no root, no namespaces)."""


def check(cond, what):
    if not cond:
        raise Fail(what)


def run(*args, check_rc=True, timeout=30, env=None):
    """Run a command, return its stdout; stderr goes into the Fail."""
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       env=env)
    if check_rc and r.returncode != 0:
        raise Fail("%s: exit %d: %s" % (" ".join(args), r.returncode,
                                         (r.stderr or r.stdout).strip()))
    return r.stdout


def wait_for(what, cond, timeout, step=0.05):
    """Poll cond() until it is true (returns its value) or fail after
    timeout seconds naming what was awaited."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= end:
            raise Fail("timed out after %.1f s waiting for %s"
                       % (timeout, what))
        time.sleep(step)


# ---------------------------------------------------------------------------
# cleanup

class Cleanup:
    """A stack of undo actions, run in reverse order by close()."""

    def __init__(self, keep=False):
        self.keep = keep            # --keep: leave everything for debugging
        self.actions = []

    def push(self, what, fn):
        self.actions.append((what, fn))

    def close(self):
        if self.keep:
            print("iop: --keep: left in place: "
                  + "; ".join(w for w, _ in reversed(self.actions)))
            self.actions = []
            return
        while self.actions:
            what, fn = self.actions.pop()
            try:
                fn()
            except Exception as e:      # cleanup goes on whatever failed
                print("iop: cleanup of %s: %s" % (what, e), file=sys.stderr)

    def install_signals(self):
        """SIGINT and SIGTERM (a runner's timeout) end the case through
        the normal exception path, so finally: blocks clean up."""
        def handler(signum, _frame):
            raise KeyboardInterrupt("signal %d" % signum)
        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)


# ---------------------------------------------------------------------------
# namespaces

_libc = ctypes.CDLL(None, use_errno=True)


class InNetns:
    """Run a block in a network namespace in this thread (setns is per
    thread); sockets made inside stay in that namespace."""

    def __init__(self, name):
        self.name = name
        self.home = -1

    def __enter__(self):
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, "setns %s: %s" % (self.name,
                                                     os.strerror(err)))
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        try:
            if _libc.setns(self.home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(self.home)


def kill_netns_pids(ns):
    """SIGKILL whatever still runs in ns: it is ours (the namespace is)."""
    out = run("ip", "netns", "pids", ns, check_rc=False)
    for pid in out.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def add_netns(cleanup, ns):
    r = subprocess.run(["ip", "netns", "add", ns], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise Skip("cannot create a network namespace (%s)"
                   % r.stderr.strip())

    def undo():
        kill_netns_pids(ns)
        run("ip", "netns", "del", ns, check_rc=False)
    cleanup.push("netns " + ns, undo)
    # lo up: the inner tunnel addresses live there
    run("ip", "-n", ns, "link", "set", "lo", "up")
    # no IPv6: no router solicitations or DAD through the card or ipsec0;
    # no reverse-path filter: decrypted inner packets arrive on the TAP from
    # an address whose route (if any) is elsewhere
    for key in ("net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0"):
        run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", key)


def sysctl(ns, key, value):
    run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "%s=%s"
        % (key, value))


def link_mac(ns, ifname):
    words = run("ip", "-n", ns, "-o", "link", "show", ifname).split()
    return words[words.index("link/ether") + 1]


# ethtool's legacy ioctl (linux/ethtool.h, linux/sockios.h): ethtool(8) is
# not installed here, and only the transmit checksum setting is needed
SIOCETHTOOL = 0x8946
ETHTOOL_GTXCSUM = 0x00000016
ETHTOOL_STXCSUM = 0x00000017


def _ethtool_value(ns, ifname, cmd, data):
    value = ctypes.create_string_buffer(struct.pack("=II", cmd, data))
    ifreq = struct.pack("16sP", ifname.encode(), ctypes.addressof(value)) \
        + b"\0" * 16
    with InNetns(ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifreq)
    finally:
        s.close()
    return struct.unpack_from("=II", value.raw)[1]


def tx_checksum_off(ns, ifname):
    """Turn off transmit checksum offload on a veth end. A veth hands the
    other end a CHECKSUM_PARTIAL skb: the UDP checksum is not filled in, an
    AF_PACKET reader (the card's port) sees a wrong one, and the kernel
    behind the card's TAP drops IKE datagrams passed through to it."""
    _ethtool_value(ns, ifname, ETHTOOL_STXCSUM, 0)
    check(_ethtool_value(ns, ifname, ETHTOOL_GTXCSUM, 0) == 0,
          "tx checksum offload still on for %s in %s" % (ifname, ns))


def add_veth(cleanup, ns_a, name_a, ns_b, name_b):
    run("ip", "-n", ns_a, "link", "add", name_a, "type", "veth", "peer",
        "name", name_b, "netns", ns_b)
    # deleting one end deletes both; the namespace going also does
    cleanup.push("veth " + name_a,
                 lambda: run("ip", "-n", ns_a, "link", "del", name_a,
                             check_rc=False))
