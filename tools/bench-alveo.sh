#!/bin/sh
# spisync -- `make bench` figures for the Alveo kernel: Yosys 0.23
# (synth_xilinx -family xcup -nowidelut) resources of the whole kernel, as a
# share of each card's FPGA, and a timing estimate of its blocks against the
# kernel clock (ap_clk, 300 MHz) and the CMAC stream clock (322.265625 MHz).
# Measured, never asserted. Prints a markdown section on stdout (for
# tools/bench.sh's report); the raw logs stay in BUILD/bench/alveo/.
#
# usage: tools/bench-alveo.sh BUILD
#   BENCH_ALVEO_TOP         spisync (the kernel top, the default when
#                           hw/alveo/spisync.v exists) or card (the card and
#                           the two FIFOs apart; the default without it)
#   BENCH_ALVEO_LOG         use this Yosys log (a previous run) instead of
#                           synthesizing: the kernel's, or with TOP card the
#                           card's (the FIFOs are still added); its `stat` is read
#   BENCH_ALVEO_STA_BLOCKS  the blocks timed (default below; "" for none)
#   YOSYS                   the yosys binary (default: yosys)
#
# What is synthesized: the kernel top hw/alveo/spisync.v as the xclbin
# builds it (RX_ASYNC 0: every interface on ap_clk, no FIFOs) when it
# exists; else (or with BENCH_ALVEO_TOP=card) the card alone
# (spisync_card, DATA_WIDTH 512, exactly tools/synth.sh card512), the
# wrapper's few registers left out. Either way the two clock-crossing FIFOs
# of RX_ASYNC 1 (hw/rtl/axis_async_fifo.v at the wrapper's depths: RX 512
# beats in frame mode, TX 64) are synthesized on their own and shown as
# what RX_ASYNC 1 would add. The whole card takes about 53 minutes on one
# core, so an existing log is reused when it is newer than every source:
# BUILD/bench/alveo/synth/, or the card512 log that tools/bench-card.sh
# writes in the same `make bench` (BUILD/bench/card/synth/card_w512.log:
# the same Yosys script).
#
# Timing: Yosys `sta` (xcup cell delays, no routing, no clock skew) only
# sees inside one flat module, and flattening the whole card is not
# affordable, so each block in BENCH_ALVEO_STA_BLOCKS is synthesized alone,
# flattened, SRL extraction off (as tools/synth.sh --sta explains), at the
# card's 512-bit parameters (BYTES 64, DATA_WIDTH 512; the others at their
# defaults, which are the card's), and its worst register-to-register path
# reported. The AES-GCM core's figure is tools/synth.sh --sta's (the AES
# round on aes_enc_pipe here; the core's own line is in the report above,
# BUILD/bench/sta.txt, when tools/bench.sh ran it). Routing on a real die
# adds a large share: read these as lower bounds of the path delay.
#
# Device totals: AMD's card data sheets (DS962: Alveo U200 and U250; DS963:
# U280; DS978: U55C), the FPGA resources of the card's device: XCU250
# 1,728K LUTs, 3,456K registers, 2,688 block RAM (36 Kb), 1,280 UltraRAM,
# 12,288 DSP slices; XCU280 and XCU55C 1,304K LUTs, 2,607K registers, 2,016
# block RAM, 960 UltraRAM, 9,024 DSP slices. The shell (the static region)
# takes part of each die: a kernel gets less (UG1120 lists each platform's
# dynamic region); the shares below are of the whole device.
set -eu

build=${1:-build}
yosys=${YOSYS:-yosys}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$build/bench/alveo
mkdir -p "$out/synth" "$out/sta"
kernel_mhz=300
cmac_mhz=322.265625
blocks_default="aes_enc_pipe card_ingress esp_parser sa_lookup esp_classify esp_dispatch esp_pad_check esp_commit replay_check replay_check_split replay_update sa_state host_egress flow_filter event_gate event_ring card_regs reason_counters axis_async_fifo"
blocks=${BENCH_ALVEO_STA_BLOCKS-$blocks_default}

