#!/usr/bin/env python3
"""spisync -- compare what the card delivered with Wireshark's own ESP
decryption of the same capture (tests/sim/tshark_check.sh).

    tshark_compare.py --esp-sa FILE --in IN.pcap --out OUT.pcap [--natt]
                      [--label TEXT] [--tshark PATH] [--max-diffs N]
                      [--cache DIR]
    tshark_compare.py --corrupt-copy SRC.pcap DST.pcap
    tshark_compare.py --wrong-key-copy SRC_ESP_SA DST_ESP_SA

The oracle is tshark: it decrypts IN.pcap with the SAs of the esp_sa file
and checks every ICV. What the card must then do with each frame comes
from docs/datapath.md, written again here: the parse of section 2 (which
frames reach ESP processing, which are passed or punted byte for byte),
the SA match of step 7 (SPI, family, destination, UDP encapsulation), the
anti-replay window of section 4 (W = 1024), the padding / DUMMY / mode
rules of section 5 and the host frame built from tshark's plaintext. The
card's output (OUT.pcap, frames in arrival order, each stamped with the
timestamp of its input frame) must be exactly that, frame by frame and
byte for byte; tshark's dissection of every delivered frame must also show
the inner packet tshark found inside the ESP (addresses, lengths,
protocols, ports, payload), good IP / UDP / TCP / ICMP checksums and no
malformed packet or error.

tshark runs from a private configuration directory (WIRESHARK_CONFIG_DIR)
made here, never the user's: ESP decryption and ICV checking on, checksum
validation on, the esp_sa table in the 8-column form Wireshark 4.0 reads,
and every protocol above the transport layer disabled. The payloads are
random bytes: left on, port-based dissectors (DNS, CPFI, ...) call them
malformed and, worse, an exception inside an ESP payload stops tshark 4.0
from adding its ICV verdict. For the same reason the verdicts come from a
pass of their own that hands decrypted payloads to the data dissector
(VERDICT_DECODE_AS); a second pass dissects the inner packets. The
default dissection of OUT.pcap is also run: it must read every frame, and
a malformed Ethernet, IP or transport header there is an error (malformed
random payloads are only counted).

--cache DIR keeps tshark's protocol list and the dissections of input
files (keyed by a hash of the file, the SAs and the tshark) for the next
compare of the same input. For the check's negative controls,
--corrupt-copy flips one byte in the middle of the largest frame of a pcap
and --wrong-key-copy changes one key byte of the first SA of an esp_sa
file. Exit status: 0 agreement, 1 disagreement, 2 usage or tool error.
"""

import argparse
import hashlib
import ipaddress
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

REPLAY_WINDOW = 1024
ETH_MIN = 60
NATT_PORT = 4500
IPV6_EXT_PUNT = {0, 43, 44, 51, 60, 135, 139, 140, 253, 254}
SEVERITY_ERROR = 0x00800000
CHECKSUM_BAD = {"0", "4"}      # Bad, Illegal (1 Good, 2 Unverified, 3 absent)

# protocols tshark keeps in the structural dissection (tshark -G protocols)
STRUCTURAL = {
    "frame", "eth", "ethertype", "vlan", "arp", "ip", "ipv6",
    "ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts",
    "icmp", "icmpv6", "udp", "tcp", "esp", "udpencap", "data",
}
# names in "[Malformed Packet: X]" that are headers the card writes or keeps
STRUCTURAL_MALFORMED = {"ETH", "ETHERNET", "VLAN", "802.1Q", "IP", "IPV4",
                        "IPV6", "UDP", "TCP", "ICMP", "ICMPV6", "ESP",
                        "UDPENCAP"}

PREFERENCES = """\
# spisync tshark_compare.py: private profile
esp.enable_encryption_decode: TRUE
esp.enable_authentication_check: TRUE
esp.do_esp_sequence_analysis: FALSE
ip.check_checksum: TRUE
udp.check_checksum: TRUE
tcp.check_checksum: TRUE
tcp.analyze_sequence_numbers: FALSE
"""

IP_FIELDS = ["ip.version", "ip.hdr_len", "ip.dsfield", "ip.len", "ip.id",
             "ip.flags", "ip.frag_offset", "ip.ttl", "ip.proto",
             "ip.checksum", "ip.src", "ip.dst"]
IPV6_FIELDS = ["ipv6.version", "ipv6.tclass", "ipv6.flow", "ipv6.plen",
               "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst"]
