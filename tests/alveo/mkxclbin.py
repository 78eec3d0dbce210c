#!/usr/bin/env python3
"""spisync -- a metadata-only xclbin (no bitstream) of the spisync kernel, for
the xrt: backend tests on a machine without a card.

Why not xclbinutil: Debian's libxrt-utils 2.13 installs /usr/bin/xclbinutil
as a wrapper script for /usr/bin/unwrapped/xclbinutil, which no Debian
package ships (and the wrapper exits 0 whatever happened). So this script
writes the container itself, from the layout in XRT's own header
(/usr/include/xrt/xclbin.h: struct axlf, axlf_section_header, ip_layout,
connectivity, mem_topology), and the tests read it back with XRT's parser
(libxrt_coreutil: xrt::xclbin, xrtXclbinAllocFilename), which is the oracle.
What this writer gets wrong, XRT's parser refuses or reads differently, and
the tests compare what XRT read with the driver and the register map.

Sections, as v++ --link writes them for one RTL kernel instance:
  EMBEDDED_METADATA  the <kernel> of kernel.xml inside XRT's
                     project/platform/device/core tree, its <ports> and
                     <args> flattened, with one <instance>
  IP_LAYOUT          one IP_KERNEL "spisync:spisync_1", its control
                     protocol (ap_ctrl_none) from kernel.xml
  MEM_TOPOLOGY       bank0, bank1 (DDR4) and HOST[0]: the ring's bank is
                     deliberately not index 0, so a driver that assumed
                     group 0 would be caught
  CONNECTIVITY       argument 0 of the instance -> the bank named --mem

usage: mkxclbin.py --kernel-xml FILE --out FILE [--kernel-name NAME]
                   [--mem TAG] [--arg-offset N] [--no-connect]
                   [--corrupt KIND]
  --kernel-name  rename the kernel (a test's "wrong kernel" xclbin)
  --mem          the tag arg 0 is connected to (default HOST[0])
  --arg-offset   move argument 0 (an xclbin of another register map)
  --no-connect   no CONNECTIVITY entry for argument 0 (no memory bank)
  --control      the kernel's control protocol instead of kernel.xml's
  --corrupt      a broken xclbin, KIND one of
                   truncate  the file cut inside its section table
                   magic     "xclbin2" misspelt
                   length    the header's total length one byte more than the file
                   section   a section reaching past the end of the file
                   xml       the metadata section not XML (the container sound)
"""
import argparse
import hashlib
import struct
import sys
import uuid
import xml.etree.ElementTree as ET

# xclbin.h enums
EMBEDDED_METADATA = 2
MEM_TOPOLOGY = 6
CONNECTIVITY = 7
IP_LAYOUT = 8
MEM_DDR4 = 1
IP_KERNEL = 1
# IP_CONTROL, from kernel.xml's hwControlProtocol as v++ maps it
CONTROL = {"ap_ctrl_hs": 0, "ap_ctrl_chain": 1, "ap_ctrl_none": 2}
IP_CONTROL_SHIFT = 8
XCLBIN_FLAT = 0

CU_BASE = 0x1800000          # where v++ typically places a CU; any 64 KiB-aligned value
PLATFORM = "xilinx_u250_gen3x16_xdma_4_1_202210_1"


def metadata(kernel_xml, kernel_name, arg_offset, control=None):
    root = ET.parse(kernel_xml).getroot()
    kernel = root.find("kernel") if root.tag != "kernel" else root
    if kernel is None:
        sys.exit("mkxclbin: no <kernel> in %s" % kernel_xml)
    if kernel_name is not None:
        kernel.set("name", kernel_name)
    if control is not None:
        kernel.set("hwControlProtocol", control)
    # kernel.xml (package_xo) wraps them in <ports> and <args>; the xclbin's
    # metadata, as XRT's xclbin_parser reads it, has <port>, <arg> and
    # <instance> as direct children of <kernel>
    for wrapper in ("ports", "args"):
        for w in kernel.findall(wrapper):
            kernel.remove(w)
            kernel.extend(list(w))
    name = kernel.get("name")
    if arg_offset is not None:
        for arg in kernel.iter("arg"):
            if arg.get("id") == "0":
                arg.set("offset", hex(arg_offset))
    ctrl = [p for p in kernel.iter("port") if p.get("mode") == "slave"]
    if len(ctrl) != 1:
        sys.exit("mkxclbin: expected one slave (control) port in %s" % kernel_xml)
    inst = ET.SubElement(kernel, "instance", name=name + "_1")
    ET.SubElement(inst, "addrRemap", base=hex(CU_BASE),
                  range=ctrl[0].get("range"), port=ctrl[0].get("name"))
    project = ET.Element("project", name=name)
    platform = ET.SubElement(project, "platform", vendor="xilinx",
                             boardid="u250", name=PLATFORM, featureRomTime="0")
    ET.SubElement(platform, "version", major="4", minor="1")
    device = ET.SubElement(platform, "device", name="fpga0",
                           fpgaDevice="virtexuplus:xcu250:figd2104:-2L:e",
                           addrWidth="0")
    core = ET.SubElement(device, "core", name="OCL_REGION_0",
                         target="bitstream", type="clc_region",
                         clockFreq="300MHz", numComputeUnits="1")
    core.append(kernel)
    body = ET.tostring(project, encoding="unicode")
    control = kernel.get("hwControlProtocol", "ap_ctrl_hs")
    if control not in CONTROL:
        sys.exit("mkxclbin: hwControlProtocol %r" % control)
    return name, CONTROL[control], \
        ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode()


