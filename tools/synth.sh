#!/bin/sh
# spisync -- Yosys 0.23 synthesis of the AES-GCM core for UltraScale+
# (synth_xilinx -family xcup -nowidelut: the default wide-LUT mapping inflates
# LUT counts about 3.6x). Fails on any error, any latch or any problem
# reported by `check`.
#
# usage: tools/synth.sh OUTDIR [--sta] LANES...
#   --sta  instead, a timing run: Yosys `sta` gives the worst register-to-
#          register path in ps (Yosys' xcup cell delays, no routing). `sta`
#          only sees inside one flat module, so the core is flattened except
#          for aes_round and aes_sbox (flattening 40+ AES rounds makes ABC
#          run for an hour); the AES round path is timed in a second run of
#          aes_enc_pipe alone, flattened. The worst of the two is reported.
#          SRL extraction is off for timing: an SRL16E's clock-to-out (about
#          1.5 ns in Yosys' model) would start paths that Vivado closes by
#          keeping a flip-flop after the SRL (see docs/gcm-core.md).
# Writes OUTDIR/gcm_lN.log and one summary line per LANES value on stdout.
set -eu

out=$1
shift
sta=0
if [ "${1:-}" = "--sta" ]; then
	sta=1
	shift
fi
yosys=${YOSYS:-yosys}
root=$(cd "$(dirname "$0")/.." && pwd)
srcs=$(ls "$root"/hw/rtl/*.v | tr '\n' ' ')
mkdir -p "$out"

# sum the given cell types from the last `stat` of a log
cells() {
	log=$1
	shift
	awk -v types="$*" '
		BEGIN { n = split(types, t, " "); for (i = 1; i <= n; i++) want[t[i]] = 1 }
		/=== design hierarchy ===/ { sum = 0; seen = 0; inside = 1; next }
		inside && /Estimated number of LCs|^$/ && seen { inside = 0 }
		inside && ($1 in want) { sum += $2; seen = 1 }
		END { print sum + 0 }' "$log"
}

# worst arrival time `sta` reports for module $2 in log $1 (it reports every
# module it sees, including the ones kept as hierarchy)
worst_ps() {
	sed -n "s/^Latest arrival time in '$2' is \([0-9]*\):.*/\1/p" "$1" | tail -1
}

run_yosys() {
	log=$1
	ys=$2
	if ! "$yosys" -q -l "$log" -s "$ys" >/dev/null 2>&1; then
		echo "synth: FAILED (see $log)"
		grep -E "ERROR|Assert" "$log" | head -5
		exit 1
	fi
}

aes_ps=0
if [ $sta -eq 1 ]; then
	# the AES round path: one state lane of the pipeline, flattened
	log=$out/aes_pipe_sta.log
	{
		echo "read_verilog -sv -I$root/hw/gen -I$root/hw/rtl $srcs"
		echo "chparam -set STATES 1 aes_enc_pipe"
		echo "synth_xilinx -family xcup -nowidelut -noiopad -nosrl -flatten -top aes_enc_pipe"
		echo "read_verilog -lib -specify +/xilinx/cells_sim.v"
		echo "sta"
	} >"$out/aes_pipe_sta.ys"
	run_yosys "$log" "$out/aes_pipe_sta.ys"
	aes_ps=$(worst_ps "$log" aes_enc_pipe)
fi

synth_one() {
	lanes=$1
	case "$lanes" in
	card*)
		# the whole card at DATA_WIDTH ${lanes#card}, hierarchical
		width=${lanes#card}
		log=$out/card_w$width.log
		ys=$out/card_w$width.ys
		{
			echo "read_verilog -sv -I$root/hw/gen -I$root/hw/rtl $srcs"
			echo "chparam -set DATA_WIDTH $width spisync_card"
			echo "synth_xilinx -family xcup -nowidelut -noiopad -top spisync_card"
			echo "check -assert"
			echo "select -assert-none t:LDCE t:LDPE t:LDCPE t:\$_DLATCH_*_ t:\$dlatch"
			echo "stat"
		} >"$ys"
		start=$(date +%s)
		run_yosys "$log" "$ys"
		echo "synth card DATA_WIDTH=$width: LUT $(cells "$log" LUT1 LUT2 LUT3 LUT4 LUT5 LUT6)" \
			"FF $(cells "$log" FDRE FDSE FDCE FDPE) SRL $(cells "$log" SRL16E SRLC32E)" \
			"LUTRAM $(cells "$log" RAM32M RAM64M RAM32X1D RAM64X1D RAM128X1D RAM256X1S RAM32M16 RAM64M8)" \
			"BRAM36 $(cells "$log" RAMB36E2) BRAM18 $(cells "$log" RAMB18E2) URAM $(cells "$log" URAM288)" \
			"DSP $(cells "$log" DSP48E2) latches 0 ($(( $(date +%s) - start )) s)"
		return 0
		;;
	esac
	log=$out/gcm_l$lanes.log
	ys=$out/gcm_l$lanes.ys
	{
		echo "read_verilog -sv -I$root/hw/gen -I$root/hw/rtl $srcs"
		echo "chparam -set LANES $lanes aes_gcm_dec"
		if [ $sta -eq 1 ]; then
			echo "hierarchy -top aes_gcm_dec"
			echo "setattr -mod -set keep_hierarchy 1 aes_round aes_sbox"
			echo "synth_xilinx -family xcup -nowidelut -noiopad -nosrl -flatten -top aes_gcm_dec"
		else
			echo "synth_xilinx -family xcup -nowidelut -noiopad -top aes_gcm_dec"
		fi
		echo "check -assert"
		echo "select -assert-none t:LDCE t:LDPE t:LDCPE t:\$_DLATCH_*_ t:\$dlatch"
		echo "stat"
		if [ $sta -eq 1 ]; then
			echo "read_verilog -lib -specify +/xilinx/cells_sim.v"
			echo "sta"
		fi
	} >"$ys"
	start=$(date +%s)
	run_yosys "$log" "$ys"
	luts=$(cells "$log" LUT1 LUT2 LUT3 LUT4 LUT5 LUT6)
	ffs=$(cells "$log" FDRE FDSE FDCE FDPE)
	srls=$(cells "$log" SRL16E SRLC32E)
	brams=$(cells "$log" RAMB18E2 RAMB36E2)
	line="synth LANES=$lanes: LUT $luts FF $ffs SRL $srls BRAM $brams latches 0"
	if [ $sta -eq 1 ]; then
		ps=$(worst_ps "$log" aes_gcm_dec)
		[ "$aes_ps" -gt "$ps" ] && ps=$aes_ps
		line="$line worst_path_ps $ps (GHASH and control $(worst_ps "$log" aes_gcm_dec), AES round and key step $aes_ps)"
	fi
	echo "$line ($(( $(date +%s) - start )) s)"
}

# Each configuration is its own Yosys process: with more than one and
# SYNTH_JOBS > 1 (default 2, the machine's cores) they run side by side
# (Yosys is single-threaded), the lines still printed in argument order.
jobs=${SYNTH_JOBS:-2}
if [ "$jobs" -gt 1 ] && [ $# -gt 1 ]; then
	pids=""
	for lanes in "$@"; do
		synth_one "$lanes" >"$out/summary_$lanes.txt" 2>&1 &
		pids="$pids $!"
	done
	rc=0
	for p in $pids; do
		wait "$p" || rc=1
	done
	for lanes in "$@"; do
		cat "$out/summary_$lanes.txt"
	done
	exit $rc
fi
for lanes in "$@"; do
	synth_one "$lanes"
done
