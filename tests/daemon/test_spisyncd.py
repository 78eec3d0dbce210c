#!/usr/bin/env python3
"""spisync tests -- spisyncd against the simulated card (spisync-sim
--socket), without IKE: its static peer has recovery = no and the other is
dynamic, so the daemon must never send a datagram.

ESP frames with unknown SPIs (Ethernet/IPv4/ESP and Ethernet/IPv4/UDP
4500/ESP, built here byte by byte into a pcap) are replayed onto the card's
wire (the simulator's REPLAY operation, tests/e2e/simctl.py). Checked:
  * the RECVD_PKT_INV_SPI lines on the daemon's --stderr, byte for byte as
    the issue writes them, one per flow, not repeated inside the interval;
  * the flows on the control socket (show flows): addresses, SPIs, encap,
    counts, classes (stuck: still missing after the hold-off; transient:
    one burst), refusals, times on the wall clock (card time mapped);
    also through `spisyncctl --json show flows` when spisyncctl has it;
  * 1000 random unconfigured sources: nothing sent (the daemon's socket
    counters, show stats), no recovery, every flow refused;
  * SIGHUP with a broken file: still running, the error with file:line
    logged; SIGHUP with a good one: applied (peer count, reload count);
  * SIGTERM: exit 0 (ASan clean), control socket removed, the card's event
    ring released (a second daemon starts; one started while the first
    runs is refused, exit 1);
  * a configuration error at start: exit 2 and "file:line" on stderr;
  * without -f: detached (own session, in /), pid file, clean exit.

  test_spisyncd.py --daemon SPISYNCD --sim SPISYNC_SIM [--ctl SPISYNCCTL]
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIMCTL = os.path.join(HERE, "..", "e2e", "simctl.py")

LOCAL = "198.18.0.2"
STATIC = "198.18.0.1"         # [peer gw]: static, recovery = no
DYN_NET = "198.18.4."         # [peer roam]: dynamic, 198.18.4.0/24
FLOOD_NET = (198, 19)         # no peer: 198.19.0.0/16

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, flush=True)
    return cond


# ---- frames --------------------------------------------------------------

def ip_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def esp_frame(src, dst, spi, seq, udp=False):
    """Ethernet / IPv4 / [UDP 4500->4500 /] ESP(spi, seq, IV, data, ICV)"""
    esp = struct.pack("!II", spi, seq) + bytes(8) + bytes(range(48)) + bytes(16)
    if udp:
        payload = struct.pack("!HHHH", 4500, 4500, 8 + len(esp), 0) + esp
        proto = 17
    else:
        payload = esp
        proto = 50
    total = 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, seq & 0xFFFF, 0, 64,
                      proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", ip_checksum(hdr)) + hdr[12:]
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    return eth + hdr + payload


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = int(time.time())
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", t, i, len(fr), len(fr)))
            f.write(fr)


def inv_spi_line(src, dst, spi, udp=False):
    line = ("%%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has "
            "invalid spi for destaddr=%s, prot=50, spi=0x%08X(%d), srcaddr=%s"
            % (dst, spi, spi, src))
    if udp:
        line += ", srcport=4500, dstport=4500"
    return line


# ---- processes -----------------------------------------------------------

class Env:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.sock = os.path.join(tmp, "sim.sock")
        self.ctl = os.path.join(tmp, "run", "spisyncd.sock")
        self.conf = os.path.join(tmp, "spisyncd.conf")
        self.sim = None
        self.procs = []
        self.detached = None

    def start_sim(self):
        log = open(os.path.join(self.tmp, "sim.log"), "w")
        self.sim = subprocess.Popen([self.args.sim, "--socket", self.sock,
                                     "--width", str(self.args.width),
                                     # every first miss of the flood
                                     # reported: no token bucket
                                     "--event-rate", "0"],
                                    stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.sock), 120, "spisync-sim socket",
                 self.sim)

    def start_daemon(self, name, conf=None):
        err = open(os.path.join(self.tmp, name + ".stderr"), "w")
        p = subprocess.Popen([self.args.daemon, "-c", conf or self.conf, "-f",
                              "--stderr", "--ike-port", "0", "--natt-port",
                              "0"], stdout=err, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def stderr_of(self, name):
        with open(os.path.join(self.tmp, name + ".stderr")) as f:
            return f.read()

    def replay(self, frames, name):
        path = os.path.join(self.tmp, name + ".pcap")
        write_pcap(path, frames)
        out = subprocess.run([sys.executable, SIMCTL, self.sock, "replay",
                              path], capture_output=True, text=True,
                             timeout=300)
        if out.returncode != 0:
            raise RuntimeError("replay: " + out.stderr)
        subprocess.run([sys.executable, SIMCTL, self.sock, "drain"],
                       capture_output=True, timeout=300, check=True)

    def stop_all(self):
        if self.detached is not None:
            try:
                os.kill(self.detached, signal.SIGKILL)
            except OSError:
                pass
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if self.sim is not None and self.sim.poll() is None:
            self.sim.terminate()
            try:
                self.sim.wait(30)
            except subprocess.TimeoutExpired:
                self.sim.kill()
                self.sim.wait()


def wait_for(cond, timeout, what, proc=None):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s: process exited (%d)" % (what,
                                                            proc.returncode))
        time.sleep(0.05)
    raise RuntimeError("timeout waiting for " + what)


def ctl_request(path, line, timeout=90):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    s.sendall(line.encode() + b"\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data)


def config(env, peers_extra="", broken=False):
    lines = [
        "# written by tests/daemon/test_spisyncd.py",
        "[global]",
        "device = sim:%s" % env.sock,
        "control_socket = %s" % env.ctl,
        "flightrec_dir = %s" % os.path.join(env.tmp, "flightrec"),
        "listen = 127.0.0.1",
        "miss_log_interval = 60s",
        "stuck_holdoff = 2s",
        "recovery_interval = 10s",
        "event_ring_log2 = 12",
        "",
        "[peer gw]",
        "type = static",
        "address = %s" % STATIC,
        "local_id = %s" % LOCAL,
        "psk = \"a test key of some length\"",
        "recovery = no",
        "",
        "[peer roam]",
        "type = dynamic",
        "address = %s0/24" % DYN_NET,
        "remote_id = @roam.example",
        "remote_ts = %s0/24" % DYN_NET,
        "psk = \"another test key, long enough\"",
        "recovery = yes",
        "",
    ]
    if broken:
        lines.append("no_such_option = 1")
    text = "\n".join(lines) + "\n" + peers_extra
    with open(env.conf, "w") as f:
        f.write(text)
    # the line the broken option is on (1-based)
    return len(lines)


# ---- the checks ----------------------------------------------------------

def inv_lines(text):
    return [l[l.index("%CRYPTO"):] for l in text.splitlines()
            if "%CRYPTO-4-RECVD_PKT_INV_SPI" in l]


def flows_by_key(doc):
    out = {}
    for f in doc["flows"]:
        out[(f["src"], f["dst"], f["spi"])] = f
    return out


def run(args):
    tmp = tempfile.mkdtemp(prefix="spisyncd_test.")
    env = Env(args, tmp)
    try:
        return scenario(env)
    finally:
        env.stop_all()
        if failures:
            for name in ("d1", "d2", "d3", "bad"):
                p = os.path.join(tmp, name + ".stderr")
                if os.path.exists(p):
                    print("--- %s (last lines)" % name)
                    with open(p) as f:
                        print("".join(f.readlines()[-25:]))
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept " + tmp)


def scenario(env):
    rnd = random.Random(env.args.seed)
    print("test_spisyncd: seed %d" % env.args.seed, flush=True)

    # a config error at start: exit 2, "file:line: reason" on stderr
    bad_line = config(env, broken=True)
    p = env.start_daemon("bad")
    rc = p.wait(60)
    text = env.stderr_of("bad")
    check(rc == 2, "config error at start: exit %d, want 2" % rc)
    check("%s:%d:" % (env.conf, bad_line) in text,
          "config error at start: no '%s:%d:' in %r" % (env.conf, bad_line,
                                                        text))
    config(env)

    env.start_sim()
    d1 = env.start_daemon("d1")
    wait_for(lambda: os.path.exists(env.ctl), 60, "control socket", d1)
    print("test_spisyncd: daemon up", flush=True)

    # a second daemon while the first owns the ring: refused, exit 1
    ctl2 = os.path.join(env.tmp, "second.sock")
    conf2 = os.path.join(env.tmp, "second.conf")
    with open(env.conf) as f:
        c2 = f.read().replace(env.ctl, ctl2)
    with open(conf2, "w") as f:
        f.write(c2)
    p = env.start_daemon("d2", conf2)
    rc = p.wait(60)
    check(rc == 1, "second daemon on an owned ring: exit %d, want 1" % rc)
    check("owner" in env.stderr_of("d2"),
          "second daemon: no clear 'owner' message: %r" % env.stderr_of("d2"))
    check(d1.poll() is None, "first daemon died when the second started")

    # flows: A stuck ESP from the static peer, B stuck ESP-in-UDP from a
    # dynamic peer's range, C a single burst (transient)
    spi_a, spi_b, spi_c = 0xB761863E, 0x00001234, 0x00002000
    src_b = DYN_NET + "7"
    t_start = time.time()
    seq = 1
    env.replay([esp_frame(STATIC, LOCAL, spi_c, s) for s in range(1, 4)],
               "burst_c")
    # A and B keep missing: replayed every ~0.4 s (the card re-reports a
    # flow after its 1 s hold-off) until the daemon calls both stuck (2 s
    # after their first records), at most 30 s; the simulator's speed on a
    # loaded machine decides how many rounds that takes
    live = {}
    while time.time() - t_start < 30.0:
        frames = []
        for _ in range(3):
            frames.append(esp_frame(STATIC, LOCAL, spi_a, seq))
            frames.append(esp_frame(src_b, LOCAL, spi_b, seq, udp=True))
            seq += 1
        env.replay(frames, "ab")
        live = flows_by_key(ctl_request(env.ctl, "show flows"))
        if all(live.get(k, {}).get("class") == "stuck" for k in
               ((STATIC, LOCAL, "0xB761863E"), (src_b, LOCAL, "0x00001234"))):
            break
        time.sleep(0.4)
    t_end = time.time()
    # (a stuck flow that stops missing is transient again, recovery.c)
    time.sleep(3.5)       # C's hold-off + grace passes

    lines = inv_lines(env.stderr_of("d1"))
    want = [inv_spi_line(STATIC, LOCAL, spi_c),
            inv_spi_line(STATIC, LOCAL, spi_a),
            inv_spi_line(src_b, LOCAL, spi_b, udp=True)]
    for w in want:
        check(lines.count(w) == 1, "want exactly one line %r, got %d" %
              (w, lines.count(w)))
    check(len(lines) == 3, "want 3 INV_SPI lines, got %d: %r" %
          (len(lines), lines))

    doc = ctl_request(env.ctl, "show flows")
    fl = flows_by_key(doc)
    a = live.get((STATIC, LOCAL, "0xB761863E"))
    b = live.get((src_b, LOCAL, "0x00001234"))
    c = fl.get((STATIC, LOCAL, "0x00002000"))
    if check(a is not None and b is not None and c is not None,
             "show flows lacks a flow: %r / %r" % (list(live), list(fl))):
        check(a["class"] == "stuck", "flow A class %r, want stuck" %
              a["class"])
        check(b["class"] == "stuck", "flow B class %r, want stuck" %
              b["class"])
        check("refused" in a["last_action"] and
              "refused" in b["last_action"], "last actions A %r B %r" %
              (a["last_action"], b["last_action"]))
        check(c["class"] == "transient", "flow C class %r, want transient"
              % c["class"])
        check(a["encap"] == "none" and b["encap"] == "udp",
              "encap A %r B %r" % (a["encap"], b["encap"]))
        check(b["sport"] == 4500 and b["dport"] == 4500, "B ports")
        check(a["spi_dec"] == spi_a, "A spi_dec")
        check(a["peer"] == "gw" and b["peer"] == "roam" and c["peer"] == "gw",
              "peers A %r B %r C %r" % (a["peer"], b["peer"], c["peer"]))
        # the card re-reports a continuing flow once per 1 s hold-off:
        # stuck after 2 s needs at least 2 records; one log line only
        check(a["events"] >= 2, "flow A: %d events, want >= 2" % a["events"])
        check(a["logs"] == 1 and a["logs_suppressed"] == a["events"] - 1,
              "flow A logs %d suppressed %d" % (a["logs"],
                                                a["logs_suppressed"]))
        check(c["events"] == 1, "flow C: %d events, want 1" % c["events"])
        # card time mapped to the wall clock: within the replay window
        first = parse_rfc3339(a["first_seen"])
        check(t_start - 1.0 <= first <= t_end + 1.0,
              "flow A first_seen %s not within the replay window [%f, %f]"
              % (a["first_seen"], t_start, t_end))
    st = doc["stats"]
    check(st["refused_disabled"] >= 1, "refused_disabled %r" %
          st["refused_disabled"])
    check(st["refused_dynamic"] >= 1, "refused_dynamic %r" %
          st["refused_dynamic"])
    check(st["notify_stale"] == 0 and st["initiated"] == 0,
          "recovery acted: %r" % st)

    if env.args.ctl:
        ctl_flows(env, fl)

    # 1000 random unconfigured sources, replayed every ~1.2 s (so the card
    # reports them again after its hold-off) until at least 100 are stuck
    # and refused, at most 120 s (every stuck flow gets a flight recording,
    # which takes the daemon a while; on a loaded machine one replay through
    # the simulated card can take over 10 s): nothing may be sent
    srcs = ["%d.%d.%d.%d" % (FLOOD_NET[0], FLOOD_NET[1], rnd.randrange(256),
                             rnd.randrange(1, 255)) for _ in range(1000)]
    spis = [rnd.randrange(0x100, 1 << 32) for _ in range(1000)]
    n_flood = len(set(zip(srcs, spis)))
    flood = [esp_frame(s, LOCAL, spi, 1) for s, spi in zip(srcs, spis)]
    t0 = time.time()
    rounds = 0
    while time.time() - t0 < 120.0:
        env.replay(flood, "flood")
        rounds += 1
        r = ctl_request(env.ctl, "show stats")["recovery"]
        if rounds >= 2 and r["refused_unconfigured"] >= 100:
            break
        time.sleep(1.2)
    stats = ctl_request(env.ctl, "show stats")
    check(stats["net"]["tx"] == 0 and stats["net"]["tx_errors"] == 0,
          "flood: the daemon sent datagrams: %r" % stats["net"])
    check(stats["ike"]["tx"] == 0, "flood: IKE tx %r" % stats["ike"])
    r = stats["recovery"]
    check(r["initiated"] == 0 and r["notify_stale"] == 0,
          "flood: recovery acted: %r" % r)
    check(100 <= r["refused_unconfigured"] <= n_flood,
          "flood: %d refusals as unconfigured, want 100..%d" %
          (r["refused_unconfigured"], n_flood))
    # lines: never one flow twice inside the interval (the recovery
    # engine also has a global budget of lines per second: not all flows
    # get one)
    flood_lines = [l for l in inv_lines(env.stderr_of("d1"))
                   if "srcaddr=%d.%d." % FLOOD_NET in l]
    check(0 < len(flood_lines) == len(set(flood_lines)) <= n_flood,
          "flood: %d INV_SPI lines (%d distinct) for %d flows" %
          (len(flood_lines), len(set(flood_lines)), n_flood))
    check(r["lost_events"] == 0, "flood: records lost: %r" % r)
    check(d1.poll() is None, "daemon died in the flood")

    # SIGHUP with a broken file: keeps running, logs file:line
    bad_line = config(env, broken=True)
    d1.send_signal(signal.SIGHUP)
    wait_for(lambda: "%s:%d:" % (env.conf, bad_line) in env.stderr_of("d1"),
             20, "reload error with file:line", d1)
    stats = ctl_request(env.ctl, "show stats")
    check(stats["daemon"]["reload_errors"] == 1 and
          stats["daemon"]["peers"] == 2,
          "broken reload: %r" % stats["daemon"])

    # SIGHUP with a good one: applied (a third peer)
    config(env, peers_extra="[peer third]\ntype = static\naddress = "
           "198.18.0.9\nlocal_id = %s\npsk = \"yet another test key\"\n"
           "recovery = no\n" % LOCAL)
    d1.send_signal(signal.SIGHUP)
    wait_for(lambda: ctl_request(env.ctl, "show stats")["daemon"]["reloads"]
             == 1, 20, "good reload", d1)
    stats = ctl_request(env.ctl, "show stats")
    check(stats["daemon"]["peers"] == 3, "good reload: %r" % stats["daemon"])
    # the flows survive a reload
    doc = ctl_request(env.ctl, "show flows")
    check((STATIC, LOCAL, "0xB761863E") in flows_by_key(doc),
          "flows lost across SIGHUP")

    # SIGTERM: exit 0, socket removed, ring released
    d1.send_signal(signal.SIGTERM)
    rc = d1.wait(60)
    check(rc == 0, "SIGTERM: exit %d, want 0" % rc)
    check(not os.path.exists(env.ctl), "control socket left behind")
    d3 = env.start_daemon("d3")
    wait_for(lambda: os.path.exists(env.ctl), 60, "second start", d3)
    d3.send_signal(signal.SIGTERM)
    rc = d3.wait(60)
    check(rc == 0, "restart after SIGTERM: exit %d, want 0" % rc)

    # SIGKILL leaves the card's event ring enabled, pointing at the dead
    # daemon's memory: the next one takes it over, and reads back from the
    # card's event history the misses the dead one never saw (flow E's only
    # record went into the dead ring: without the history it is never seen)
    d4 = env.start_daemon("d4")
    wait_for(lambda: os.path.exists(env.ctl), 60, "daemon d4", d4)
    d4.kill()
    d4.wait(30)
    spi_e = 0x0000E0E0
    env.replay([esp_frame(STATIC, LOCAL, spi_e, 1)], "flow_e")
    d5 = env.start_daemon("d5")

    def e_known():
        # d4's socket file is still there until d5 replaces it
        try:
            return (STATIC, LOCAL, "0x0000E0E0") in flows_by_key(
                ctl_request(env.ctl, "show flows"))
        except OSError:
            return False
    wait_for(e_known, 60, "daemon d5 to know flow E from the card's history",
             d5)
    text = env.stderr_of("d5")
    check("took the event ring over" in text and
          "read back from the card's event history" in text,
          "takeover: the log says nothing of it: %r" % text[-600:])
    check(inv_spi_line(STATIC, LOCAL, spi_e) in text,
          "takeover: no RECVD_PKT_INV_SPI line for flow E")
    d5.send_signal(signal.SIGTERM)
    rc = d5.wait(60)
    check(rc == 0, "after a takeover, SIGTERM: exit %d, want 0" % rc)

    # without -f: the starting process exits 0 once the daemon is up; the
    # daemon runs on in its own session in /, with its pid file
    pidfile = os.path.join(env.tmp, "spisyncd.pid")
    out = subprocess.run([env.args.daemon, "-c", env.conf, "--pidfile",
                          pidfile, "--ike-port", "0", "--natt-port", "0"],
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, "detached start: exit %d: %s" %
          (out.returncode, out.stderr))
    if check(os.path.exists(pidfile) and os.path.exists(env.ctl),
             "detached start: no pid file or control socket"):
        pid = int(open(pidfile).read())
        env.detached = pid
        # double fork: a session of its own, not its leader (it can
        # never get a controlling terminal back)
        check(os.readlink("/proc/%d/cwd" % pid) == "/" and
              os.getsid(pid) not in (os.getsid(0), pid),
              "detached daemon: cwd %s, sid %d (ours %d, its pid %d)" %
              (os.readlink("/proc/%d/cwd" % pid), os.getsid(pid),
               os.getsid(0), pid))
        ctl_request(env.ctl, "show stats")
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not os.path.exists("/proc/%d" % pid) or
                 open("/proc/%d/stat" % pid).read().split()[2] == "Z",
                 60, "detached daemon to exit")
        env.detached = None
        check(not os.path.exists(pidfile) and not os.path.exists(env.ctl),
              "detached daemon left its pid file or socket")
    return 0 if not failures else 1


def ctl_flows(env, direct):
    """spisyncctl's view of the same flows (settled: no record arrives
    now), if it has the command yet"""
    out = subprocess.run([env.args.ctl, "-s", env.ctl, "--json", "show",
                          "flows"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0 and ("usage" in out.stderr.lower() or
                                "unknown" in out.stderr.lower()):
        print("test_spisyncd: spisyncctl has no 'show flows' yet: skipped "
              "that check (%s)" % out.stderr.strip().splitlines()[0])
        return
    if check(out.returncode == 0, "spisyncctl show flows: exit %d: %s" %
             (out.returncode, out.stderr)):
        fl = flows_by_key(json.loads(out.stdout))
        check(set(fl) == set(direct), "spisyncctl show flows: flows %r, "
              "the socket said %r" % (sorted(fl), sorted(direct)))
        for k in set(fl) & set(direct):
            check(fl[k]["class"] == direct[k]["class"] and
                  fl[k]["events"] == direct[k]["events"],
                  "spisyncctl show flows: %r differs" % (k,))


def parse_rfc3339(s):
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?Z$", s)
    if not m:
        raise ValueError("not RFC 3339 UTC: %r" % s)
    import calendar
    t = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)))
    return t + (float(m.group(7)) if m.group(7) else 0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--ctl")
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("SEED") or time.time()))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    try:
        rc = run(args)
    except (RuntimeError, subprocess.TimeoutExpired, OSError,
            ValueError) as e:
        print("FAIL: %s" % e)
        rc = 1
    print("test_spisyncd: %s" % ("ok" if rc == 0 and not failures else
                                 "FAILED (%d)" % len(failures)))
    return 0 if rc == 0 and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