def ip_layout(kernel_name, control):
    name = ("%s:%s_1" % (kernel_name, kernel_name)).encode()
    if len(name) >= 64:
        sys.exit("mkxclbin: instance name too long")
    ip = struct.pack("<IIQ64s", IP_KERNEL, control << IP_CONTROL_SHIFT,
                     CU_BASE, name)
    return struct.pack("<i4x", 1) + ip


def mem_topology(tags):
    out = struct.pack("<i4x", len(tags))
    for i, tag in enumerate(tags):
        t = tag.encode()
        if len(t) >= 16:
            sys.exit("mkxclbin: memory tag too long")
        # type, used, pad[6], size in KB, base address, tag[16]
        out += struct.pack("<BB6xQQ16s", MEM_DDR4, 1, 1 << 20,
                           i * (1 << 30), t)
    return out


def connectivity(conns):
    out = struct.pack("<i", len(conns))
    for arg, ip, mem in conns:
        out += struct.pack("<iii", arg, ip, mem)
    return out


def container(sections, kernel_name):
    # struct axlf: magic[8], signature_length, reserved[28], keyBlock[256],
    # uniqueId, header (152 bytes), then the section headers (40 each)
    nsec = len(sections)
    head_len = 8 + 4 + 28 + 256 + 8 + 152 + 40 * nsec
    offset = (head_len + 7) & ~7
    table = b""
    data = b""
    for kind, name, blob in sections:
        table += struct.pack("<I16s4xQQ", kind, name.encode(), offset + len(data), len(blob))
        data += blob + b"\0" * ((-len(blob)) % 8)
    total = offset + len(data)
    digest = hashlib.sha256(b"".join(s[2] for s in sections)).digest()
    xuid = uuid.UUID(bytes=digest[:16], version=4).bytes
    header = struct.pack("<QQQHBBHH16s64s16s16sI4x",
                         total, 0, 0,
                         466, 2, 13,             # 2.13.466
                         XCLBIN_FLAT, 0,
                         b"\0" * 16,             # rom uuid
                         PLATFORM.encode(),
                         xuid, b"\0" * 16, nsec)
    assert len(header) == 152, len(header)
    top = (b"xclbin2\0" + struct.pack("<i", -1) + b"\xff" * 28 +
           b"\xff" * 256 + struct.pack("<Q", int.from_bytes(digest[16:24], "little")))
    out = top + header + table
    out += b"\0" * (offset - len(out))
    return out + data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel-xml", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kernel-name")
    ap.add_argument("--mem", default="HOST[0]")
    ap.add_argument("--arg-offset", type=lambda v: int(v, 0))
    ap.add_argument("--no-connect", action="store_true")
    ap.add_argument("--control", choices=["ap_ctrl_hs", "ap_ctrl_chain",
                                          "ap_ctrl_none"])
    ap.add_argument("--corrupt", choices=["truncate", "magic", "length",
                                          "section", "xml"])
    a = ap.parse_args()

    name, control, xml = metadata(a.kernel_xml, a.kernel_name, a.arg_offset,
                                 a.control)
    if a.corrupt == "xml":
        xml = b"<project><platform>" + b"\xff" * 40
    tags = ["bank0", "bank1", "HOST[0]"]
    if a.mem not in tags:
        tags.append(a.mem)
    sections = [
        (EMBEDDED_METADATA, "", xml),
        (MEM_TOPOLOGY, "", mem_topology(tags)),
        (IP_LAYOUT, "", ip_layout(name, control)),
        (CONNECTIVITY, "", connectivity(
            [] if a.no_connect else [(0, 0, tags.index(a.mem))])),
    ]
    blob = container(sections, name)
    top = 8 + 4 + 28 + 256 + 8       # struct axlf up to m_header
    if a.corrupt == "truncate":
        blob = blob[:top + 152 + 40 * 2 + 12]
    elif a.corrupt == "magic":
        blob = b"xclbin3\0" + blob[8:]
    elif a.corrupt == "length":
        blob = blob[:top] + struct.pack("<Q", len(blob) + 1) + blob[top + 8:]
    elif a.corrupt == "section":
        # the last section header's m_sectionSize: past the end
        at = top + 152 + 40 * (len(sections) - 1) + 32
        blob = blob[:at] + struct.pack("<Q", len(blob)) + blob[at + 8:]
    with open(a.out, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main()