L4_FIELDS = {
    17: ["udp.srcport", "udp.dstport", "udp.length", "udp.checksum"],
    6: ["tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw",
        "tcp.hdr_len", "tcp.flags", "tcp.window_size_value", "tcp.len",
        "tcp.checksum"],
    1: ["icmp.type", "icmp.code", "icmp.checksum", "icmp.ident",
        "icmp.seq"],
    58: ["icmpv6.type", "icmpv6.code", "icmpv6.checksum",
         "icmpv6.echo.identifier", "icmpv6.echo.sequence_number"],
}
# fields that must be present in the card's frame for the compare of a
# layer to mean anything (an empty list would match any empty list)
L4_KEY = {17: "udp.srcport", 6: "tcp.srcport", 1: "icmp.type",
          58: "icmpv6.type"}
STATUS_FIELDS = ["ip.checksum.status", "udp.checksum.status",
                 "tcp.checksum.status", "icmp.checksum.status",
                 "icmpv6.checksum.status"]
ESP_FIELDS = ["esp.spi", "esp.sequence", "esp.icv_good", "esp.icv_bad",
              "esp.decrypted_data"]
# The ICV verdict pass hands the payload of a decrypted ESP packet to the
# data dissector whatever its next header, except UDP (17: the outer
# header of NAT-T frames goes through the same table): tshark 4.0 adds its
# verdict only after dissecting the payload, and none at all if that
# throws, as a bit flipped in an inner header makes it do.
VERDICT_DECODE_AS = [0, 1, 4, 6, 41, 43, 44, 58, 60]
DIAG_FIELDS = ["frame.number", "frame.protocols", "_ws.malformed",
               "_ws.expert.severity", "_ws.expert.message"]
ALL_FIELDS = (DIAG_FIELDS + ESP_FIELDS + STATUS_FIELDS + ["eth.src", "eth.dst",
              "vlan.id", "data.data"] + IP_FIELDS + IPV6_FIELDS +
              [f for fs in L4_FIELDS.values() for f in fs])


class ToolError(Exception):
    """A problem running the check itself (not a disagreement)."""


# ---------------------------------------------------------------------------
# pcap