# device      LUT      FF       BRAM36 URAM DSP   (data sheets, see above)
devices="U250:XCU250:1728000:3456000:2688:1280:12288
U280:XCU280:1304000:2607000:2016:960:9024
U55C:XCU55C:1304000:2607000:2016:960:9024"

rtl_srcs() {
	ls "$root"/hw/rtl/*.v
	if [ -d "$root/hw/alveo" ]; then
		ls "$root"/hw/alveo/*.v 2>/dev/null || true
	fi
}

# a log is reusable when it ended with a `stat` and no source is newer
fresh() {
	[ -f "$1" ] || return 1
	grep -q "=== design hierarchy ===\|Number of cells:" "$1" || return 1
	[ -z "$(find "$root/hw/rtl" "$root/hw/gen" "$root/hw/alveo" -newer "$1" -name '*.v*' 2>/dev/null | head -1)" ]
}

run_yosys() {
	if ! "$yosys" -q -l "$1" -s "$2" >/dev/null 2>&1; then
		echo "**Yosys failed: see $1**"
		echo
		grep -E "ERROR|Assert" "$1" | head -5 | sed 's/^/    /'
		return 1
	fi
}

# sum of cell types from the last whole-design `stat` of a log (the design
# hierarchy total when there is one, else the only module's)
cells() {
	log=$1
	shift
	awk -v types="$*" '
		BEGIN { n = split(types, t, " "); for (i = 1; i <= n; i++) want[t[i]] = 1 }
		/^=== / { sum = 0; seen = 0; inside = 1; hier = ($0 ~ /design hierarchy/); next }
		inside && /Estimated number of LCs|^$/ && seen { inside = 0; last = sum; if (hier) final = sum }
		inside && ($1 in want) { sum += $2; seen = 1 }
		END { if (final != "") print final + 0; else print last + 0 }' "$log"
}

# LUTs of a log, logic and memory: a LUT6 site per LUT1..6 and per SRL; the
# LUTRAM primitives by the LUTs they take (UG574)
luts() {
	logic=$(cells "$1" LUT1 LUT2 LUT3 LUT4 LUT5 LUT6)
	srl=$(cells "$1" SRL16E SRLC32E)
	m1=$(cells "$1" RAM32X1D RAM64X1D)
	m4=$(cells "$1" RAM32M RAM64M RAM128X1D RAM256X1S)
	m8=$(cells "$1" RAM32M16 RAM64M8)
	echo $((logic + srl + 2 * m1 + 4 * m4 + 8 * m8))
}

# "LUT FF BRAM36x2 URAM DSP" of a log (BRAM counted in RAMB18 halves)
resources() {
	echo "$(luts "$1") $(cells "$1" FDRE FDSE FDCE FDPE)" \
		"$(( 2 * $(cells "$1" RAMB36E2) + $(cells "$1" RAMB18E2) ))" \
		"$(cells "$1" URAM288) $(cells "$1" DSP48E2)"
}

# ---- the kernel's resources ---------------------------------------------------

note=""
parts=""
status=0
top=${BENCH_ALVEO_TOP:-}
if [ -z "$top" ]; then
	top=card
	[ -f "$root/hw/alveo/spisync.v" ] && top=spisync
fi
if [ "$top" = spisync ]; then
	log=$out/synth/spisync.log
	if [ -n "${BENCH_ALVEO_LOG:-}" ]; then
		log=$BENCH_ALVEO_LOG
		note="the kernel (spisync): reused $log"
	elif fresh "$log"; then
		note="reused $log"
	else
		{
			echo "read_verilog -sv -I$root/hw/gen -I$root/hw/rtl $(rtl_srcs | tr '\n' ' ')"
			echo "synth_xilinx -family xcup -nowidelut -noiopad -top spisync"
			echo "check -assert"
			echo "select -assert-none t:LDCE t:LDPE t:LDCPE t:\$_DLATCH_*_ t:\$dlatch"
			echo "stat"
		} >"$out/synth/spisync.ys"
		start=$(date +%s)
		run_yosys "$log" "$out/synth/spisync.ys" || status=1
		note="the kernel (spisync): synthesized in $(( $(date +%s) - start )) s"
	fi
	parts="$log"
else
	card=$out/synth/card_w512.log
	if [ -n "${BENCH_ALVEO_LOG:-}" ]; then
		card=$BENCH_ALVEO_LOG
		note="card: reused $card"
	elif fresh "$build/bench/card/synth/card_w512.log"; then
		card=$build/bench/card/synth/card_w512.log
		note="card: reused $card"
	elif fresh "$card"; then
		note="card: reused $card"
	else
		start=$(date +%s)
		"$root/tools/synth.sh" "$out/synth" card512 >"$out/synth/card512.txt" 2>&1 || status=1
		note="card: synthesized in $(( $(date +%s) - start )) s"
	fi
	parts="$card"
fi

# the two FIFOs of RX_ASYNC 1, each alone
fifos=""
if [ -f "$root/hw/rtl/axis_async_fifo.v" ]; then
	for f in rx:1:512 tx:0:64; do
		name=${f%%:*}
		drop=$(echo "$f" | cut -d: -f2)
		depth=${f##*:}
		log=$out/synth/fifo_${name}_d$depth.log
		if ! fresh "$log"; then
			{
				echo "read_verilog -sv -I$root/hw/gen -I$root/hw/rtl $root/hw/rtl/axis_async_fifo.v"
				echo "chparam -set DATA_WIDTH 512 -set DEPTH $depth -set FRAME_DROP $drop axis_async_fifo"
				echo "synth_xilinx -family xcup -nowidelut -noiopad -top axis_async_fifo"
				echo "check -assert"
				echo "select -assert-none t:LDCE t:LDPE t:LDCPE t:\$_DLATCH_*_ t:\$dlatch"
				echo "stat"
			} >"$out/synth/fifo_${name}_d$depth.ys"
			run_yosys "$log" "$out/synth/fifo_${name}_d$depth.ys" || status=1
		fi
		fifos="$fifos $log"
	done
fi

# "LUT FF BRAM36 URAM DSP" summed over logs
total() {
	lut=0 ff=0 b18=0 uram=0 dsp=0
	for p in "$@"; do
		[ -f "$p" ] || continue
		set -- $(resources "$p")
		lut=$((lut + $1)) ff=$((ff + $2)) b18=$((b18 + $3)) uram=$((uram + $4)) dsp=$((dsp + $5))
	done
	echo "$lut $ff $(awk -v h="$b18" 'BEGIN { printf "%.1f", h / 2 }') $uram $dsp"
}
for p in $parts; do
	if [ ! -f "$p" ] || ! grep -q "Number of cells:" "$p"; then
		note="$note; **no statistics in $p: the figures below leave it out**"
		status=1
	fi
done
set -- $(total $parts)
lut=$1 ff=$2 bram=$3 uram=$4 dsp=$5

pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", 100 * a / b }'
}

echo "## The Alveo kernel: resources per card and timing (Yosys 0.23, estimates)"
echo
echo "\`tools/bench-alveo.sh\`: \`synth_xilinx -family xcup -nowidelut\`, no latches; $note."
echo "LUT counts LUTs as logic and as memory (SRL, LUTRAM); BRAM36 is RAMB36E2 + RAMB18E2 / 2."
echo "Shares are of the whole device (AMD data sheets DS962 U250, DS963 U280, DS978 U55C);"
echo "the platform's shell takes part of it. Vivado's mapping will differ."
echo
if [ "$status" -ne 0 ]; then
	echo "**A synthesis failed (logs in $out/synth): the figures below are incomplete.**"
	echo
fi
what="kernel (RX_ASYNC 0)"
[ "$top" = spisync ] || what="card (spisync_card, 512 bits)"
echo "| | LUT | FF | BRAM36 | URAM | DSP |"
echo "|---|---|---|---|---|---|"
echo "| $what | $lut | $ff | $bram | $uram | $dsp |"
echo "$devices" | while IFS=: read -r card dev dl df db du dd; do
	echo "| share of $card ($dev) | $(pct "$lut" "$dl") | $(pct "$ff" "$df") | $(pct "$bram" "$db") | $(pct "$uram" "$du") | $(pct "$dsp" "$dd") |"
done
if [ -n "$fifos" ]; then
	set -- $(total $fifos)
	echo "| RX_ASYNC 1 adds: the two FIFOs (RX 512 x 512 bits, frame mode; TX 64) | $1 | $2 | $3 | $4 | $5 |"
fi
echo

# ---- timing per block -------------------------------------------------------------

[ -n "$blocks" ] || exit 0
worst_ps() {
	sed -n "s/^Latest arrival time in '$2' is \([0-9]*\):.*/\1/p" "$1" | tail -1
}
kps=$(awk -v f="$kernel_mhz" 'BEGIN { printf "%.0f", 1e6 / f }')
cps=$(awk -v f="$cmac_mhz" 'BEGIN { printf "%.0f", 1e6 / f }')
echo "Worst path per block (Yosys \`sta\`: from a register or input to a register or output, cell delays only, no routing), each block"
echo "alone, flattened, SRL extraction off, at the card's 512-bit parameters. Period: $kps ps at $kernel_mhz MHz"
echo "(ap_clk: the whole card), $cps ps at $cmac_mhz MHz (ap_clk_2: the FIFOs' write side). Routing"
echo "typically adds as much again: a block near or above 0.5 of the period deserves a look in Vivado."
echo
echo "| block | parameters | worst path (ps) | / $kernel_mhz MHz period | / $cmac_mhz MHz period | Fmax estimate (MHz) | Yosys time |"
echo "|---|---|---|---|---|---|---|"
for b in $blocks; do
	src=$root/hw/rtl/$b.v
	[ -f "$src" ] || continue
	params=""
	case "$b" in
	aes_enc_pipe) params="STATES=1" ;;
	axis_async_fifo) params="DATA_WIDTH=512" ;;
	card_regs) params="DATA_WIDTH=512" ;;
	*) grep -q "parameter integer BYTES\b" "$src" && params="BYTES=64" ;;
	esac
	log=$out/sta/$b.log
	if ! fresh "$log" || ! grep -q "^Latest arrival time in '$b'" "$log"; then
		{
			echo "read_verilog -sv -I$root/hw/gen -I$root/hw/rtl $(ls "$root"/hw/rtl/*.v | tr '\n' ' ')"
			for p in $params; do
				echo "chparam -set ${p%%=*} ${p#*=} $b"
			done
			echo "synth_xilinx -family xcup -nowidelut -noiopad -nosrl -flatten -top $b"
			echo "read_verilog -lib -specify +/xilinx/cells_sim.v"
			echo "sta"
		} >"$out/sta/$b.ys"
		start=$(date +%s)
		if ! "$yosys" -q -l "$log" -s "$out/sta/$b.ys" >/dev/null 2>&1; then
			echo "| $b | ${params:-defaults} | failed, see $log | | | | |"
			continue
		fi
		took="$(( $(date +%s) - start )) s"
	else
		took="reused"
	fi
	ps=$(worst_ps "$log" "$b")
	if [ -z "$ps" ] || [ "$ps" -le 0 ]; then
		echo "| $b | ${params:-defaults} | no register path reported | | | | $took |"
		continue
	fi
	awk -v b="$b" -v p="${params:-defaults}" -v ps="$ps" -v k="$kps" -v c="$cps" -v t="$took" 'BEGIN {
		printf "| %s | %s | %d | %.2f | %.2f | %.0f | %s |\n", b, p, ps, ps / k, ps / c, 1e6 / ps, t }'
done
echo
