#!/usr/bin/env python3
"""spisync -- the Alveo kernel's descriptions agree with each other.

Reads, each with its own parser:
  (a) hw/alveo/kernel.xml           (xml.etree)
  (b) hw/alveo/package_xo.tcl       (its interface tables, and a dry run of the
                                     whole script under tclsh with Vivado's
                                     commands mocked: what it would package)
  (c) hw/alveo/spisync.v            (ports and parameters from Verilator
                                     --xml-only; the X_INTERFACE_* attributes
                                     from the text)
  (d) hw/gen/spisync_hw.h           (register offsets, record size: the spec)
  (e) hw/alveo/link/*.cfg           (v++ --link connectivity)
  (f) driver/backend_xrt.c          (SPISYNC_XRT_KERNEL, SPISYNC_XRT_RING_ARG;
                                     its control range is (d)'s
                                     SPISYNC_CTRL_BYTES)
and fails, naming both sides, on every disagreement.

    tools/check-alveo.py [--root DIR]     check the tree (default: the repo)
    tools/check-alveo.py --self-test      copy the tree, break it in many
                                          ways, check each is caught

Needs verilator; tclsh for the dry run of package_xo.tcl (without it that
part, and the self-test's mutations only it sees, are reported as skipped).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

# The VNx CMAC kernel's streams (Xilinx/xup_vitis_network_example,
# Ethernet/template.xml and src/template_top.v): M_AXIS is the received
# stream (the kernel writes it), S_AXIS the one to transmit.
VNX_STREAMS = {"M_AXIS": "write_only", "S_AXIS": "read_only"}
VNX_CUS = ("cmac_0", "cmac_1")
# The platforms the lead chose, one link configuration each.
PLATFORMS = {
    "u250": "xilinx_u250_gen3x16_xdma_4_1_202210_1",
    "u280": "xilinx_u280_gen3x16_xdma_1_202211_1",
    "u55c": "xilinx_u55c_gen3x16_xdma_3_202210_1",
}
TOP = "spisync"


class Check:
    def __init__(self, root, verbose=True):
        self.root = root
        self.verbose = verbose
        self.fails = []
        self.notes = []

    def fail(self, msg):
        self.fails.append(msg)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def read(self, *parts):
        with open(self.path(*parts), encoding="utf-8") as f:
            return f.read()


# ---------------------------------------------------------------------------
# (a) kernel.xml
# ---------------------------------------------------------------------------
def read_kernel_xml(ck):
    try:
        root = ET.parse(ck.path("hw", "alveo", "kernel.xml")).getroot()
    except (ET.ParseError, OSError) as e:
        ck.fail(f"kernel.xml: cannot parse: {e}")
        return None
    k = root.find("kernel")
    if root.tag != "root" or k is None:
        ck.fail("kernel.xml: no <root><kernel>")
        return None
    out = {"root": dict(root.attrib), "kernel": dict(k.attrib), "ports": {}, "args": []}
    for p in k.iter("port"):
        out["ports"][p.get("name")] = dict(p.attrib)
    for a in k.iter("arg"):
        out["args"].append(dict(a.attrib))
    return out


# ---------------------------------------------------------------------------
# (b) package_xo.tcl
# ---------------------------------------------------------------------------
def tcl_table(text, name):
    m = re.search(r"^set\s+" + name + r"\s*\{([^}]*)\}", text, re.M)
    if not m:
        return None
    words = m.group(1).split()
    if len(words) % 2:
        return None
    return dict(zip(words[0::2], words[1::2]))


MOCK_TCL = r"""
set ::mock_log [open $::env(MOCK_LOG) w]
proc L {args} { puts $::mock_log [join $args " "]; flush $::mock_log }
rename exit __exit
proc exit {{code 0}} { L EXIT $code; close $::mock_log; __exit $code }
proc create_project {args} { L create_project }
proc add_files {args} { foreach a [lindex $args end] { L add_file [file tail $a] } }
proc get_files {args} { return [lindex $args end] }
proc current_fileset {args} { return fs }
proc update_compile_order {args} {}
proc close_project {args} {}
proc set_property {name value obj} { L PROP $name [list $value] $obj }
proc get_property {name obj} {
    if {$name eq "INTERFACE_MODE"} { return [lindex [dict get $::inferred [string range $obj 3 end]] 1] }
    if {$name eq "NAME"} { return [string range $obj 3 end] }
    return ""
}
proc package_xo {args} { L package_xo {*}$args }
namespace eval ipx {}
proc ipx::package_project {args} { L package_project {*}$args }
proc ipx::unload_core {args} {}
proc ipx::edit_ip_in_project {args} {}
proc ipx::current_core {args} { return core }
proc ipx::get_user_parameters {args} { return $::user_params }
proc ipx::remove_user_parameter {name core} { L remove_user_parameter $name }
proc ipx::get_bus_interfaces {name args} {
    if {[dict exists $::inferred $name]} { return "bi:$name" }
    return {}
}
proc ipx::associate_bus_interfaces {args} {
    set busif ""; set clock ""; set reset ""
    foreach {k v} [lrange $args 0 end-1] { set [string range $k 1 end] $v }
    L ASSOC busif=$busif clock=$clock reset=$reset
}
proc ipx::get_memory_maps {name args} {
    if {[dict exists $::inferred $name] && [dict get $::inferred $name] eq "aximm slave"} { return "mm:$name" }
    return {}
}
proc ipx::get_address_blocks {args} { return {ab:reg0} }
proc ipx::add_address_block {name mm} { return ab:$name }
proc ipx::add_register {name ab} { L add_register $name $ab; return reg:$name }
proc ipx::add_register_parameter {name reg} { return rp:$name:$reg }
proc ipx::create_xgui_files {args} {}
proc ipx::update_checksums {args} {}
proc ipx::check_integrity {args} { L check_integrity {*}$args }
proc ipx::save_core {args} { L save_core }
set argv [list $::env(MOCK_XO) $::env(MOCK_BUILD)]
source $::env(MOCK_SCRIPT)
L DONE
"""


def infer_busifs(ports):
    """What the IP packager infers from port names: <if>_awaddr (AXI4 or
    AXI4-Lite), <if>_tdata (AXI4-Stream), ap_clk*, ap_rst_n*."""
    inf = {}
    for name, (d, _w) in ports.items():
        m = re.match(r"^(\w+)_(awaddr|tdata)$", name)
        if m:
            kind = "aximm" if m.group(2) == "awaddr" else "axis"
            inf[m.group(1)] = (kind, "slave" if d == "input" else "master")
        elif re.match(r"^ap_clk(_\d+)?$", name):
            inf[name] = ("clock", "slave")
        elif re.match(r"^ap_rst_n(_\d+)?$", name):
            inf[name] = ("reset", "slave")
    return inf


def run_tcl_mock(ck, rtl):
    tclsh = shutil.which("tclsh")
    if not tclsh:
        ck.notes.append("SKIP: tclsh not found, package_xo.tcl not dry-run (apt-get install tcl)")
        return None
    inferred = infer_busifs(rtl["ports"])
    params = " ".join("up:" + p for p in sorted(rtl["params"]))
    with tempfile.TemporaryDirectory() as tmp:
        mock = os.path.join(tmp, "mock.tcl")
        log = os.path.join(tmp, "mock.log")
        inf_tcl = " ".join(f"{n} {{{k} {m}}}" for n, (k, m) in sorted(inferred.items()))
        with open(mock, "w", encoding="utf-8") as f:
            f.write(f"set ::inferred [dict create {inf_tcl}]\n")
            f.write(f"set ::user_params {{{params}}}\n")
            f.write(MOCK_TCL)
        env = dict(os.environ, MOCK_LOG=log, MOCK_XO=os.path.join(tmp, "out", "spisync.xo"),
                   MOCK_BUILD=os.path.join(tmp, "build"),
                   MOCK_SCRIPT=ck.path("hw", "alveo", "package_xo.tcl"))
        # the firmware image make xo puts into BUILD_DIR (contents unused)
        os.makedirs(env["MOCK_BUILD"], exist_ok=True)
        with open(os.path.join(env["MOCK_BUILD"], "spisync_fw.mem"), "w", encoding="utf-8") as f:
            f.write("00000013\n")
        r = subprocess.run([tclsh, mock], env=env, capture_output=True, text=True, timeout=60)
        try:
            with open(log, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            lines = []
    # (tclsh ends a script by calling exit, so EXIT 0 follows DONE)
    if r.returncode != 0 or "DONE" not in lines:
        err = (r.stderr.strip() or r.stdout.strip()).splitlines()
        ck.fail("package_xo.tcl (dry run, Vivado mocked) stopped: " + (err[-1] if err else f"status {r.returncode}"))
        return None
    return lines


# ---------------------------------------------------------------------------
# (c) the RTL
# ---------------------------------------------------------------------------
def read_rtl(ck, cache):
    srcs = sorted(os.path.join("hw", "rtl", f) for f in os.listdir(ck.path("hw", "rtl")) if f.endswith(".v"))
    srcs += sorted(os.path.join("hw", "cpu", f) for f in os.listdir(ck.path("hw", "cpu")) if f.endswith(".v"))
    srcs += sorted(os.path.join("hw", "alveo", f) for f in os.listdir(ck.path("hw", "alveo")) if f.endswith(".v"))
    key = tuple(ck.read(s) for s in srcs)
    if cache is not None and cache.get("key") == key:
        return cache["rtl"]
    verilator = os.environ.get("VERILATOR", "verilator")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "top.xml")
        # -Wno-fatal: warnings are tools/lint-alveo.sh's business; here only the ports count
        try:
            r = subprocess.run([verilator, "--xml-only", "-Wno-fatal", "--xml-output", out, "-Ihw/gen", "-Ihw/rtl",
                                "--top-module", TOP, "-Mdir", tmp] + srcs,
                               cwd=ck.root, capture_output=True, text=True, timeout=300)
        except FileNotFoundError:
            ck.fail(f"{verilator} not found: the RTL ports cannot be read")
            return None
        if r.returncode != 0:
            ck.fail(f"verilator --xml-only of {TOP} failed: " + r.stderr.strip().splitlines()[0]
                    if r.stderr.strip() else f"verilator status {r.returncode}")
            return None
        root = ET.parse(out).getroot()
    dtypes = {}
    for d in root.iter("basicdtype"):
        left, right = d.get("left"), d.get("right")
        dtypes[d.get("id")] = abs(int(left) - int(right)) + 1 if left is not None else 1
    top = [m for m in root.iter("module") if m.get("topModule") == "1"]
    if len(top) != 1:
        ck.fail("verilator: no top module")
        return None
    top = top[0]
    ports, params = {}, {}
    for v in top.findall("var"):
        if v.get("dir") in ("input", "output"):
            ports[v.get("name")] = (v.get("dir"), dtypes.get(v.get("dtype_id"), 0))
        elif v.get("param") == "true":
            c = v.find("const")
            m = re.search(r"'s?h([0-9a-fA-F]+)", c.get("name")) if c is not None else None
            params[v.get("name")] = int(m.group(1), 16) if m else None
    # X_INTERFACE_* attributes: the attribute blocks just before each port
    text = ck.read("hw", "alveo", "spisync.v")
    attrs = {}
    for m in re.finditer(r"((?:\(\*[^*]*\*\)\s*)+)(?:input|output)\s+wire\s*(?:\[[^\]]*\])?\s*(\w+)", text):
        a = dict(re.findall(r'\(\*\s*(\w+)\s*=\s*"([^"]*)"\s*\*\)', m.group(1)))
        attrs[m.group(2)] = a
    rtl = {"module": top.get("name"), "ports": ports, "params": params, "attrs": attrs}
    if cache is not None:
        cache["key"] = key
        cache["rtl"] = rtl
    return rtl


# Signals of each interface kind (the lead's kernel interface; what the IP
# packager needs to infer the bus interface), and which the master drives.
AXI_LITE = "awaddr awvalid awready wdata wstrb wvalid wready bresp bvalid bready araddr arvalid arready rdata rresp rvalid rready"
AXI_FULL = AXI_LITE + " awlen awsize awburst awcache awprot wlast arlen arsize arburst arcache arprot rlast"
AXIS = "tdata tkeep tvalid tready tlast"
MASTER_IN = {"awready", "wready", "arready", "bresp", "bvalid", "rdata", "rresp", "rvalid", "rlast", "tready"}


def check_signals(ck, name, kind, mode, ports):
    sigs = (AXIS if kind == "axis" else AXI_FULL if mode == "master" else AXI_LITE).split()
    for sig in sigs:
        full = f"{name}_{sig}"
        if full not in ports:
            ck.fail(f"interface {name} ({kind} {mode} in kernel.xml): RTL lacks {full}")
            continue
        driven_by_master = sig not in MASTER_IN
        want = "output" if driven_by_master == (mode == "master") else "input"
        if ports[full][0] != want:
            ck.fail(f"interface {name} ({kind} {mode} in kernel.xml): RTL {full} is an {ports[full][0]}, should be an {want}")


def x_params(s):
    """'ASSOCIATED_BUSIF a:b, ASSOCIATED_RESET r, FREQ_HZ 3' -> dict"""
    out = {}
    for part in s.split(","):
        kv = part.strip().split(None, 1)
        if len(kv) == 2:
            out[kv[0]] = kv[1].strip()
    return out


# ---------------------------------------------------------------------------
# (d) the spec (through the generated C header), (f) the driver
# ---------------------------------------------------------------------------
def read_spec(ck):
    h = ck.read("hw", "gen", "spisync_hw.h")
    regs = {n: int(v, 16) for n, v in re.findall(r"^#define SPISYNC_REG_(\w+) 0x([0-9A-Fa-f]+)u", h, re.M)}
    ends = [o + 4 for o in regs.values()]
    for n, base, stride in re.findall(r"^#define SPISYNC_REG_(\w+)\(i\) \(0x([0-9A-Fa-f]+)u \+ (\d+)u", h, re.M):
        cnt = re.search(r"^#define SPISYNC_REG_" + n + r"_COUNT (\d+)u", h, re.M)
        ends.append(int(base, 16) + int(stride) * (int(cnt.group(1)) if cnt else 1))
    ev = re.search(r"^#define SPISYNC_EVENT_BYTES (\d+)u", h, re.M)
    return {"regs": regs, "end": max(ends) if ends else 0, "event_bytes": int(ev.group(1)) if ev else None}


def read_driver(ck):
    c = ck.read("driver", "backend_xrt.c")
    k = re.search(r'^#define SPISYNC_XRT_KERNEL "([^"]*)"', c, re.M)
    a = re.search(r"^#define SPISYNC_XRT_RING_ARG (\d+)", c, re.M)
    # the driver's range checks use the spec's SPISYNC_CTRL_BYTES (spisync_hw.h)
    h = ck.read("hw", "gen", "spisync_hw.h")
    b = re.search(r"^#define SPISYNC_CTRL_BYTES (0x[0-9A-Fa-f]+|\d+)u?", h, re.M)
    if not re.search(r"\bSPISYNC_CTRL_BYTES\b", c):
        ck.fail("driver/backend_xrt.c does not bound register offsets by SPISYNC_CTRL_BYTES")
    return {"kernel": k.group(1) if k else None, "ring_arg": int(a.group(1)) if a else None,
            "ctrl_bytes": int(b.group(1), 0) if b else None}


# ---------------------------------------------------------------------------
# (e) link configurations
# ---------------------------------------------------------------------------
def read_cfg(ck, name):
    text = ck.read("hw", "alveo", "link", name)
    cfg = {"platform": None, "sections": {}}
    m = re.search(r"^# platform: (\S+)", text, re.M)
    cfg["platform"] = m.group(1) if m else None
    sec = None
    for ln, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = re.match(r"^\[(\w+)\]$", s)
        if m:
            sec = m.group(1)
            cfg["sections"].setdefault(sec, [])
            continue
        if "=" not in s or sec is None:
            ck.fail(f"{name}:{ln}: not a v++ config line: {s}")
            continue
        k, v = s.split("=", 1)
        cfg["sections"][sec].append((k.strip(), v.strip(), ln))
    return cfg


# ---------------------------------------------------------------------------
# the cross-checks
# ---------------------------------------------------------------------------
def check(ck, cache=None):
    kx = read_kernel_xml(ck)
    rtl = read_rtl(ck, cache)
    tcl_text = ck.read("hw", "alveo", "package_xo.tcl")
    busifs = tcl_table(tcl_text, "busifs")
    resets = tcl_table(tcl_text, "resets")
    modes = tcl_table(tcl_text, "busif_modes")
    spec = read_spec(ck)
    drv = read_driver(ck)
    if kx is None or rtl is None:
        return
    for n, t in (("busifs", busifs), ("resets", resets), ("busif_modes", modes)):
        if t is None:
            ck.fail(f"package_xo.tcl: no `set {n} {{name value ...}}` table")
    busifs, resets, modes = busifs or {}, resets or {}, modes or {}

    kern = kx["kernel"]
    ports = kx["ports"]
    # --- names -------------------------------------------------------------
    if kx["root"].get("versionMajor") != "1" or kx["root"].get("versionMinor") != "6":
        ck.fail(f"kernel.xml root version {kx['root']} != versionMajor 1 / versionMinor 6 (UG1393)")
    kname = kern.get("name")
    if kname != drv["kernel"]:
        ck.fail(f"kernel name: kernel.xml '{kname}' != driver/backend_xrt.c SPISYNC_XRT_KERNEL '{drv['kernel']}'")
    if kname != rtl["module"]:
        ck.fail(f"kernel name: kernel.xml '{kname}' != RTL top module '{rtl['module']}'")
    vl = (kern.get("vlnv") or "").split(":")
    if len(vl) != 4 or vl[2] != kname:
        ck.fail(f"kernel.xml vlnv '{kern.get('vlnv')}': its name part must be the kernel name '{kname}'")
    if kern.get("hwControlProtocol") != "ap_ctrl_none":
        ck.fail(f"kernel.xml hwControlProtocol '{kern.get('hwControlProtocol')}' != ap_ctrl_none "
                "(the RTL has no ap_start / interrupt)")
    if kern.get("interrupt") != "false" or "interrupt" in rtl["ports"]:
        ck.fail(f"kernel.xml interrupt='{kern.get('interrupt')}' vs RTL interrupt port "
                f"{'present' if 'interrupt' in rtl['ports'] else 'absent'}")

    # --- interfaces: kernel.xml ports = Tcl tables = what the RTL ports give ---
    inferred = infer_busifs(rtl["ports"])
    rtl_ifs = {n for n, (k, _m) in inferred.items() if k in ("aximm", "axis")}
    for n in sorted(set(ports) | set(busifs) | rtl_ifs):
        where = {"kernel.xml": n in ports, "package_xo.tcl busifs": n in busifs, "RTL ports": n in rtl_ifs}
        if not all(where.values()):
            have = ", ".join(k for k, v in where.items() if v)
            lack = ", ".join(k for k, v in where.items() if not v)
            ck.fail(f"interface {n}: in {have} but not in {lack}")
    if set(modes) != set(busifs):
        ck.fail(f"package_xo.tcl: busif_modes {sorted(modes)} != busifs {sorted(busifs)}")

    want_mode = {("addressable", "slave"): ("aximm", "slave"), ("addressable", "master"): ("aximm", "master"),
                 ("stream", "read_only"): ("axis", "slave"), ("stream", "write_only"): ("axis", "master")}
    for n, p in ports.items():
        key = (p.get("portType"), p.get("mode"))
        if key not in want_mode:
            ck.fail(f"kernel.xml port {n}: portType/mode {key} is none of the UG1393 forms")
            continue
        kind, mode = want_mode[key]
        if n in inferred and inferred[n] != (kind, mode):
            ck.fail(f"interface {n}: kernel.xml says {p.get('mode')} {p.get('portType')} "
                    f"(= {kind} {mode}), the RTL ports make it {inferred[n][0]} {inferred[n][1]}")
        if n in modes and modes[n] != mode:
            ck.fail(f"interface {n}: kernel.xml mode {p.get('mode')} (= {mode}) != package_xo.tcl busif_modes {modes[n]}")
        if n in inferred:
            check_signals(ck, n, kind, mode, rtl["ports"])
        # widths
        sig = f"{n}_wdata" if kind == "aximm" else f"{n}_tdata"
        if sig in rtl["ports"]:
            w = rtl["ports"][sig][1]
            if str(w) != p.get("dataWidth"):
                ck.fail(f"interface {n}: kernel.xml dataWidth {p.get('dataWidth')} != RTL {sig} width {w}")
        if kind == "axis" and f"{n}_tkeep" in rtl["ports"]:
            kw = rtl["ports"][f"{n}_tkeep"][1]
            if kw * 8 != rtl["ports"].get(sig, (None, 0))[1]:
                ck.fail(f"interface {n}: RTL {n}_tkeep width {kw} is not {sig} width / 8")

    # --- control: range, address width, driver, spec --------------------
    ctrl = ports.get("s_axi_control", {})
    try:
        ctrl_range = int(ctrl.get("range", ""), 0)
    except ValueError:
        ctrl_range = None
    aw = rtl["ports"].get("s_axi_control_awaddr", (None, None))[1]
    if ctrl_range is None:
        ck.fail("kernel.xml: s_axi_control has no numeric range")
    else:
        if aw is not None and ctrl_range != 1 << aw:
            ck.fail(f"control range: kernel.xml s_axi_control range 0x{ctrl_range:X} != 2^(RTL "
                    f"s_axi_control_awaddr width {aw}) = 0x{1 << aw:X}")
        if drv["ctrl_bytes"] != ctrl_range:
            ck.fail(f"control range: kernel.xml 0x{ctrl_range:X} != spisync_hw.h SPISYNC_CTRL_BYTES "
                    f"{drv['ctrl_bytes'] if drv['ctrl_bytes'] is None else hex(drv['ctrl_bytes'])}")
        if spec["end"] > ctrl_range:
            ck.fail(f"control range: the spec's registers end at 0x{spec['end']:X} (hw/gen/spisync_hw.h), "
                    f"beyond kernel.xml's range 0x{ctrl_range:X}")
    for n, p in ports.items():
        if p.get("portType") == "addressable" and p.get("mode") == "master":
            if p.get("range") != "0xFFFFFFFFFFFFFFFF":
                ck.fail(f"kernel.xml {n}: range {p.get('range')} != 0xFFFFFFFFFFFFFFFF (a 64-bit master)")
            awn = rtl["ports"].get(f"{n}_awaddr", (None, None))[1]
            if awn != 64:
                ck.fail(f"interface {n}: kernel.xml 64-bit master, RTL {n}_awaddr width {awn}")
    ev = ports.get("m_axi_ev")
    if ev is not None and spec["event_bytes"] is not None and ev.get("dataWidth") != str(spec["event_bytes"] * 8):
        ck.fail(f"m_axi_ev: kernel.xml dataWidth {ev.get('dataWidth')} != spec SPISYNC_EVENT_BYTES "
                f"{spec['event_bytes']} x 8")

    # --- arguments ----------------------------------------------------------
    ids = [a.get("id") for a in kx["args"]]
    if ids != [str(i) for i in range(len(ids))]:
        ck.fail(f"kernel.xml arg ids {ids} are not 0..n-1 in order")
    ptr = [a for a in kx["args"] if a.get("addressQualifier") == "1"]
    ring = ptr[0] if len(ptr) == 1 else None
    if ring is None:
        ck.fail(f"kernel.xml: {len(ptr)} pointer arguments, expected exactly one (the ring)")
    else:
        if drv["ring_arg"] is None or str(drv["ring_arg"]) != ring.get("id"):
            ck.fail(f"ring argument: kernel.xml id {ring.get('id')} != driver SPISYNC_XRT_RING_ARG {drv['ring_arg']}")
        if ring.get("port") not in ports or ports[ring.get("port")].get("mode") != "master":
            ck.fail(f"ring argument: kernel.xml port '{ring.get('port')}' is not a master port of kernel.xml")
        lo = spec["regs"].get("RING_BASE_LO")
        hi = spec["regs"].get("RING_BASE_HI")
        off = int(ring.get("offset", "-1"), 0)
        if off != lo:
            ck.fail(f"ring argument: kernel.xml offset {ring.get('offset')} != spec RING_BASE_LO "
                    f"{lo if lo is None else hex(lo)} (hw/gen/spisync_hw.h)")
        if hi != (lo or 0) + 4 or ring.get("size") != "0x8" or ring.get("hostSize") != "0x8":
            ck.fail(f"ring argument: kernel.xml size {ring.get('size')} / hostSize {ring.get('hostSize')} must be 0x8 "
                    f"and the spec's RING_BASE_HI ({hi if hi is None else hex(hi)}) must follow RING_BASE_LO")
    for a in kx["args"]:
        if a.get("addressQualifier") == "4":
            p = ports.get(a.get("port"), {})
            if p.get("portType") != "stream":
                ck.fail(f"kernel.xml stream arg {a.get('name')}: port {a.get('port')} is not a stream port")

    # --- clocks and resets: RTL attributes vs package_xo.tcl -----------------
    attrs = rtl["attrs"]
    rtl_clock_of, rtl_reset_of = {}, {}
    for clk in [n for n, (k, _m) in inferred.items() if k == "clock"]:
        a = attrs.get(clk, {})
        if a.get("X_INTERFACE_INFO") != f"xilinx.com:signal:clock:1.0 {clk} CLK":
            ck.fail(f"RTL {clk}: X_INTERFACE_INFO '{a.get('X_INTERFACE_INFO')}' is not a clock interface named {clk}")
        xp = x_params(a.get("X_INTERFACE_PARAMETER", ""))
        for b in filter(None, xp.get("ASSOCIATED_BUSIF", "").split(":")):
            rtl_clock_of[b] = clk
        if "ASSOCIATED_RESET" in xp:
            rtl_reset_of[clk] = xp["ASSOCIATED_RESET"]
    for rst in [n for n, (k, _m) in inferred.items() if k == "reset"]:
        a = attrs.get(rst, {})
        if "POLARITY ACTIVE_LOW" not in a.get("X_INTERFACE_PARAMETER", ""):
            ck.fail(f"RTL {rst}: X_INTERFACE_PARAMETER lacks POLARITY ACTIVE_LOW (ap_rst_n* are active low)")
    for n in sorted(set(busifs) | set(rtl_clock_of)):
        if busifs.get(n) != rtl_clock_of.get(n):
            ck.fail(f"clock of {n}: package_xo.tcl busifs says {busifs.get(n)}, "
                    f"RTL ASSOCIATED_BUSIF says {rtl_clock_of.get(n)}")
        if busifs.get(n) is not None and busifs.get(n) not in inferred:
            ck.fail(f"clock of {n}: package_xo.tcl names {busifs.get(n)}, not an RTL clock port")
    for c in sorted(set(resets) | set(rtl_reset_of)):
        if resets.get(c) != rtl_reset_of.get(c):
            ck.fail(f"reset of {c}: package_xo.tcl resets says {resets.get(c)}, "
                    f"RTL ASSOCIATED_RESET says {rtl_reset_of.get(c)}")
    # UG1393: every external interface on the primary clock; the RTL's
    # RX_ASYNC default decides which clock the streams are really on
    rx_async = rtl["params"].get("RX_ASYNC")
    stream_clk = "ap_clk_2" if rx_async == 1 else "ap_clk"
    for n, p in ports.items():
        want = stream_clk if p.get("portType") == "stream" else "ap_clk"
        if busifs.get(n) != want:
            ck.fail(f"clock of {n}: the RTL runs it on {want} (RX_ASYNC default {rx_async}), "
                    f"package_xo.tcl associates it with {busifs.get(n)}")
        if want != "ap_clk":
            ck.fail(f"clock of {n}: on {want}, but UG1393 requires every RTL kernel interface on ap_clk")

    # --- package_xo.tcl, dry run ------------------------------------------------
    log = run_tcl_mock(ck, rtl)
    if log is not None:
        check_mock(ck, log, kx, ring, ctrl_range, busifs, resets, rtl)

    # --- link configurations ----------------------------------------------------
    cfgs = sorted(f for f in os.listdir(ck.path("hw", "alveo", "link")) if f.endswith(".cfg"))
    if cfgs != sorted(f"{c}.cfg" for c in PLATFORMS):
        ck.fail(f"hw/alveo/link: {cfgs} != one configuration per platform {sorted(PLATFORMS)}")
    for c in cfgs:
        check_cfg(ck, c, read_cfg(ck, c), kx, ring)


def check_mock(ck, log, kx, ring, ctrl_range, busifs, resets, rtl):
    assoc = [dict(kv.split("=", 1) for kv in ln.split()[1:]) for ln in log if ln.startswith("ASSOC ")]
    got_busif = {a["busif"]: a["clock"] for a in assoc if a["busif"]}
    got_reset = {a["clock"]: a["reset"] for a in assoc if a["reset"]}
    if got_busif != busifs:
        ck.fail(f"package_xo.tcl dry run associates {got_busif}, its busifs table says {busifs}")
    if got_reset != resets:
        ck.fail(f"package_xo.tcl dry run associates resets {got_reset}, its resets table says {resets}")
    props = {}
    for ln in log:
        if ln.startswith("PROP "):
            _, name, value, obj = ln.split(" ", 3)
            props[(name, obj)] = value.strip("{}")
    rng = props.get(("range", "ab:reg0"))
    if rng is None or ctrl_range is None or int(rng, 0) != ctrl_range:
        ck.fail(f"package_xo.tcl dry run: s_axi_control address block range {rng} != kernel.xml range "
                f"{ctrl_range if ctrl_range is None else hex(ctrl_range)}")
    for want in (("sdx_kernel", "core", "true"), ("sdx_kernel_type", "core", "rtl")):
        if props.get(want[:2]) != want[2]:
            ck.fail(f"package_xo.tcl dry run: {want[0]} = {props.get(want[:2])}, UG1393 requires {want[2]}")
    if ring is not None:
        r = f"reg:{ring.get('name')}"
        off = props.get(("address_offset", r))
        size = props.get(("size", r))
        bus = props.get(("value", f"rp:ASSOCIATED_BUSIF:{r}"))
        if off is None or int(off, 0) != int(ring.get("offset"), 0):
            ck.fail(f"package_xo.tcl dry run: register {ring.get('name')} at {off}, kernel.xml arg offset {ring.get('offset')}")
        if size is None or int(size) != 8 * int(ring.get("size"), 0):
            ck.fail(f"package_xo.tcl dry run: register {ring.get('name')} size {size} bits, kernel.xml size {ring.get('size')}")
        if bus != ring.get("port"):
            ck.fail(f"package_xo.tcl dry run: register {ring.get('name')} ASSOCIATED_BUSIF {bus}, kernel.xml port {ring.get('port')}")
    xo = [ln.split() for ln in log if ln.startswith("package_xo ")]
    if len(xo) != 1:
        ck.fail("package_xo.tcl dry run: package_xo not called exactly once")
    else:
        a = xo[0]
        kn = a[a.index("-kernel_name") + 1] if "-kernel_name" in a else None
        kxml = a[a.index("-kernel_xml") + 1] if "-kernel_xml" in a else ""
        if kn != kx["kernel"].get("name"):
            ck.fail(f"package_xo.tcl dry run: package_xo -kernel_name {kn} != kernel.xml name {kx['kernel'].get('name')}")
        if os.path.realpath(kxml) != os.path.realpath(ck.path("hw", "alveo", "kernel.xml")):
            ck.fail(f"package_xo.tcl dry run: package_xo -kernel_xml {kxml} is not hw/alveo/kernel.xml")
    added = {ln.split(" ", 1)[1] for ln in log if ln.startswith("add_file ")}
    for need in ["spisync.v", "spisync_card.v", "ctl_cpu.v", "axil_arb.v", "spisync_defs.vh",
                 "card_internal.vh", "spisync_fw.mem"]:
        if need not in added:
            ck.fail(f"package_xo.tcl dry run: {need} not added to the packaging project")
    removed = {ln.split()[1] for ln in log if ln.startswith("remove_user_parameter ")}
    if removed != set(rtl["params"]):
        ck.fail(f"package_xo.tcl dry run: user parameters removed {sorted(removed)}, RTL has {sorted(rtl['params'])}")


def check_cfg(ck, name, cfg, kx, ring):
    card = name[:-4]
    if card in PLATFORMS and cfg["platform"] != PLATFORMS[card]:
        ck.fail(f"{name}: '# platform: {cfg['platform']}' != the {card.upper()} platform {PLATFORMS[card]}")
    conn = cfg["sections"].get("connectivity", [])
    kname = kx["kernel"].get("name")
    ports = kx["ports"]
    cus = {}        # CU name -> kernel
    for k, v, ln in conn:
        if k == "nk":
            parts = v.split(":")
            if len(parts) != 3 or parts[1] != "1":
                ck.fail(f"{name}:{ln}: nk={v}: expected <kernel>:1:<CU>")
                continue
            cus[parts[2]] = parts[0]
    ours = [cu for cu, kern in cus.items() if kern == kname]
    if len(ours) != 1:
        ck.fail(f"{name}: {len(ours)} nk lines for kernel.xml's kernel '{kname}' (nk kernels: {sorted(set(cus.values()))})")
        return
    cu = ours[0]
    for c in VNX_CUS:
        if cus.get(c) != c:
            ck.fail(f"{name}: no nk={c}:1:{c} (the VNx CMAC kernel)")

    def endpoint(ep, ln, role):
        c, _, p = ep.partition(".")
        if c == cu:
            if p not in ports or ports[p].get("portType") != "stream":
                ck.fail(f"{name}:{ln}: {ep}: '{p}' is not a stream port of kernel.xml ({sorted(ports)})")
                return None
            want = "write_only" if role == "source" else "read_only"
            if ports[p].get("mode") != want:
                ck.fail(f"{name}:{ln}: {ep} used as stream {role}, kernel.xml mode {ports[p].get('mode')}")
            return (c, p)
        if c in VNX_CUS:
            want = "write_only" if role == "source" else "read_only"
            if VNX_STREAMS.get(p) != want:
                ck.fail(f"{name}:{ln}: {ep}: the VNx CMAC kernel's {role} streams are "
                        f"{[s for s, m in VNX_STREAMS.items() if m == want]}")
            return (c, p)
        ck.fail(f"{name}:{ln}: {ep}: unknown compute unit '{c}' (nk: {sorted(cus)})")
        return None

    edges = []
    for k, v, ln in conn:
        if k == "stream_connect":
            src, _, dst = v.partition(":")
            dst = dst.split(":")[0]
            a, b = endpoint(src, ln, "source"), endpoint(dst, ln, "sink")
            if a and b:
                edges.append((a, b))
    rx = [p for p, d in ports.items() if d.get("mode") == "read_only"]
    tx = [p for p, d in ports.items() if d.get("mode") == "write_only"]
    want_edges = [(("cmac_0", "M_AXIS"), (cu, p)) for p in rx] + [((cu, p), ("cmac_1", "S_AXIS")) for p in tx]
    want_edges.append((("cmac_1", "M_AXIS"), ("cmac_0", "S_AXIS")))
    for e in want_edges:
        if e not in edges:
            ck.fail(f"{name}: missing stream_connect={'.'.join(e[0])}:{'.'.join(e[1])} (kernel.xml streams {rx + tx})")
    for e in edges:
        if e not in want_edges:
            ck.fail(f"{name}: unexpected stream_connect={'.'.join(e[0])}:{'.'.join(e[1])}")
    # memory: every master port of kernel.xml on HOST[0]
    sps = {}
    for k, v, ln in conn:
        if k == "sp":
            ep, _, bank = v.partition(":")
            c, _, p = ep.partition(".")
            if c != cu or p not in ports:
                ck.fail(f"{name}:{ln}: sp={v}: '{ep}' is not a port of {cu} in kernel.xml")
            sps[p] = bank
    for p, d in ports.items():
        if d.get("mode") == "master" and d.get("portType") == "addressable":
            if sps.get(p) != "HOST[0]":
                ck.fail(f"{name}: kernel.xml master {p} mapped to {sps.get(p)}, the driver's host-only ring needs HOST[0]")
    if ring is not None and ring.get("port") not in sps:
        ck.fail(f"{name}: the ring argument's port {ring.get('port')} has no sp= line")
    # placement: every CU placed, ours beside the CMACs
    slr = {}
    for k, v, ln in conn:
        if k == "slr":
            c, _, s = v.partition(":")
            if c not in cus:
                ck.fail(f"{name}:{ln}: slr={v}: unknown compute unit '{c}'")
            slr[c] = s
    for c in cus:
        if not re.match(r"^SLR\d$", slr.get(c, "")):
            ck.fail(f"{name}: compute unit {c} has no slr=")
    if slr.get(cu) and slr.get(cu) != slr.get("cmac_0"):
        ck.fail(f"{name}: {cu} in {slr.get(cu)}, cmac_0 in {slr.get('cmac_0')}: the 512-bit streams would cross SLRs")
    for k, v, ln in cfg["sections"].get("clock", []):
        m = re.match(r"^(\w+)\.(\w+)$", v.split(":", 1)[-1])
        if m and m.group(1) == cu and m.group(2) not in ("ap_clk", "ap_clk_2"):
            ck.fail(f"{name}:{ln}: [clock] {k}={v}: {m.group(2)} is not a clock of the kernel")


# ---------------------------------------------------------------------------
# self-test: every kind of drift must be caught
# ---------------------------------------------------------------------------
MUTATIONS = [
    # (file, old, new, a word the failure must contain)
    ("hw/alveo/spisync.v", "m_axis_tx_", "m_axis_out_", "m_axis_tx"),                       # rename an interface's ports
    ("hw/alveo/spisync.v", "output wire [511:0]              m_axis_tx_tdata",
     "output wire [255:0]              m_axis_tx_tdata", "dataWidth"),                          # change a width
    ("hw/alveo/spisync.v", "input  wire [15:0]               s_axi_control_awaddr",
     "input  wire [11:0]               s_axi_control_awaddr", "control range"),                # 4 KiB control port
    ("hw/alveo/spisync.v", "parameter integer RX_ASYNC      = 0,",
     "parameter integer RX_ASYNC      = 1,", "RX_ASYNC"),                                      # streams move to ap_clk_2
    ("hw/alveo/spisync.v", "ASSOCIATED_RESET ap_rst_n_2", "ASSOCIATED_RESET ap_rst_n", "reset of ap_clk_2"),
    ("hw/alveo/spisync.v", "m_axi_ev:s_axis_rx", "m_axi_ev", "clock of s_axis_rx"),         # drop from ASSOCIATED_BUSIF
    ("hw/alveo/spisync.v", "m_axi_ev_rready", "m_axi_ev_rrdy", "m_axi_ev_rready"),          # an AXI signal missing
    ("hw/alveo/kernel.xml", 'offset="0x0A0"', 'offset="0x0A8"', "RING_BASE_LO"),             # shift an offset
    ("hw/gen/spisync_hw.h", "#define SPISYNC_REG_RING_BASE_LO 0x00A0u",
     "#define SPISYNC_REG_RING_BASE_LO 0x00B0u", "RING_BASE_LO"),                             # the spec moves it
    ("hw/alveo/kernel.xml", 'name="m_axi_ev" mode="master" range="0xFFFFFFFFFFFFFFFF" dataWidth="512"',
     'name="m_axi_ev" mode="master" range="0xFFFFFFFFFFFFFFFF" dataWidth="256"', "dataWidth"),
    ("hw/alveo/kernel.xml", '      <port name="m_axis_tx" mode="write_only" range="" dataWidth="512" portType="stream"/>\n',
     "", "m_axis_tx"),                                                                          # drop an interface
    ("hw/alveo/kernel.xml", 'range="0x10000"', 'range="0x1000"', "control range"),
    ("hw/alveo/kernel.xml", 'name="s_axis_rx" mode="read_only"', 'name="s_axis_rx" mode="write_only"', "s_axis_rx"),
    ("hw/alveo/kernel.xml", 'hwControlProtocol="ap_ctrl_none"', 'hwControlProtocol="ap_ctrl_hs"', "hwControlProtocol"),
    ("hw/alveo/package_xo.tcl", "    m_axis_tx     ap_clk\n", "", "m_axis_tx"),            # drop an interface
    ("hw/alveo/package_xo.tcl", "    s_axis_rx     ap_clk\n", "    s_axis_rx     ap_clk_2\n", "clock of s_axis_rx"),
    ("hw/alveo/package_xo.tcl", "set_property size [expr {$ring_size * 8}] $reg",
     "set_property size [expr {$ring_size * 4}] $reg", "size"),
    ("hw/alveo/package_xo.tcl", "set_property range [expr {$ctrl_range}] $ab",
     "set_property range 4096 $ab", "range"),
    ("hw/alveo/package_xo.tcl", "set_property sdx_kernel_type rtl $core", "", "sdx_kernel_type"),
    ("hw/alveo/package_xo.tcl", "    ipx::associate_bus_interfaces -busif $name -clock $clk $core\n",
     "", "associates"),
    ("hw/alveo/link/u280.cfg", "sp=spisync_1.m_axi_ev:HOST[0]", "sp=spisync_1.m_axi_ev:DDR[0]", "HOST[0]"),
    ("hw/alveo/link/u250.cfg", "stream_connect=cmac_0.M_AXIS:spisync_1.s_axis_rx",
     "stream_connect=cmac_0.M_AXIS:spisync_1.s_axis_rxd", "s_axis_rxd"),
    ("hw/alveo/link/u55c.cfg", "stream_connect=spisync_1.m_axis_tx:cmac_1.S_AXIS",
     "stream_connect=cmac_1.S_AXIS:spisync_1.m_axis_tx", "stream"),
    ("hw/alveo/link/u55c.cfg", "nk=spisync:1:spisync_1", "nk=spisync_k:1:spisync_1", "nk"),
    ("hw/alveo/link/u250.cfg", "slr=spisync_1:SLR2", "slr=spisync_1:SLR0", "SLR"),
    ("hw/alveo/link/u280.cfg", "# platform: xilinx_u280_gen3x16_xdma_1_202211_1",
     "# platform: xilinx_u280_gen3x16_xdma_base_1", "platform"),
    ("driver/backend_xrt.c", '#define SPISYNC_XRT_KERNEL "spisync"', '#define SPISYNC_XRT_KERNEL "spisync_k"',
     "SPISYNC_XRT_KERNEL"),
    ("driver/backend_xrt.c", "#define SPISYNC_XRT_RING_ARG 0", "#define SPISYNC_XRT_RING_ARG 1",
     "SPISYNC_XRT_RING_ARG"),
    ("hw/gen/spisync_hw.h", "#define SPISYNC_CTRL_BYTES 0x10000u", "#define SPISYNC_CTRL_BYTES 0x1000u",
     "SPISYNC_CTRL_BYTES"),
]


def copy_tree(src, dst):
    for d in ("hw/alveo", "hw/alveo/link", "hw/rtl", "hw/cpu", "hw/gen", "driver"):
        os.makedirs(os.path.join(dst, d), exist_ok=True)
    for d in ("hw/alveo", "hw/alveo/link", "hw/rtl", "hw/cpu", "hw/gen"):
        for f in os.listdir(os.path.join(src, d)):
            p = os.path.join(src, d, f)
            if os.path.isfile(p):
                shutil.copy(p, os.path.join(dst, d, f))
    shutil.copy(os.path.join(src, "driver", "backend_xrt.c"), os.path.join(dst, "driver", "backend_xrt.c"))
    for d, f in (("hw/spec", "spisync.toml"), ("hw/tools", "gen_kernel_xml.py")):
        os.makedirs(os.path.join(dst, d), exist_ok=True)
        shutil.copy(os.path.join(src, d, f), os.path.join(dst, d, f))


def spec_drift_caught(root):
    """The spec moves the ring register: gen_kernel_xml.py --check must
    refuse the committed kernel.xml."""
    spec = os.path.join(root, "hw", "spec", "spisync.toml")
    with open(spec, encoding="utf-8") as f:
        orig = f.read()
    moved = re.sub(r'(name = "RING_BASE_LO"\noffset = )0x00A0', r"\g<1>0x00E0", orig)
    moved = re.sub(r'(name = "RING_BASE_HI"\noffset = )0x00A4', r"\g<1>0x00E4", moved)
    if moved == orig:
        return False, "RING_BASE_LO not found in the spec copy"
    gen = [sys.executable, os.path.join(root, "hw", "tools", "gen_kernel_xml.py"), "--check", spec,
           os.path.join(root, "hw", "alveo", "kernel.xml")]
    ok = subprocess.run(gen, capture_output=True, text=True)
    with open(spec, "w", encoding="utf-8") as f:
        f.write(moved)
    bad = subprocess.run(gen, capture_output=True, text=True)
    with open(spec, "w", encoding="utf-8") as f:
        f.write(orig)
    return ok.returncode == 0 and bad.returncode != 0, (bad.stderr or bad.stdout).strip()


# mutations only the dry run of package_xo.tcl can see (skipped without tclsh)
MOCK_ONLY = ("$ring_size * 8", "set_property range [expr", "sdx_kernel_type", "-busif $name -clock $clk")


def self_test(src):
    have_tcl = shutil.which("tclsh") is not None
    bad = skipped = 0
    cache = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "tree")
        copy_tree(src, root)
        ck = Check(root)
        check(ck, cache)
        if ck.fails:
            print("check-alveo self-test: FAIL: the unmodified copy does not pass:")
            for m in ck.fails:
                print("  " + m)
            return 1
        for path, old, new, word in MUTATIONS:
            label = f"{path}: {old.strip()[:60]!r} -> {new.strip()[:40]!r}"
            if not have_tcl and any(k in old for k in MOCK_ONLY):
                skipped += 1
                print(f"SKIP    {label} (needs tclsh: apt-get install tcl)")
                continue
            full = os.path.join(root, path)
            with open(full, encoding="utf-8") as f:
                orig = f.read()
            if old not in orig:
                print(f"check-alveo self-test: FAIL: mutation target not found in {path}: {old!r}")
                bad += 1
                continue
            with open(full, "w", encoding="utf-8") as f:
                f.write(orig.replace(old, new))
            ck = Check(root)
            check(ck, cache)
            with open(full, "w", encoding="utf-8") as f:
                f.write(orig)
            hit = [m for m in ck.fails if word.lower() in m.lower()]
            if hit:
                print(f"caught  {label}\n        {hit[0]}")
            else:
                bad += 1
                print(f"MISSED  {label} (failures: {ck.fails or 'none'})")
        caught, msg = spec_drift_caught(root)
        print(f"{'caught ' if caught else 'MISSED '} hw/spec/spisync.toml: RING_BASE_LO/HI 0x00A0/4 -> 0x00E0/4 "
              f"(gen_kernel_xml.py --check)\n        {msg}")
        bad += 0 if caught else 1
    n = len(MUTATIONS) + 1
    print(f"check-alveo self-test: {n - bad - skipped} of {n} mutations caught"
          + (f", {skipped} skipped (no tclsh)" if skipped else ""))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args.root)
    ck = Check(args.root)
    check(ck)
    for m in ck.notes:
        print("check-alveo: " + m)
    for m in ck.fails:
        print("check-alveo: FAIL: " + m)
    if ck.fails:
        print(f"check-alveo: {len(ck.fails)} disagreement(s)")
        return 1
    print("check-alveo: kernel.xml, package_xo.tcl, hw/alveo/spisync.v, the spec, "
          f"{len(PLATFORMS)} link configurations and driver/backend_xrt.c agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
