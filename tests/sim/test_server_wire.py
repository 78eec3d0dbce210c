#!/usr/bin/env python3
"""spisync tests -- spisync-sim's server on the network: --port and --tap.

    test_server_wire.py SPISYNC_SIM [--width 128|512]

As root, in two network namespaces of its own (skipped, exit 0, with the
reason, when it is not root or namespaces cannot be made):

    peer netns            host netns
    spw1 (198.18.0.2) ==veth== spw0 <- AF_PACKET -- spisync-sim --port spw0
                                                       --tap spt0
                                spt0 (198.18.0.1): the card's host device

  1. non-ESP frames sent by the peer (802.1Q-tagged ones among them)
     appear on spt0, byte for byte;
  2. frames the host sends on spt0 appear at the peer, byte for byte, and
     do not come back into the card (the port's own transmits are skipped);
  3. the kernel behind spt0 answers the peer's ARP request through the card
     and back out of the port (both directions with a real stack);
  4. ESP frames with SPIs the card does not know are counted as
     SA_NOT_FOUND_V4 (COUNTER_SNAPSHOT, then COUNTERS, over the socket
     protocol of sim/server/sim_proto.h), none reaches spt0;
  5. a frame longer than the card takes (CARD_SIM_MAX_FRAME, 16383) is
     skipped and counted, the server's summary says so;
  6. SIGTERM: exit status 0, the socket file gone, spt0 gone.
Everything it made (namespaces, interfaces, the server, the temporary
directory) is removed at the end, failed or not.

The expectations are written here from the frames sent and the register map
(docs/register-map.md); nothing is taken from the server under test.
"""

import ctypes
import os
import random
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ETH_P_ALL = 0x0003
CLONE_NEWNET = 0x40000000

# docs/register-map.md
REG_ID = 0x0000
REG_COUNTER_SNAPSHOT = 0x0050
REG_COUNTERS = 0x0400             # reason i: low word at +8i, high at +8i+4
R_RX_PACKETS, R_PASS_THROUGH, R_SA_NOT_FOUND_V4 = 0, 2, 5
MAP_ID = 0x53505359
CARD_MAX_FRAME = 16383

# sim/server/sim_proto.h
SIM_MAGIC, SIM_VERSION = 0x53534D31, 1
OP_HELLO, OP_READ32, OP_WRITE32, OP_DRAIN = 1, 2, 3, 9
REQ = struct.Struct("<IIIIQ240s")
RSP = struct.Struct("<iIQII")

PEER_MAC = bytes.fromhex("02aa00000002")
HOST_IP = bytes([198, 18, 0, 1])
PEER_IP = bytes([198, 18, 0, 2])
NOBODY_IP = bytes([198, 18, 0, 9])


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


# ---------------------------------------------------------------------------
# namespaces

_libc = ctypes.CDLL(None, use_errno=True)


