# spisync -- package hw/alveo/spisync.v (and the card under it) as the Vitis
# RTL kernel "spisync" (.xo), in Vivado batch mode:
#
#   vivado -mode batch -source hw/alveo/package_xo.tcl \
#          -tclargs OUT.xo BUILD_DIR [PART]
#
# `make xo` (mk/alveo.mk) runs it. BUILD_DIR gets the throwaway projects and
# the packaged IP (BUILD_DIR/ip); PART (default xcu250-figd2104-2L-e) only
# names the project's device: the IP is packaged for every UltraScale+ part.
#
# Nothing here is typed twice: the kernel's name, VLNV, control range and the
# ring argument's register (offset, size, port) are read from
# hw/alveo/kernel.xml, which hw/tools/gen_kernel_xml.py generates from
# hw/spec/spisync.toml; the interface names and clocks below are checked
# against kernel.xml here (at packaging) and against the RTL and kernel.xml
# by tools/check-alveo.py (in `make test`, without Vivado).
#
# Commands: UG1393 (2022.2) "Packaging an RTL Kernel" / "package_xo Command"
# and "RTL Kernel XML File"; the property and bus-interface steps follow the
# Vitis RTL kernel examples (Vitis_Accel_Examples rtl_kernels/*/scripts/
# package_kernel.tcl) and the CMAC kernel of Xilinx/xup_vitis_network_example
# (Ethernet/package_kernel.tcl): ipx::package_project, sdx_kernel /
# sdx_kernel_type, ipx::associate_bus_interfaces, ipx::add_register with an
# ASSOCIATED_BUSIF register parameter for a pointer argument, ipx::save_core,
# package_xo.

if {[llength $argv] < 2 || [llength $argv] > 3} {
    puts stderr "usage: vivado -mode batch -source package_xo.tcl -tclargs OUT.xo BUILD_DIR \[PART\]"
    exit 2
}
set xo_path   [file normalize [lindex $argv 0]]
set build_dir [file normalize [lindex $argv 1]]
set part      [expr {[llength $argv] == 3 ? [lindex $argv 2] : "xcu250-figd2104-2L-e"}]
set root      [file normalize [file join [file dirname [info script]] .. ..]]
set kxml      [file join $root hw alveo kernel.xml]
set top       spisync

# The interface: bus interface -> its clock, clock -> its reset (UG1393: all
# external interfaces of an RTL kernel on the primary clock ap_clk; ap_clk_2
# is present and unused, see hw/alveo/spisync.v). Each line is
# "name clock" / "clock reset"; tools/check-alveo.py reads these two lists.
set busifs {
    s_axi_control ap_clk
    m_axi_ev      ap_clk
    s_axis_rx     ap_clk
    m_axis_tx     ap_clk
}
set resets {
    ap_clk   ap_rst_n
    ap_clk_2 ap_rst_n_2
}
# the mode of each bus interface as the IP packager names it
set busif_modes {
    s_axi_control slave
    m_axi_ev      master
    s_axis_rx     slave
    m_axis_tx     master
}

proc fail {msg} {
    puts stderr "package_xo.tcl: ERROR: $msg"
    exit 1
}

# ---------------------------------------------------------------------------
# kernel.xml: the generated description (regexps: its format is ours)
# ---------------------------------------------------------------------------
set f [open $kxml r]
set xml [read $f]
close $f
if {![regexp {<kernel name="([^"]+)"[^>]* vlnv="([^"]+)"} $xml -> kname vlnv]} {
    fail "$kxml: no <kernel name=... vlnv=...>"
}
lassign [split $vlnv :] vendor library ipname version
if {$kname ne $top || $ipname ne $top} {
    fail "kernel.xml names kernel '$kname' / IP '$ipname', the RTL top is '$top'"
}
set xml_ports {}
foreach {- pname pmode} [regexp -all -inline {<port name="([^"]+)" mode="([^"]+)"} $xml] {
    dict set xml_ports $pname $pmode
}
if {![regexp {<port name="s_axi_control" mode="slave" range="(0x[0-9A-Fa-f]+)"} $xml -> ctrl_range]} {
    fail "$kxml: no s_axi_control range"
}
if {![regexp {<arg name="([^"]+)" addressQualifier="1" id="0" port="([^"]+)" size="(0x[0-9A-Fa-f]+)" offset="(0x[0-9A-Fa-f]+)"} \
        $xml -> ring_name ring_port ring_size ring_offset]} {
    fail "$kxml: no pointer argument 0"
}
# the bus interfaces declared here must be exactly kernel.xml's ports
if {[lsort [dict keys $xml_ports]] ne [lsort [dict keys $busifs]]} {
    fail "kernel.xml ports [lsort [dict keys $xml_ports]] != interfaces here [lsort [dict keys $busifs]]"
}
puts "package_xo.tcl: kernel $kname ($vlnv), control range $ctrl_range,\
      arg 0 '$ring_name' on $ring_port at $ring_offset ($ring_size bytes)"

