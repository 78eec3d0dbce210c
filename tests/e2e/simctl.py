#!/usr/bin/env python3
"""spisync tests -- simulator control for end-to-end tests: queue a capture
on the simulated card's wire and wait until the card has taken it, through
the socket protocol of `spisync-sim --socket` (sim/server/sim_proto.h).
These are simulator operations, not card operations: libspisync has no
call for them, so the test speaks the protocol itself.

  simctl.py SOCKET replay FILE.pcap     queue the frames; prints how many
  simctl.py SOCKET drain                wait until the card is idle
"""
import array
import os
import socket
import struct
import sys

MAGIC = 0x53534D31
VERSION = 1
OP_HELLO, OP_REPLAY, OP_DRAIN = 1, 8, 9
PATH_MAX = 240
REQ = struct.Struct("<IIIIQ%ds" % PATH_MAX)   # struct sim_req
RSP = struct.Struct("<iIQII")                  # struct sim_rsp


def call(sock, op, arg0=0, arg1=0, path=b""):
    sock.send(REQ.pack(op, arg0, arg1, 0, 0, path))
    fds = array.array("i")
    msg, anc, _, _ = sock.recvmsg(RSP.size, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    for fd in fds:
        os.close(fd)          # the host memory: not needed here
    if len(msg) != RSP.size:
        sys.exit("simctl: short answer (%d bytes) to op %d" % (len(msg), op))
    status, value, value64, aux, _ = RSP.unpack(msg)
    if status != 0:
        sys.exit("simctl: op %d failed: %s" % (op, os.strerror(-status)))
    return value, value64, aux


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("replay", "drain") or \
            (sys.argv[2] == "replay") != (len(sys.argv) == 4):
        sys.exit(__doc__)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.settimeout(600)
    sock.connect(sys.argv[1])
    call(sock, OP_HELLO, MAGIC, VERSION)
    if sys.argv[2] == "replay":
        path = os.path.abspath(sys.argv[3]).encode()
        if len(path) >= PATH_MAX:
            sys.exit("simctl: path too long: %s" % sys.argv[3])
        frames, _, _ = call(sock, OP_REPLAY, path=path)
        print(frames)
    else:
        _, cycles, _ = call(sock, OP_DRAIN)
        print(cycles)


if __name__ == "__main__":
    main()
