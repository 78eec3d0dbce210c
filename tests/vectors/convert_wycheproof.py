#!/usr/bin/env python3
"""Convert Wycheproof AES-GCM vectors into the one-case-per-line text format.

Source: Project Wycheproof, github.com/google/wycheproof, commit 507bb993,
file testvectors_v1/aes_gcm_test.json (Apache-2.0).

Only groups with ivSize 96, tagSize 128 and keySize 128 or 256 are kept:
those are the only ones an RFC 4106 ESP decrypt core can be fed (12-byte
nonce = 4-byte salt || 8-byte ESP IV, 16-byte ICV, AES-128/AES-256).

Output line format (whitespace separated, '-' for an empty field):
    name key nonce aad pt ct tag result icvlen

Usage:
    python3 convert_wycheproof.py [input.json] [output.txt]
Defaults are the files next to this script.  Standard library only.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_IN = os.path.join(HERE, "wycheproof_aes_gcm_test.json")
DEFAULT_OUT = os.path.join(HERE, "wycheproof_gcm_96_128.txt")

# The task statement fixes this number; a mismatch means the input file is
# not the expected Wycheproof revision, so refuse rather than write a
# silently different vector set.
EXPECTED_CASES = 133

HEADER = [
    "# Source: Project Wycheproof, https://github.com/google/wycheproof",
    "#   commit 507bb993, file testvectors_v1/aes_gcm_test.json",
    "# Licence: Apache License 2.0 (Copyright Google LLC). Converted without",
    "#   changing any value by tests/vectors/convert_wycheproof.py.",
    "# Selection: every test of the groups with ivSize 96, tagSize 128 and",
    "#   keySize 128 or 256 (keySize 192 skipped). RFC 4106 mapping:",
    "#   salt = nonce bytes 0..3, ESP IV = nonce bytes 4..11.",
    "# Fields: name key nonce aad pt ct tag result icvlen",
    "#   ('-' = empty; result valid = must decrypt to pt, invalid = ICV check",
    "#   must fail; name = wycheproof-<keySize>-tc<tcId> from the JSON).",
]


def hex_field(value):
    """Lower-case hex, or '-' for an empty byte string."""
    value = value.lower()
    return value if value else "-"


def convert(in_path, out_path):
    with open(in_path, "r", encoding="utf-8") as f:
        data = json.load(f)

    lines = []
    for group in data["testGroups"]:
        if group.get("type") != "AeadTest":
            continue
        if group["ivSize"] != 96 or group["tagSize"] != 128:
            continue
        if group["keySize"] not in (128, 256):
            continue
        key_size = group["keySize"]
        for test in group["tests"]:
            key = test["key"].lower()
            iv = test["iv"].lower()
            tag = test["tag"].lower()
            result = test["result"]
            # Sanity checks on the data itself, so a malformed entry fails
            # loudly instead of producing a line the C parser rejects later.
            if len(key) * 4 != key_size:
                raise ValueError("tc%d: key length mismatch" % test["tcId"])
            if len(iv) != 24:
                raise ValueError("tc%d: nonce is not 12 bytes" % test["tcId"])
            if len(tag) != 32:
                raise ValueError("tc%d: tag is not 16 bytes" % test["tcId"])
            if result not in ("valid", "invalid"):
                # 'acceptable' has no meaning for a hardware KAT; none exist
                # in the selected groups of this revision.
                raise ValueError("tc%d: unexpected result %r" % (test["tcId"], result))
            name = "wycheproof-%d-tc%d" % (key_size, test["tcId"])
            fields = [
                name,
                key,
                iv,
                hex_field(test["aad"]),
                hex_field(test["msg"]),
                hex_field(test["ct"]),
                tag,
                result,
                "16",
            ]
            lines.append(" ".join(fields))

    if len(lines) != EXPECTED_CASES:
        raise ValueError("expected %d cases, found %d" % (EXPECTED_CASES, len(lines)))

    with open(out_path, "w", encoding="ascii", newline="\n") as f:
        for line in HEADER:
            f.write(line + "\n")
        for line in lines:
            f.write(line + "\n")
    return len(lines)


def main(argv):
    in_path = argv[1] if len(argv) > 1 else DEFAULT_IN
    out_path = argv[2] if len(argv) > 2 else DEFAULT_OUT
    count = convert(in_path, out_path)
    print("%s: %d cases written" % (out_path, count))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