# ---------------------------------------------------------------------------
# project: the wrapper, the card, the generated defines
# ---------------------------------------------------------------------------
file mkdir $build_dir
set ip_dir [file join $build_dir ip]
file delete -force $ip_dir [file join $build_dir pack_prj] [file join $build_dir edit_prj]

create_project -force spisync_pack [file join $build_dir pack_prj] -part $part
set srcs [concat [lsort [glob [file join $root hw alveo *.v]]] \
                 [lsort [glob [file join $root hw cpu *.v]]] \
                 [lsort [glob [file join $root hw rtl *.v]]]]
add_files -norecurse $srcs
# the controller firmware's code image, read by $readmemh under this name
# (hw/alveo/spisync.v FW_HEX); `make xo` puts it into BUILD_DIR from
# `make firmware-hex`. A .mem file is a memory initialization file to
# Vivado: imported into the IP with the sources.
set fw_mem [file join $build_dir spisync_fw.mem]
if {![file exists $fw_mem]} {
    fail "$fw_mem missing: the firmware image (make firmware-hex, then make xo)"
}
add_files -norecurse [list $fw_mem]
set hdrs [list [file join $root hw gen spisync_defs.vh] [file join $root hw rtl card_internal.vh]]
add_files -norecurse $hdrs
set_property file_type {Verilog Header} [get_files $hdrs]
set_property include_dirs [list [file join $root hw gen] [file join $root hw rtl]] [current_fileset]
set_property top $top [current_fileset]
update_compile_order -fileset sources_1

# package, then reopen the packaged core to edit it (UG1393 flow)
ipx::package_project -root_dir $ip_dir -vendor $vendor -library $library \
    -taxonomy /KernelIP -import_files -set_current false
ipx::unload_core [file join $ip_dir component.xml]
ipx::edit_ip_in_project -upgrade true -name spisync_edit \
    -directory [file join $build_dir edit_prj] [file join $ip_dir component.xml]
set core [ipx::current_core]
set_property name $ipname $core
set_property version $version $core
set_property core_revision 1 $core

# an RTL kernel (UG1393: sdx_kernel, sdx_kernel_type rtl), free running
set_property sdx_kernel true $core
set_property sdx_kernel_type rtl $core
set_property vitis_drc {ctrl_protocol ap_ctrl_none} $core
# v++ sets the clock frequencies at link time
set_property ipi_drc {ignore_freq_hz true} $core

# the HDL defaults are the product configuration (RX_ASYNC 0, DATA_WIDTH
# 512 inside): no parameter is left for the linker to change
foreach up [ipx::get_user_parameters -of_objects $core] {
    ipx::remove_user_parameter [get_property NAME $up] $core
}

# bus interfaces: inferred from the port names by ipx::package_project;
# check each exists with the right mode, then tie it to its clock
foreach {name clk} $busifs {
    set bi [ipx::get_bus_interfaces $name -of_objects $core]
    if {[llength $bi] != 1} {
        fail "bus interface $name was not inferred from the RTL ports"
    }
    set want [dict get $busif_modes $name]
    if {[string tolower [get_property INTERFACE_MODE $bi]] ne $want} {
        fail "bus interface $name is [get_property INTERFACE_MODE $bi], expected $want"
    }
    ipx::associate_bus_interfaces -busif $name -clock $clk $core
}
foreach {clk rst} $resets {
    foreach n [list $clk $rst] {
        if {[llength [ipx::get_bus_interfaces $n -of_objects $core]] != 1} {
            fail "clock/reset interface $n was not inferred from the RTL ports"
        }
    }
    ipx::associate_bus_interfaces -clock $clk -reset $rst $core
}

# s_axi_control memory map: the whole control range, and the pointer
# argument's register (UG1393: a register named like the argument, with an
# ASSOCIATED_BUSIF parameter naming the m_axi port)
set mm [ipx::get_memory_maps s_axi_control -of_objects $core]
if {[llength $mm] != 1} {
    fail "no memory map for s_axi_control"
}
set ab [lindex [ipx::get_address_blocks -of_objects $mm] 0]
if {$ab eq ""} {
    set ab [ipx::add_address_block reg0 $mm]
}
set_property range [expr {$ctrl_range}] $ab
set_property width 32 $ab
set reg [ipx::add_register $ring_name $ab]
set_property address_offset $ring_offset $reg
set_property size [expr {$ring_size * 8}] $reg
set rp [ipx::add_register_parameter ASSOCIATED_BUSIF $reg]
set_property value $ring_port $rp

set_property supported_families {} $core
set_property auto_family_support_level level_2 $core
ipx::create_xgui_files $core
ipx::update_checksums $core
if {[catch {ipx::check_integrity -kernel $core} msg]} {
    fail "ipx::check_integrity -kernel: $msg"
}
ipx::save_core $core
# the edit project, then the packaging project
close_project -delete
catch {close_project}

# the .xo: the packaged IP plus the kernel description
file mkdir [file dirname $xo_path]
package_xo -force -xo_path $xo_path -kernel_name $kname -ip_directory $ip_dir -kernel_xml $kxml
puts "package_xo.tcl: wrote $xo_path"
