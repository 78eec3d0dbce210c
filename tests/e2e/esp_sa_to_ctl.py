#!/usr/bin/env python3
"""spisync tests -- turn a Wireshark ESP SA table (esp_sa, as tests/sim/mkpcap
writes it) into `spisyncctl sa add` argument lines, one per SA, so an
end-to-end test installs the same SAs through the CLI and libspisync that
the offline replay loads from the file.

  esp_sa_to_ctl.py ESP_SA [--natt]     (--natt: UDP-encapsulated, port 4500)
"""
import csv
import re
import sys


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--natt"):
        sys.exit(__doc__)
    natt = len(sys.argv) == 3
    with open(sys.argv[1], newline="") as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))
                if r]
    for r in rows:
        if len(r) != 10:
            sys.exit("esp_sa_to_ctl: %d fields, expected 10: %r" % (len(r), r))
        proto, _src, dst, spi, enc, key, auth, _akey, seqsize, esn_high = r
        m = re.fullmatch(r"AES-GCM with (8|12|16) octet ICV \[RFC4106\]", enc)
        if proto not in ("IPv4", "IPv6") or m is None or auth != "NULL":
            sys.exit("esp_sa_to_ctl: not an AES-GCM SA the card takes: %r" % r)
        if esn_high not in ("", "0"):
            sys.exit("esp_sa_to_ctl: ESN high bits %s: the card starts at 0" % esn_high)
        args = ["sa", "add", "spi", spi, "dst", dst,
                "aead", key, str(int(m.group(1)) * 8)]
        if seqsize == "64-bit":
            args.append("esn")
        if natt:
            args += ["encap", "espinudp", "4500", "4500"]
        print(" ".join(args))


if __name__ == "__main__":
    main()
