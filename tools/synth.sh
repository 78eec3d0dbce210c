#!/bin/sh
# spisync -- Yosys 0.23 synthesis of the AES-GCM core for UltraScale+
# (synth_xilinx -family xcup -nowidelut: the default wide-LUT mapping inflates
# LUT counts about 3.6x). Fails on any error, any latch or any problem
# reported by `check`.
#
# usage: tools/synth.sh OUTDIR [--sta] LANES...
#   --sta  also run Yosys `sta` on the flattened netlist (worst register-to-
#          register path in ps, cell delays only, no routing). For that run
#          SRL extraction is off: an SRL16E's clock-to-out (about 1.5 ns in
#          Yosys' model) would otherwise start paths that Vivado closes by
#          keeping a flip-flop after the SRL (see docs/bench.md).
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

for lanes in "$@"; do
	log=$out/gcm_l$lanes.log
	ys=$out/gcm_l$lanes.ys
	{
		echo "read_verilog -sv $srcs"
		echo "chparam -set LANES $lanes aes_gcm_dec"
		if [ $sta -eq 1 ]; then
			echo "synth_xilinx -family xcup -nowidelut -noiopad -nosrl -top aes_gcm_dec"
		else
			echo "synth_xilinx -family xcup -nowidelut -noiopad -top aes_gcm_dec"
		fi
		echo "check -assert"
		echo "select -assert-none t:LDCE t:LDPE t:LDCPE t:\$_DLATCH_*_ t:\$dlatch"
		echo "stat"
		if [ $sta -eq 1 ]; then
			echo "read_verilog -lib -specify +/xilinx/cells_sim.v"
			echo "flatten"
			echo "sta"
		fi
	} >"$ys"
	start=$(date +%s)
	if ! "$yosys" -q -l "$log" -s "$ys" >/dev/null 2>&1; then
		echo "synth LANES=$lanes: FAILED (see $log)"
		grep -E "ERROR|Assert" "$log" | head -5
		exit 1
	fi
	luts=$(cells "$log" LUT1 LUT2 LUT3 LUT4 LUT5 LUT6)
	ffs=$(cells "$log" FDRE FDSE FDCE FDPE)
	srls=$(cells "$log" SRL16E SRLC32E)
	brams=$(cells "$log" RAMB18E2 RAMB36E2)
	line="synth LANES=$lanes: LUT $luts FF $ffs SRL $srls BRAM $brams latches 0"
	if [ $sta -eq 1 ]; then
		ps=$(sed -n "s/^Latest arrival time in 'aes_gcm_dec' is \([0-9]*\):.*/\1/p" "$log" | tail -1)
		line="$line worst_path_ps $ps"
	fi
	echo "$line ($(( $(date +%s) - start )) s)"
done