def read_pcap(path):
    """Records of a classic pcap file: list of (ts_sec, ts_frac, bytes)."""
    try:
        with open(path, "rb") as fp:
            data = fp.read()
    except OSError as e:
        raise ToolError(f"{path}: {e.strerror}") from e
    if len(data) < 24:
        raise ToolError(f"{path}: not a pcap file (too short)")
    magic = data[:4]
    formats = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
               b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
    if magic not in formats:
        raise ToolError(f"{path}: not a classic pcap file (pcapng is not "
                        "read here)")
    end = formats[magic]
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    if linktype != 1:
        raise ToolError(f"{path}: link type {linktype}, expected Ethernet (1)")
    records = []
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            raise ToolError(f"{path}: truncated record header at {off}")
        sec, frac, caplen, wirelen = struct.unpack(end + "IIII",
                                                   data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ToolError(f"{path}: truncated record at {off}")
        if caplen != wirelen:
            raise ToolError(f"{path}: record {len(records) + 1} is cut "
                            f"short ({caplen} of {wirelen} bytes)")
        records.append((sec, frac, data[off:off + caplen]))
        off += caplen
    return records


def corrupt_copy(src, dst):
    """Flip one byte in the middle of the largest frame of src."""
    records = read_pcap(src)
    if not records:
        raise ToolError(f"{src}: no frames to corrupt")
    with open(src, "rb") as fp:
        data = bytearray(fp.read())
    off = 24
    best = None
    for i, (_, _, frame) in enumerate(records):
        if best is None or len(frame) > best[1]:
            best = (off + 16, len(frame), i)
        off += 16 + len(frame)
    pos = best[0] + best[1] // 2
    data[pos] ^= 0x01
    with open(dst, "wb") as fp:
        fp.write(data)
    print(f"tshark_compare: {dst}: frame {best[2] + 1} ({best[1]} bytes), "
          f"byte {best[1] // 2} flipped")


# ---------------------------------------------------------------------------
# the esp_sa file (Wireshark UAT, see sim/esp_sa.h)

QUOTED = r'"(?:[^"\\]|\\.)*"'
LINE_RE = re.compile(r"\s*" + QUOTED + r"(?:\s*,\s*" + QUOTED + r")*\s*$")
ICV_RE = re.compile(r"AES-GCM with (8|12|16) octet ICV \[RFC4106\]$")


def unescape(text):
    return re.sub(r"\\x([0-9a-fA-F]{2})|\\(.)",
                  lambda m: chr(int(m.group(1), 16)) if m.group(1)
                  else m.group(2), text)


def parse_address(text, family, where):
    try:
        addr = ipaddress.ip_address(text)
    except ValueError as e:
        raise ToolError(f"{where}: address {text!r}: the card needs one "
                        "address") from e
    if (addr.version == 6) != (family == "IPv6"):
        raise ToolError(f"{where}: address {text} is not {family}")
    return addr.packed


def read_esp_sa(path):
    """SAs as dicts, and the lines to give tshark (8 columns)."""
    try:
        with open(path, encoding="latin-1") as fp:
            lines = fp.read().split("\n")
    except OSError as e:
        raise ToolError(f"{path}: {e.strerror}") from e
    sas, uat = [], []
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{n}"
        if not LINE_RE.match(line):
            raise ToolError(f"{where}: not a line of double-quoted fields")
        raw = re.findall(QUOTED, line)
        fields = [unescape(f[1:-1]) for f in raw]
        if len(fields) not in (8, 10):
            raise ToolError(f"{where}: {len(fields)} fields, expected 8 or 10")
        if len(fields) == 10 and (fields[8] != "32-bit" or fields[9] != "0"):
            raise ToolError(f"{where}: extended sequence numbers: tshark 4.0 "
                            "cannot decrypt them, so they cannot be checked "
                            "here")
        family, src, dst, spi, alg, key, auth = fields[:7]
        if family not in ("IPv4", "IPv6"):
            raise ToolError(f"{where}: protocol {family!r}")
        m = ICV_RE.match(alg)
        if not m or auth != "NULL":
            raise ToolError(f"{where}: only AES-GCM with an ICV length and "
                            "no separate authentication is checked")
        if not re.fullmatch(r"0[xX][0-9a-fA-F]+", key) or \
                (len(key) - 2) // 2 not in (20, 36):
            raise ToolError(f"{where}: key must be 0x + 20 or 36 bytes")
        try:
            spi_value = int(spi, 0)
        except ValueError as e:
            raise ToolError(f"{where}: SPI {spi!r}") from e
        sas.append({
            "line": n, "family": family, "spi": spi_value,
            "src": parse_address(src, family, where),
            "dst": parse_address(dst, family, where),
            "icv": int(m.group(1)),
        })
        uat.append(",".join(raw[:8]))
    if not sas:
        raise ToolError(f"{path}: no SA")
    return sas, uat


def wrong_key_copy(src, dst):
    """Copy an esp_sa file with the first key byte of its first SA
    changed."""
    try:
        with open(src, encoding="latin-1") as fp:
            lines = fp.read().split("\n")
    except OSError as e:
        raise ToolError(f"{src}: {e.strerror}") from e
    for n, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        raw = re.findall(QUOTED, line)
        if len(raw) < 6 or not raw[5].startswith(('"0x', '"0X')):
            raise ToolError(f"{src}:{n + 1}: no hex key to change")
        key = raw[5]
        digit = "0" if key[3] != "0" else "1"
        wrong = key[:3] + digit + key[4:]
        head = ",".join(raw[:5]) + ","
        if not line.startswith(head):
            raise ToolError(f"{src}:{n + 1}: unexpected layout")
        lines[n] = head + wrong + line[len(head) + len(key):]
        with open(dst, "w", encoding="latin-1") as fp:
            fp.write("\n".join(lines))
        print(f"tshark_compare: {dst}: key of SPI {unescape(raw[3][1:-1])} "
              "changed")
        return
    raise ToolError(f"{src}: no SA line")


# ---------------------------------------------------------------------------
# tshark

def tshark_env(config_dir):
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = config_dir
    env["HOME"] = config_dir     # nothing of the user's profile, ever
    env.pop("WIRESHARK_RUN_FROM_BUILD_DIRECTORY", None)
    return env


def run_tshark(tshark, config_dir, args, what):
    cmd = [tshark] + args
    try:
        proc = subprocess.run(cmd, env=tshark_env(config_dir),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              check=False)
    except OSError as e:
        raise ToolError(f"{tshark}: {e.strerror}") from e
    err = proc.stderr.decode("utf-8", "replace")
    noise = [ln for ln in err.splitlines()
             if ln.strip() and "could be dangerous" not in ln]
    if proc.returncode != 0:
        raise ToolError(f"tshark ({what}) failed with status "
                        f"{proc.returncode}: " + "\n".join(noise[-10:]))
    if noise:
        # a warning about the profile (an unknown preference, a UAT line
        # tshark refused) would silently weaken the check
        raise ToolError(f"tshark ({what}) complained: " +
                        "\n".join(noise[-10:]))
    return proc.stdout


def disabled_protocols(tshark, config, cache):
    """Every protocol tshark knows but the structural ones."""
    path = os.path.join(cache, "disabled_protos") if cache else None
    if path and os.path.exists(path):
        with open(path) as fp:
            return fp.read()
    listing = run_tshark(tshark, config, ["-G", "protocols"],
                         "protocol list").decode("utf-8", "replace")
    names = [ln.split("\t")[2] for ln in listing.splitlines()
             if ln.count("\t") >= 2]
    if len(names) < 100 or not STRUCTURAL <= set(names):
        raise ToolError("tshark -G protocols: unexpected listing")
    text = "".join(name + "\n" for name in names
                   if name not in STRUCTURAL and not name.startswith("_ws."))
    if path:
        with open(path + ".tmp", "w") as fp:
            fp.write(text)
        os.replace(path + ".tmp", path)
    return text


def make_profile(tshark, uat_lines, cache):
    """A private configuration directory; returns its path. Without
    uat_lines: an empty one (tshark's defaults); with them: the structural
    profile with ESP decryption."""
    config = tempfile.mkdtemp(prefix="spisync_tshark.")
    os.chmod(config, 0o700)
    if uat_lines is None:
        return config
    with open(os.path.join(config, "preferences"), "w") as fp:
        fp.write(PREFERENCES)
    with open(os.path.join(config, "esp_sa"), "w", encoding="latin-1") as fp:
        fp.write("# This file is automatically generated, DO NOT MODIFY.\n")
        for line in uat_lines:
            fp.write(line + "\n")
    text = disabled_protocols(tshark, config, cache)
    with open(os.path.join(config, "disabled_protos"), "w") as fp:
        fp.write(text)
    return config


def dissect_cached(tshark, config, pcap, fields, what, cache, uat_lines,
                   extra=()):
    """dissect(), kept in cache under a hash of everything it depends on."""
    if not cache:
        return dissect(tshark, config, pcap, fields, what, extra)
    h = hashlib.sha256()
    for part in [shutil.which(tshark) or tshark, PREFERENCES] + fields + \
            list(extra) + uat_lines:
        h.update(part.encode("latin-1") + b"\0")
    with open(pcap, "rb") as fp:
        h.update(fp.read())
    path = os.path.join(cache, f"dissection-{h.hexdigest()[:32]}.json")
    if os.path.exists(path):
        with open(path) as fp:
            return json.load(fp)
    frames = dissect(tshark, config, pcap, fields, what, extra)
    with open(path + ".tmp", "w") as fp:
        json.dump(frames, fp)
    os.replace(path + ".tmp", path)
    return frames


def dissect(tshark, config, pcap, fields, what, extra=()):
    """Per frame, a dict field -> list of values (tshark -T json -e)."""
    args = ["-n", "-r", pcap, "-T", "json"] + list(extra)
    for f in fields:
        args += ["-e", f]
    out = run_tshark(tshark, config, args, what)
    try:
        doc = json.loads(out.decode("utf-8", "replace") or "[]")
    except ValueError as e:
        raise ToolError(f"tshark ({what}): output is not JSON") from e
    frames = []
    for i, pkt in enumerate(doc):
        layers = pkt.get("_source", {}).get("layers", {})
        if layers.get("frame.number") != [str(i + 1)]:
            raise ToolError(f"tshark ({what}): frame {i + 1} missing or out "
                            "of order")
        frames.append(layers)
    return frames


# ---------------------------------------------------------------------------
# what the card must do (docs/datapath.md)

def be16(b, o):
    return (b[o] << 8) | b[o + 1]


def be32(b, o):
    return struct.unpack(">I", b[o:o + 4])[0]


def ipv4_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def card_parse(f):
    """Section 2. ("pass", why) for frames delivered as they are,
    ("drop", why), or ("esp", info)."""
    n = len(f)
    if n < 14:
        return "drop", "MALFORMED"
    l2, et = 14, be16(f, 12)
    if et == 0x8100:
        if n < 18:
            return "drop", "MALFORMED"
        l2, et = 18, be16(f, 16)
    info = {"l2": l2, "vlan": l2 == 18}
    if et == 0x0800:
        if n < l2 + 20 or f[l2] >> 4 != 4:
            return "pass", "PASS_THROUGH"
        ihl = (f[l2] & 15) * 4
        tot = be16(f, l2 + 2)
        proto = f[l2 + 9]
        frag = be16(f, l2 + 6)
        fo, mf = frag & 0x1FFF, frag & 0x2000
        info.update(ipv6=False, ihl=ihl, dst=bytes(f[l2 + 16:l2 + 20]))
        udp = None
        if proto == 50:
            if fo or mf:
                return "pass", "PUNT_FRAGMENT"
            l3, pe = l2 + ihl, l2 + tot
        elif proto == 17:
            if ihl < 20 or n < l2 + ihl + 8:
                return "pass", "PASS_THROUGH"
            udp = l2 + ihl
            if fo or be16(f, udp + 2) != NATT_PORT:
                return "pass", "PASS_THROUGH"
            if mf:
                return "pass", "PUNT_FRAGMENT"
            end = min(l2 + tot, n)
            if end - (udp + 8) < 8 or be32(f, udp + 8) == 0:
                return "pass", "PASS_THROUGH"
            l3, pe = udp + 8, l2 + tot
        else:
            return "pass", "PASS_THROUGH"
        if (ihl < 20 or tot < ihl + (8 if udp is not None else 0) or pe > n
                or (pe < n and n > ETH_MIN)
                or (udp is not None and be16(f, udp + 4) != tot - ihl)
                or ipv4_checksum(f[l2:l2 + ihl]) != 0xFFFF):
            return "drop", "MALFORMED"
    elif et == 0x86DD:
        if n < l2 + 40 or f[l2] >> 4 != 6:
            return "pass", "PASS_THROUGH"
        nh, plen = f[l2 + 6], be16(f, l2 + 4)
        info.update(ipv6=True, ihl=40, dst=bytes(f[l2 + 24:l2 + 40]))
        udp = None
        if nh == 44 and n > l2 + 40 and f[l2 + 40] == 50:
            return "pass", "PUNT_FRAGMENT"
        if nh in IPV6_EXT_PUNT:
            return "pass", "PUNT_IPV6_EXT"
        pe = l2 + 40 + plen
        if nh == 50:
            l3 = l2 + 40
        elif nh == 17:
            udp = l2 + 40
            if n < udp + 8 or be16(f, udp + 2) != NATT_PORT:
                return "pass", "PASS_THROUGH"
            end = min(pe, n)
            if end - (udp + 8) < 8 or be32(f, udp + 8) == 0:
                return "pass", "PASS_THROUGH"
            l3 = udp + 8
        else:
            return "pass", "PASS_THROUGH"
        if pe != n or (udp is not None and be16(f, udp + 4) != plen):
            return "drop", "MALFORMED"
    else:
        return "pass", "PASS_THROUGH"
    info.update(udp=udp is not None, l3=l3, pe=pe)
    if pe - l3 < 8:
        return "drop", "MALFORMED"
    info["spi"] = be32(f, l3)
    info["seq"] = be32(f, l3 + 4)
    if info["spi"] < 256:
        return "drop", "SPI_RESERVED"
    return "esp", info


class ReplayWindow:
    """Section 4 without ESN: T and the bitmap (bit i: T - i received)."""

    def __init__(self):
        self.top = 0
        self.bits = 0

    def is_replay(self, s):
        if s == 0:
            return True
        if self.top >= REPLAY_WINDOW and s <= self.top - REPLAY_WINDOW:
            return True
        return s <= self.top and (self.bits >> (self.top - s)) & 1 == 1

    def commit(self, s):
        if s > self.top:
            self.bits = (self.bits << (s - self.top)) & \
                ((1 << REPLAY_WINDOW) - 1)
            self.top = s
        self.bits |= 1 << (self.top - s)


def host_frame(f, info, pt):
    """Section 5: the frame the host gets from a decrypted packet; or
    (None, reason) if the card drops it after decryption."""
    ct_len = len(pt)
    padlen, nh = pt[ct_len - 2], pt[ct_len - 1]
    if padlen + 2 > ct_len:
        return None, "BAD_PADDING"
    il = ct_len - 2 - padlen
    if pt[il:il + padlen] != bytes(range(1, padlen + 1)):
        return None, "BAD_PADDING"
    if nh == 59:
        return None, "DUMMY"
    inner = bytes(pt[:il])
    l2 = info["l2"]
    if nh in (4, 41):        # SA mode auto (spisync-sim installs AUTO)
        head = bytes(f[:l2 - 2]) + (b"\x08\x00" if nh == 4 else b"\x86\xdd")
        return head + inner, "tunnel"
    hdr = bytearray(f[:l2 + info["ihl"]])
    if info["ipv6"]:
        hdr[l2 + 6] = nh
        hdr[l2 + 4:l2 + 6] = struct.pack(">H", il)
    else:
        ihl = info["ihl"]
        hdr[l2 + 9] = nh
        hdr[l2 + 2:l2 + 4] = struct.pack(">H", ihl + il)
        hdr[l2 + 10:l2 + 12] = b"\x00\x00"
        csum = 0xFFFF - ipv4_checksum(hdr[l2:l2 + ihl])
        hdr[l2 + 10:l2 + 12] = struct.pack(">H", csum)
    return bytes(hdr) + inner, "transport"


def find_sa(sas, info, natt):
    """Step 7: by SPI, family, destination and encapsulation."""
    for sa in sas:
        if (sa["spi"] == info["spi"] and (sa["family"] == "IPv6") ==
                info["ipv6"] and sa["dst"] == info["dst"]):
            return sa if info["udp"] == natt else None
    return None


def first(layers, field):
    v = layers.get(field)
    return v[0] if v else None


class Expectation:
    """What the card must do with one input frame, and why."""

    def __init__(self, frame, how, why, tshark_says=""):
        self.frame = frame     # expected host frame, None if dropped
        self.how = how         # pass / tunnel / transport / drop
        self.why = why
        self.tshark_says = tshark_says
        self.inner_proto = None
        self.nh = None
        self.ipv6 = False


def expect(rec, ts_layers, sas, windows, natt, stats):
    f = rec[2]
    kind, what = card_parse(f)
    if kind == "pass":
        return Expectation(bytes(f), "pass", what)
    if kind == "drop":
        return Expectation(None, "drop", what)
    info = what
    spi, seq = first(ts_layers, "esp.spi"), first(ts_layers, "esp.sequence")
    good, bad = first(ts_layers, "esp.icv_good"), \
        first(ts_layers, "esp.icv_bad")
    if spi is None or int(spi, 0) != info["spi"] or \
            int(seq, 0) != info["seq"]:
        raise ToolError(f"tshark does not see ESP SPI 0x{info['spi']:08x} "
                        f"seq {info['seq']} where datapath.md puts it "
                        f"(tshark: SPI {spi}, seq {seq})")
    verdict = "good" if good == "1" else "bad" if bad == "1" else "none"
    if verdict == "good":
        stats["tshark_good"] += 1
    elif verdict == "bad":
        stats["tshark_bad"] += 1
    says = f"tshark: ICV {verdict}"
    sa = find_sa(sas, info, natt)
    if sa is None:
        return Expectation(None, "drop", "SA miss", says)
    if info["pe"] - info["l3"] < 16 + sa["icv"] + 2:
        return Expectation(None, "drop", "MALFORMED", says)
    if verdict == "none":
        raise ToolError(f"SPI 0x{info['spi']:08x} seq {info['seq']}: the "
                        "card has an SA for it but tshark gave no ICV "
                        "verdict (did its dissection of the payload fail?)")
    win = windows.setdefault((sa["family"], sa["spi"], sa["dst"]),
                             ReplayWindow())
    if win.is_replay(info["seq"]):
        return Expectation(None, "drop", "REPLAY", says)
    if verdict == "bad":
        return Expectation(None, "drop", "AUTH_FAIL", says)
    pt = bytes.fromhex(first(ts_layers, "esp.decrypted_data") or "")
    ct_len = info["pe"] - info["l3"] - 16 - sa["icv"]
    if len(pt) != ct_len:
        raise ToolError(f"SPI 0x{info['spi']:08x} seq {info['seq']}: tshark "
                        f"decrypted {len(pt)} bytes, the ciphertext has "
                        f"{ct_len}")
    win.commit(info["seq"])
    frame, how = host_frame(f, info, pt)
    if frame is None:
        return Expectation(None, "drop", how, says)
    e = Expectation(frame, how, "DECRYPTED", says)
    e.nh = pt[-1]
    e.ipv6 = info["ipv6"]
    if how == "tunnel":
        il = len(pt) - 2 - pt[-2]
        e.inner_proto = pt[9] if e.nh == 4 and il >= 20 else \
            pt[6] if e.nh == 41 and il >= 40 else None
    else:
        e.inner_proto = e.nh
    return e


# ---------------------------------------------------------------------------
# comparing

def describe(i, rec, e):
    ts = f"{rec[0]}.{rec[1]:06d}"
    what = f"input frame {i + 1} (time {ts}, {len(rec[2])} bytes"
    kind, info = card_parse(rec[2])
    if kind == "esp":
        what += (f", {'IPv6' if info['ipv6'] else 'IPv4'} "
                 f"{'UDP-encapsulated ' if info['udp'] else ''}ESP "
                 f"SPI 0x{info['spi']:08x} seq {info['seq']}")
    what += f"; expected {e.why}"
    if e.how in ("tunnel", "transport"):
        what += f" {e.how}"
    if e.tshark_says:
        what += f", {e.tshark_says}"
    return what + ")"


def first_difference(a, b):
    for k in range(min(len(a), len(b))):
        if a[k] != b[k]:
            return k
    return min(len(a), len(b))


def tail_mismatch(field, want, got):
    if len(got) > len(want) or want[len(want) - len(got):] != got:
        return f"{field}: tshark's decryption {want}, card's frame {got}"
    return None


def compare_inner(e, ts_in, ts_out):
    """tshark's view of the inner packet in IN against the card's frame."""
    problems = []
    if e.how == "tunnel":
        fields = IP_FIELDS if e.nh == 4 else IPV6_FIELDS
        key = "ip.src" if e.nh == 4 else "ipv6.src"
        if len(ts_out.get(key, [])) != 1:
            problems.append(f"{key}: card's frame has "
                            f"{ts_out.get(key, [])}, expected one address")
        for fld in fields:
            p = tail_mismatch(fld, ts_in.get(fld, []), ts_out.get(fld, []))
            if p:
                problems.append(p)
    else:
        v4 = not e.ipv6
        pre = "ip" if v4 else "ipv6"
        for fld in ("src", "dst", "ttl" if v4 else "hlim"):
            name = f"{pre}.{fld}"
            if ts_in.get(name, [None])[:1] != ts_out.get(name, [None])[:1]:
                problems.append(f"{name}: outer header {ts_in.get(name)}, "
                                f"card's frame {ts_out.get(name)}")
        proto = first(ts_out, "ip.proto" if v4 else "ipv6.nxt")
        if proto is None or int(proto) != e.nh:
            problems.append(f"{pre} next protocol: card's frame {proto}, "
                            f"ESP next header {e.nh}")
    p4 = e.inner_proto
    if p4 in L4_FIELDS:
        if not ts_out.get(L4_KEY[p4]):
            problems.append(f"{L4_KEY[p4]}: missing in the card's frame")
        for fld in L4_FIELDS[p4]:
            p = tail_mismatch(fld, ts_in.get(fld, []), ts_out.get(fld, []))
            if p:
                problems.append(p)
    want = ts_in.get("data.data", [])[-1:]
    got = ts_out.get("data.data", [])[-1:]
    if want != got:
        problems.append(f"payload (data.data): tshark's decryption "
                        f"{len(want[0]) // 2 if want else 0} bytes, card's "
                        f"frame {len(got[0]) // 2 if got else 0} bytes"
                        + (", contents differ" if want and got else ""))
    return problems


def health(layers):
    """Malformed / error / bad checksum items of one structural dissection."""
    items = []
    if "_ws.malformed" in layers:
        items.append("malformed: " + layers["_ws.malformed"][0])
    for sev, msg in zip(layers.get("_ws.expert.severity", []),
                        layers.get("_ws.expert.message", [])):
        if int(sev) & 0x00F00000 >= SEVERITY_ERROR:
            items.append("error: " + msg)
    for fld in STATUS_FIELDS:
        for v in layers.get(fld, []):
            if v in CHECKSUM_BAD:
                items.append(f"{fld} bad")
    return sorted(items)


def match_frames(inp, out, report):
    """OUT frame k -> input index, by timestamp, in arrival order."""
    by_ts = {}
    for i, rec in enumerate(inp):
        by_ts.setdefault((rec[0], rec[1]), []).append(i)
    matched = []
    last = -1
    for k, rec in enumerate(out):
        cands = [i for i in by_ts.get((rec[0], rec[1]), []) if i > last]
        if not cands:
            report(f"output frame {k + 1} (time {rec[0]}.{rec[1]:06d}, "
                   f"{len(rec[2])} bytes): no input frame after input frame "
                   f"{last + 1} has its timestamp")
            matched.append(None)
            continue
        last = cands[0]
        matched.append(last)
    return matched


def compare(args):
    sas, uat = read_esp_sa(args.esp_sa)
    inp = read_pcap(args.inp)
    out = read_pcap(args.out)
    label = f"{args.label}: " if args.label else ""
    problems = []

    def report(msg):
        problems.append(msg)
        if len(problems) <= args.max_diffs:
            print(f"tshark_compare: {label}DISAGREE: {msg}")

    configs = []
    if args.cache:
        os.makedirs(args.cache, mode=0o700, exist_ok=True)
    try:
        structural = make_profile(args.tshark, uat, args.cache)
        configs.append(structural)
        default = make_profile(args.tshark, None, None)
        configs.append(default)
        decode_as = []
        for proto in VERDICT_DECODE_AS:
            decode_as += ["-d", f"ip.proto=={proto},data"]
        ts_verdict = dissect_cached(args.tshark, structural, args.inp,
                                    ["frame.number"] + ESP_FIELDS,
                                    "IN, ICV verdicts", args.cache, uat,
                                    decode_as)
        ts_in = dissect_cached(args.tshark, structural, args.inp, ALL_FIELDS,
                               "IN with ESP decryption", args.cache, uat)
        ts_out = dissect(args.tshark, structural, args.out, ALL_FIELDS,
                         "OUT, structural")
        ts_full = dissect(args.tshark, default, args.out,
                          ["frame.number", "_ws.malformed"],
                          "OUT, default dissection")
    finally:
        for c in configs:
            shutil.rmtree(c, ignore_errors=True)
    if len(ts_verdict) != len(inp) or len(ts_in) != len(inp) or \
            len(ts_out) != len(out) or len(ts_full) != len(out):
        raise ToolError(f"tshark read {len(ts_verdict)} / {len(ts_in)} / "
                        f"{len(ts_out)} / {len(ts_full)} frames, the files "
                        f"have {len(inp)} / {len(out)}")

    stats = {"tshark_good": 0, "tshark_bad": 0}
    windows = {}
    exp = [expect(rec, ts_verdict[i], sas, windows, args.natt, stats)
           for i, rec in enumerate(inp)]
    if stats["tshark_good"] == 0:
        raise ToolError("tshark verified no ICV at all: ESP decryption is "
                        "not working in the private profile")

    matched = match_frames(inp, out, report)
    got = {i: k for k, i in enumerate(matched) if i is not None}
    agreed = 0
    delivered = {"pass": 0, "tunnel": 0, "transport": 0}
    payload_malformed = 0
    for i, rec in enumerate(inp):
        e = exp[i]
        k = got.get(i)
        if e.frame is None:
            if k is None:
                agreed += 1
            else:
                report(f"{describe(i, rec, e)}: the card delivered it as "
                       f"output frame {k + 1} ({len(out[k][2])} bytes)")
            continue
        if k is None:
            report(f"{describe(i, rec, e)}: missing from the card's output")
            continue
        card = out[k][2]
        bad = []
        if card != e.frame:
            d = first_difference(card, e.frame)
            bad.append(f"card's frame {len(card)} bytes, expected "
                       f"{len(e.frame)}; first difference at byte {d}" +
                       (f" (card 0x{card[d]:02x}, expected "
                        f"0x{e.frame[d]:02x})"
                        if d < min(len(card), len(e.frame)) else ""))
        if e.how != "pass":
            bad += compare_inner(e, ts_in[i], ts_out[k])
            bad += [f"tshark on the card's frame: {h}"
                    for h in health(ts_out[k])]
        elif health(ts_out[k]) != health(ts_in[i]):
            bad.append(f"tshark on the card's frame: {health(ts_out[k])}, "
                       f"on the input frame: {health(ts_in[i])}")
        for name in ts_full[k].get("_ws.malformed", [])[:1]:
            m = re.match(r"\[Malformed Packet: (.*)\]", name)
            if m and m.group(1).upper() in STRUCTURAL_MALFORMED and \
                    e.how != "pass":
                bad.append(f"default dissection of the card's frame: {name}")
            else:
                payload_malformed += 1
        if bad:
            report(f"{describe(i, rec, e)}, output frame {k + 1}: " +
                   "; ".join(bad))
        else:
            agreed += 1
            delivered[e.how] += 1
    if len(problems) > args.max_diffs:
        print(f"tshark_compare: {label}... {len(problems) - args.max_diffs} "
              "more disagreements not shown")
    expected_out = sum(1 for e in exp if e.frame is not None)
    summary = (f"{len(inp)} frames, tshark decrypted {stats['tshark_good']} "
               f"with a good ICV ({stats['tshark_bad']} bad), card delivered "
               f"{len(out)} (expected {expected_out}), agreed "
               f"{agreed}/{len(inp)}: {delivered['tunnel']} tunnel + "
               f"{delivered['transport']} transport decrypted as tshark did, "
               f"{delivered['pass']} passed byte for byte, "
               f"{agreed - sum(delivered.values())} dropped")
    if payload_malformed:
        summary += (f"; {payload_malformed} random payloads malformed for "
                    "tshark's default dissectors (ignored)")
    if problems:
        print(f"tshark_compare: {label}FAIL: {len(problems)} disagreements; "
              + summary)
        return 1
    print(f"tshark_compare: {label}ok: {summary}")
    return 0


def main():
    ap = argparse.ArgumentParser(
        description="Compare the card's output with tshark's ESP decryption.")
    ap.add_argument("--esp-sa")
    ap.add_argument("--in", dest="inp")
    ap.add_argument("--out")
    ap.add_argument("--natt", action="store_true",
                    help="the SAs expect UDP encapsulation (spisync-sim "
                    "--natt)")
    ap.add_argument("--label", default="")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--max-diffs", type=int, default=20)
    ap.add_argument("--cache", help="directory to keep tshark's protocol "
                    "list and dissections of IN.pcap in, for later runs")
    ap.add_argument("--corrupt-copy", nargs=2, metavar=("SRC", "DST"))
    ap.add_argument("--wrong-key-copy", nargs=2, metavar=("SRC", "DST"))
    args = ap.parse_args()
    try:
        if args.corrupt_copy:
            corrupt_copy(*args.corrupt_copy)
            return 0
        if args.wrong_key_copy:
            wrong_key_copy(*args.wrong_key_copy)
            return 0
        if not (args.esp_sa and args.inp and args.out):
            ap.error("--esp-sa, --in and --out are required")
        return compare(args)
    except ToolError as e:
        label = f"{args.label}: " if args.label else ""
        print(f"tshark_compare: {label}error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