def setns_path(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
    finally:
        os.close(fd)


class InNetns:
    """Run a block in a network namespace (sockets made there stay there)."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        setns_path("/run/netns/" + self.name)

    def __exit__(self, *exc):
        try:
            if _libc.setns(self.home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(self.home)


def link_mac(netns, ifname):
    out = subprocess.run(["ip", "-n", netns, "-o", "link", "show", ifname],
                         check=True, capture_output=True, text=True).stdout
    words = out.split()
    return bytes.fromhex(words[words.index("link/ether") + 1]
                         .replace(":", ""))


SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 1 << 4, 1 << 6
AUXDATA = struct.Struct("=IIIHHHH")    # struct tpacket_auxdata


def packet_socket(netns, ifname):
    with InNetns(netns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                          socket.htons(ETH_P_ALL))
        s.bind((ifname, ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setblocking(False)
    return s


def recv_frame(sock):
    """(frame as it was on the wire, packet type) or None. A VLAN tag the
    kernel took off on receive is put back from the auxiliary data."""
    try:
        data, anc, _, addr = sock.recvmsg(70000,
                                          socket.CMSG_SPACE(AUXDATA.size))
    except BlockingIOError:
        return None
    for level, kind, blob in anc:
        if level != SOL_PACKET or kind != PACKET_AUXDATA or \
                len(blob) < AUXDATA.size:
            continue
        status, _, _, _, _, tci, tpid = AUXDATA.unpack(blob[:AUXDATA.size])
        if status & TP_STATUS_VLAN_VALID:
            if not status & TP_STATUS_VLAN_TPID_VALID:
                tpid = 0x8100
            data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data, addr[2]


def frames_seen(sock, want, timeout):
    """Frames received on sock (not the ones it sent) until every frame of
    want was seen or timeout seconds passed; returns the set seen of want."""
    got = set()
    end = time.monotonic() + timeout
    while got != want and time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], 0.2)
        if not r:
            continue
        while True:
            f = recv_frame(sock)
            if f is None:
                break
            if f[1] != socket.PACKET_OUTGOING and f[0] in want:
                got.add(f[0])
    return got


# ---------------------------------------------------------------------------
# frames

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                      0x4000, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def eth(dst, src, ethertype, payload):
    frame = dst + src + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))


def udp_frame(dst_mac, src_mac, src, dst, marker, n):
    body = marker + struct.pack("!I", n) + bytes(random.randrange(256)
                                                 for _ in range(40))
    udp = struct.pack("!HHHH", 40000 + n, 9, 8 + len(body), 0) + body
    return eth(dst_mac, src_mac, 0x0800, ipv4(src, dst, 17, udp, n))


def vlan_tag(frame, vid):
    return frame[:12] + struct.pack("!HH", 0x8100, vid) + frame[12:]


def esp_frame(dst_mac, src_mac, spi, seq):
    # SPI, sequence number, IV, some ciphertext, ICV: dropped as a miss
    # before any decryption, so the bytes need not decrypt
    esp = struct.pack("!II", spi, seq) + os.urandom(8 + 32 + 16)
    return eth(dst_mac, src_mac, 0x0800, ipv4(PEER_IP, HOST_IP, 50, esp, seq))


def arp_request(src_mac, sender_ip, target_ip):
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, src_mac,
                      sender_ip, b"\0" * 6, target_ip)
    return eth(b"\xff" * 6, src_mac, 0x0806, arp)


def is_arp_reply_for(data, peer_mac, host_ip, peer_ip):
    if len(data) < 42 or data[12:14] != b"\x08\x06" or data[0:6] != peer_mac:
        return False
    op, = struct.unpack("!H", data[20:22])
    return op == 2 and data[28:32] == host_ip and data[38:42] == peer_ip


# ---------------------------------------------------------------------------
# the server's socket protocol

class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        st, value, _, aux, fds = self.req(OP_HELLO, SIM_MAGIC, SIM_VERSION,
                                          want_fds=True)
        check(st == 0 and value == SIM_VERSION, "HELLO refused: %d" % st)
        for fd in fds:
            os.close(fd)
        self.width = aux

    def req(self, op, a0=0, a1=0, a64=0, want_fds=False, timeout=60):
        self.s.send(REQ.pack(op, a0, a1, 0, a64, b""))
        r, _, _ = select.select([self.s], [], [], timeout)
        check(r, "no answer to op %d within %d s" % (op, timeout))
        msg, fds, _, _ = socket.recv_fds(self.s, RSP.size, 1)
        check(len(msg) == RSP.size, "short answer to op %d" % op)
        st, value, value64, aux, _ = RSP.unpack(msg)
        if want_fds:
            return st, value, value64, aux, fds
        for fd in fds:
            os.close(fd)
        return st, value, value64

    def rd32(self, off):
        st, value, _ = self.req(OP_READ32, off)
        check(st == 0, "READ32 0x%x: %d" % (off, st))
        return value

    def wr32(self, off, v):
        st, _, _ = self.req(OP_WRITE32, off, v)
        check(st == 0, "WRITE32 0x%x: %d" % (off, st))

    def counters(self):
        self.wr32(REG_COUNTER_SNAPSHOT, 1)
        out = []
        for i in range(18):
            lo = self.rd32(REG_COUNTERS + 8 * i)
            hi = self.rd32(REG_COUNTERS + 8 * i + 4)
            out.append(hi << 32 | lo)
        return out

    def drain(self):
        st, _, _ = self.req(OP_DRAIN)
        check(st == 0, "DRAIN: %d" % st)

    def close(self):
        self.s.close()


def wait_rx(client, base, n, timeout=60):
    """Counters once the card has counted n more frames in, and drained."""
    end = time.monotonic() + timeout
    while True:
        c = client.counters()
        if c[R_RX_PACKETS] - base[R_RX_PACKETS] >= n:
            client.drain()
            return client.counters()
        check(time.monotonic() < end, "the card counted %d of %d frames"
              % (c[R_RX_PACKETS] - base[R_RX_PACKETS], n))
        time.sleep(0.05)


# ---------------------------------------------------------------------------

def scenario(sim, width, ns_h, ns_p, tmp):
    sock_path = os.path.join(tmp, "sock")
    log_path = os.path.join(tmp, "server.log")
    # no IPv6 autoconfiguration chatter: every frame the card counts is
    # one the test sent
    for ns in (ns_h, ns_p):
        for conf in ("all", "default"):
            sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w",
               "net.ipv6.conf.%s.disable_ipv6=1" % conf)
    sh("ip", "-n", ns_h, "link", "add", "spw0", "type", "veth", "peer",
       "name", "spw1", "netns", ns_p)
    # jumbo MTU on the link: the test's over-long frame must reach the port
    sh("ip", "-n", ns_h, "link", "set", "spw0", "mtu", "20000", "up")
    sh("ip", "-n", ns_p, "link", "set", "spw1", "mtu", "20000", "address",
       PEER_MAC.hex(":"), "up")
    sh("ip", "-n", ns_p, "addr", "add", "198.18.0.2/24", "dev", "spw1")
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            ["ip", "netns", "exec", ns_h, sim, "--socket", sock_path,
             "--width", str(width), "--port", "spw0", "--tap", "spt0"],
            stdout=log, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 300
        while not os.path.exists(sock_path):
            check(server.poll() is None, "the server exited: "
                  + open(log_path).read())
            check(time.monotonic() < end, "the server did not listen")
            time.sleep(0.1)
        sh("ip", "-n", ns_h, "addr", "add", "198.18.0.1/24", "dev", "spt0")
        client = Client(sock_path)
        check(client.rd32(REG_ID) == MAP_ID, "ID register")
        check(client.width == width, "HELLO width %d" % client.width)
        host_mac = link_mac(ns_h, "spt0")
        peer = packet_socket(ns_p, "spw1")
        tap = packet_socket(ns_h, "spt0")
        base = client.counters()

        # 1. peer -> port -> card -> TAP; some 802.1Q-tagged (the kernel
        # takes the tag off on receive: the server must put it back)
        frames = [udp_frame(host_mac, PEER_MAC, PEER_IP, HOST_IP,
                            b"spisync-in", n) for n in range(20)]
        frames += [vlan_tag(udp_frame(host_mac, PEER_MAC, PEER_IP, HOST_IP,
                                      b"spisync-vlan", n), 100 + n)
                   for n in range(4)]
        for f in frames:
            peer.send(f)
        after = wait_rx(client, base, len(frames))
        got = frames_seen(tap, set(frames), 20)
        check(got == set(frames), "%d of %d frames from the peer reached "
              "spt0" % (len(got), len(frames)))
        check(after[R_PASS_THROUGH] - base[R_PASS_THROUGH] >= len(frames),
              "PASS_THROUGH counted %d" % (after[R_PASS_THROUGH]
                                          - base[R_PASS_THROUGH]))
        print("ok: %d frames from the peer appear on spt0" % len(frames))

        # 2. host -> TAP -> port -> peer (the card has no egress path)
        # to an address nobody has: the peer's kernel drops them without
        # an ICMP answer, which the card would count in later steps
        frames = [udp_frame(PEER_MAC, host_mac, HOST_IP, NOBODY_IP,
                            b"spisync-out", n) for n in range(20)]
        base = client.counters()
        for f in frames:
            tap.send(f)
        got = frames_seen(peer, set(frames), 20)
        check(got == set(frames), "%d of %d frames sent on spt0 reached the "
              "peer" % (len(got), len(frames)))
        # the port's own transmits are not frames it received: none goes
        # through the card, none comes back on spt0
        client.drain()
        after = client.counters()
        check(after[R_RX_PACKETS] == base[R_RX_PACKETS], "the card counted "
              "%d frames in while the host only sent"
              % (after[R_RX_PACKETS] - base[R_RX_PACKETS]))
        check(not frames_seen(tap, set(frames), 1),
              "frames sent on spt0 came back on it")
        # nor what other programs of the host send on the port itself
        port = packet_socket(ns_h, "spw0")
        frames = [udp_frame(PEER_MAC, host_mac, HOST_IP, NOBODY_IP,
                            b"spisync-port-tx", n) for n in range(5)]
        for f in frames:
            port.send(f)
        check(frames_seen(peer, set(frames), 20) == set(frames),
              "frames sent on spw0 did not reach the peer")
        client.drain()
        after = client.counters()
        check(after[R_RX_PACKETS] == base[R_RX_PACKETS], "the card took "
              "%d frames the port transmitted"
              % (after[R_RX_PACKETS] - base[R_RX_PACKETS]))
        port.close()
        print("ok: frames sent on spt0 and on spw0 appear at the peer and "
              "do not enter the card")

        # 3. the host's kernel answers ARP through the card and the port
        peer.send(arp_request(PEER_MAC, PEER_IP, HOST_IP))
        end = time.monotonic() + 20
        answered = False
        while not answered and time.monotonic() < end:
            r, _, _ = select.select([peer], [], [], 0.2)
            while r:
                f = recv_frame(peer)
                if f is None:
                    break
                if f[1] != socket.PACKET_OUTGOING and \
                        is_arp_reply_for(f[0], PEER_MAC, HOST_IP, PEER_IP):
                    answered = f[0][22:28] == host_mac
        check(answered, "no ARP reply from 198.18.0.1 through the card")
        print("ok: the host's kernel answers ARP through the card")

        # 4. unknown SPIs: counted misses, nothing delivered
        base = client.counters()
        spis = random.sample(range(0x1000, 0xFFFFFFFF), 7)
        frames = [esp_frame(host_mac, PEER_MAC, spi, n + 1)
                  for n, spi in enumerate(spis)]
        for f in frames:
            peer.send(f)
        after = wait_rx(client, base, len(frames))
        misses = after[R_SA_NOT_FOUND_V4] - base[R_SA_NOT_FOUND_V4]
        check(misses == len(frames), "SA_NOT_FOUND_V4 counted %d of %d"
              % (misses, len(frames)))
        check(not frames_seen(tap, set(frames), 1),
              "an ESP frame with an unknown SPI reached spt0")
        print("ok: %d ESP frames with unknown SPIs counted as SA_NOT_FOUND_V4"
              % misses)

        # 5. longer than the card takes: skipped, counted, not delivered
        base = client.counters()
        big = udp_frame(host_mac, PEER_MAC, PEER_IP, HOST_IP, b"spisync-big",
                        0)
        big = big[:14] + ipv4(PEER_IP, HOST_IP, 17, bytes(CARD_MAX_FRAME - 33),
                              77)
        check(len(big) == CARD_MAX_FRAME + 1, "big frame length")
        peer.send(big)
        marker = udp_frame(host_mac, PEER_MAC, PEER_IP, HOST_IP,
                           b"spisync-after-big", 0)
        peer.send(marker)
        after = wait_rx(client, base, 1)
        check(frames_seen(tap, {marker}, 20) == {marker},
              "the frame after the long one did not arrive")
        check(after[R_RX_PACKETS] - base[R_RX_PACKETS] == 1,
              "the card counted %d frames, the long one among them?"
              % (after[R_RX_PACKETS] - base[R_RX_PACKETS]))
        client.close()
        peer.close()
        tap.close()

        # 6. SIGTERM
        server.send_signal(signal.SIGTERM)
        rc = server.wait(60)
        log = open(log_path).read()
        sys.stdout.write(log)
        check(rc == 0, "exit status %d after SIGTERM" % rc)
        check(not os.path.exists(sock_path), "socket file left behind")
        check(subprocess.run(["ip", "-n", ns_h, "link", "show", "spt0"],
                             capture_output=True).returncode != 0,
              "spt0 still there")
        check(" 1 skipped as too long or empty" in log,
              "the summary does not count the long frame")
        print("ok: SIGTERM: exit 0, socket and spt0 gone, the long frame "
              "counted as skipped")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def main():
    args = sys.argv[1:]
    width = 128
    if len(args) == 3 and args[1] == "--width" and args[2] in ("128", "512"):
        width = int(args[2])
    elif len(args) != 1:
        print("usage: test_server_wire.py SPISYNC_SIM [--width 128|512]",
              file=sys.stderr)
        return 2
    sim = os.path.abspath(args[0])
    if os.geteuid() != 0:
        print("SKIP: the wire test needs root (network namespaces, "
              "AF_PACKET, TAP); not run")
        return 0
    # a SIGTERM (a test runner's timeout) still cleans up
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tag = "%d" % os.getpid()
    ns_h, ns_p = "spisync-h" + tag, "spisync-p" + tag
    made = []
    tmp = tempfile.mkdtemp(prefix="spisync-wire.")
    try:
        for ns in (ns_h, ns_p):
            r = subprocess.run(["ip", "netns", "add", ns],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print("SKIP: cannot create a network namespace (%s); not "
                      "run" % r.stderr.strip())
                return 0
            made.append(ns)
        seed = int(os.environ.get("SEED", "0")) or int(time.time())
        random.seed(seed)
        print("test_server_wire: seed %d (SEED=%d to replay)" % (seed, seed))
        scenario(sim, width, ns_h, ns_p, tmp)
        print("test_server_wire: passed")
        return 0
    except (Fail, subprocess.CalledProcessError, OSError) as e:
        if isinstance(e, subprocess.CalledProcessError):
            print("FAIL: %s: %s" % (" ".join(e.cmd), e.stderr))
        else:
            print("FAIL: %s" % e)
        return 1
    finally:
        for ns in made:
            # whatever still runs in them is ours (the server)
            pids = subprocess.run(["ip", "netns", "pids", ns],
                                  capture_output=True, text=True).stdout
            for pid in pids.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
