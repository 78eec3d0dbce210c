"""spisync interop harness -- traffic through the tunnel and what it proves.

The sender (a thread whose socket lives in the peer namespace) sends UDP
datagrams from the peer's inner address into strongSwan's tunnel at a fixed
rate; the sink (a thread, socket in the dut namespace) receives what the
card decrypted. Each datagram carries the run's tag, a sequence number, its
send time (CLOCK_MONOTONIC: one clock for every namespace of the host) and a
filler derived from the sequence number, so the sink checks every byte it
gets. analyse() turns the two records into losses, gaps and the time from
the first lost datagram to the first one after the gap.
"""

import os
import socket
import struct
import threading
import time

from iop_netns import InNetns

HEAD = struct.Struct("!8sQd")       # tag, sequence number, send time
MAGIC = b"spisync1"


def payload(tag, seq, t, size):
    head = HEAD.pack(tag, seq, t)
    fill = bytes((seq + i) & 0xFF for i in range(size - HEAD.size))
    return head + fill


class Sink:
    """Receive datagrams on (addr, port) in namespace ns."""

    def __init__(self, ns, addr, port, tag):
        self.tag = tag
        with InNetns(ns):
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((addr, port))
        self.sock.settimeout(0.1)
        self.got = []               # (seq, t_sent, t_received)
        self.bad = 0                # wrong tag, length or content
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stopping.is_set():
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            t = time.monotonic()
            if len(data) < HEAD.size:
                self.bad += 1
                continue
            tag, seq, sent = HEAD.unpack_from(data)
            if tag != self.tag or data != payload(tag, seq, sent, len(data)):
                self.bad += 1
                continue
            with self.lock:
                self.got.append((seq, sent, t))

    def count(self):
        with self.lock:
            return len(self.got)

    def last_arrival(self):
        with self.lock:
            return self.got[-1][2] if self.got else None

    def stop(self):
        self.stopping.set()
        self.thread.join()
        self.sock.close()


class Sender:
    """Send `rate` datagrams a second of `size` bytes from (src, any port)
    in namespace ns to dst until stop()."""

    def __init__(self, ns, src, dst, rate, size, tag):
        self.rate, self.size, self.tag = rate, size, tag
        self.dst = dst
        with InNetns(ns):
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((src, 0))
        self.sent = []              # (seq, t_sent)
        self.errors = 0             # sendto refused (no route yet, ...)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        seq = len(self.sent)
        t0 = time.monotonic()
        n = 0
        while not self.stopping.is_set():
            due = t0 + n / self.rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            t = time.monotonic()
            seq += 1
            n += 1
            try:
                self.sock.sendto(payload(self.tag, seq, t, self.size),
                                 self.dst)
            except OSError:
                self.errors += 1
                continue
            with self.lock:
                self.sent.append((seq, t))

    def count(self):
        with self.lock:
            return len(self.sent)

    def stop(self):
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
            self.thread = None

    def close(self):
        self.stop()
        self.sock.close()


def new_tag():
    return MAGIC[:4] + os.urandom(4)


class Result:
    """What a run of traffic shows.

    sent, delivered: datagrams; lost: sequence numbers sent, not received;
    gaps: runs of consecutive lost datagrams [(first_seq, last_seq)];
    recovery_s: for the first gap, the first lost datagram's send time to
    the arrival of the first datagram after the gap (None without a gap
    or without a datagram after it); latency: arrival - send of the
    delivered ones (s); reordered: arrivals out of sequence order;
    duplicates: datagrams received more than once."""

    def __init__(self, sender, sink):
        sent = dict(sender.sent)
        got = {}
        self.duplicates = 0
        self.reordered = 0
        last = 0
        for seq, t_sent, t_recv in sink.got:
            if seq in got:
                self.duplicates += 1
                continue
            got[seq] = (t_sent, t_recv)
            if seq < last:
                self.reordered += 1
            last = max(last, seq)
        self.sent = len(sent)
        self.delivered = len(got)
        self.unknown = sorted(set(got) - set(sent))
        self.bad = sink.bad
        self.lost = sorted(set(sent) - set(got))
        self.gaps = []
        for seq in self.lost:
            if self.gaps and self.gaps[-1][1] == seq - 1:
                self.gaps[-1][1] = seq
            else:
                self.gaps.append([seq, seq])
        self.latency = sorted(r - s for s, r in got.values())
        self.recovery_s = None
        if self.gaps:
            first, last_lost = self.gaps[0]
            after = [seq for seq in got if seq > last_lost]
            if after:
                self.recovery_s = got[min(after)][1] - sent[first]
        self.first_delivered = min(got) if got else None

    def latency_ms(self, q):
        """Quantile q (0..1) of the delivered datagrams' latency, ms."""
        if not self.latency:
            return None
        i = min(len(self.latency) - 1, int(q * len(self.latency)))
        return 1000.0 * self.latency[i]

    def summary(self):
        s = ("sent %d, delivered %d, lost %d in %d gap(s)"
             % (self.sent, self.delivered, len(self.lost), len(self.gaps)))
        if self.latency:
            s += (", latency median %.1f ms, p99 %.1f ms, max %.1f ms"
                  % (self.latency_ms(0.5), self.latency_ms(0.99),
                     self.latency_ms(1.0)))
        if self.recovery_s is not None:
            s += ", first lost -> first after the gap %.3f s" \
                % self.recovery_s
        return s
