#!/bin/sh
# spisync -- `make bench` figures for the whole card (hw/rtl/spisync_card.v):
# frame rates at 512 and 128 bits, throughput against the number of active
# SAs, simulation speed (tests/bench/bench_card.c), and the card's resources
# from Yosys (tools/synth.sh). Measured, never asserted. Prints a markdown
# section on stdout (tools/bench.sh appends it to its report); the raw
# outputs stay in BUILD/bench/card/.
#
# usage: tools/bench-card.sh BUILD
#   BENCH_CARD_SEED    seed of the traffic (default: from the clock)
#   BENCH_CARD_CLOCKS  clocks per run (default: bench_card's, 100000)
#   BENCH_CARD_MAX_SAS SA scaling up to this many SAs (default 65536)
#
# Yosys on the card takes tens of minutes and the SA scaling run (64K SAs
# installed through the simulated AXI4-Lite port) several more; both are
# single-threaded, so they run side by side.
set -eu

build=${1:-build}
clock_mhz=322.265625
out=$build/bench/card
bench=$build/bench/bench_card
seed=${BENCH_CARD_SEED:-$(date +%s)}
clocks_arg=
if [ -n "${BENCH_CARD_CLOCKS:-}" ]; then
	clocks_arg="--clocks $BENCH_CARD_CLOCKS"
fi
sas_arg="--max-sas ${BENCH_CARD_MAX_SAS:-65536}"
mkdir -p "$out"

# SA scaling and Yosys in the background, the frame-rate tables meanwhile
"$bench" --sas $sas_arg --seed "$seed" --clock-mhz "$clock_mhz" $clocks_arg \
	>"$out/sas.md" 2>"$out/sas.err" &
sas_pid=$!
tools/synth.sh "$out/synth" card512 card128 >"$out/synth.txt" 2>&1 &
synth_pid=$!

rates_ok=0
"$bench" --width 512 --width 128 --seed "$seed" --clock-mhz "$clock_mhz" $clocks_arg \
	>"$out/rates.md" 2>"$out/rates.err" || rates_ok=$?
sas_ok=0
wait "$sas_pid" || sas_ok=$?
synth_ok=0
wait "$synth_pid" || synth_ok=$?

# the resource line of one width, as a table row
synth_row() {
	line=$(grep "^synth card DATA_WIDTH=$1:" "$out/synth.txt" || true)
	if [ -z "$line" ]; then
		echo "| $1 | synthesis failed, see $out/synth | | | | | | | | | |"
		return
	fi
	set -- $line
	# synth card DATA_WIDTH=W: LUT n FF n SRL n LUTRAM n BRAM36 n BRAM18 n URAM n DSP n latches 0 (T s)
	echo "| ${3%:} | $5 | $7 | $9 | ${11} | ${13} | ${15} | ${17} | ${19} | ${21} | ${22#(} s |" |
		sed 's/DATA_WIDTH=//'
}

echo "## The card (hw/rtl/spisync_card.v)"
echo
echo "Whole-card figures from \`tests/bench/bench_card.c\` on the Verilator models (cycle-exact) and from"
echo "Yosys. Traffic: valid ESP-in-IPv4 frames only, AES-GCM with AES-128 and AES-256 SAs alternating,"
echo "frames round-robin over the SAs, sequence numbers in order, host always ready; every frame must"
echo "come out DECRYPTED (counters and every host frame's outcome, SA index and length are checked) or"
echo "be counted as TAIL_DROP, else the row says the figures are meaningless. Frame sizes are on the wire"
echo "with the FCS; the card sees 4 bytes less. An ESP-in-IPv4 frame is always 2 mod 4 bytes long, so"
echo "there is no 64-byte one: the smallest, 66 bytes (transport, ICV 8), is one beat at 512 bits like a"
echo "64-byte frame; at 161 Mpps for one-beat frames the card would be 1.08x the 148.8 Mpps of 64-byte"
echo "line rate. IMIX: the classic 7:4:1 of 64/594/1518-byte frames (IP 40/576/1500), with 66 for 64."
echo
echo "*Back to back*: no idle clock between frames on the wire (faster than any 100GbE link at 512 bits);"
echo "*clocks/frame* is per DECRYPTED frame in the steady state, the card's capacity, and Mpps and Gbit/s"
echo "(frame bytes with FCS) are that capacity at $clock_mhz MHz. *Min gap*: idle clocks after every"
echo "frame that make the back-to-back TAIL_DROP zero. *At 100GbE line rate*: frames spaced as a 100GbE"
echo "link delivers them ((S + 20) x 8 bits each: preamble and inter-frame gap). *x 100G*: capacity over"
echo "100GbE line rate for the same frames."
echo
if [ "$rates_ok" -ne 0 ]; then
	echo "**bench_card (frame rates) failed with status $rates_ok:**"
	echo
	sed 's/^/    /' "$out/rates.err"
	echo
fi
cat "$out/rates.md"
echo "### Throughput against active SAs"
echo
if [ "$sas_ok" -ne 0 ]; then
	echo "**bench_card --sas failed with status $sas_ok:**"
	echo
	sed 's/^/    /' "$out/sas.err"
	echo
fi
cat "$out/sas.md"
echo "### Resources: Yosys 0.23, synth_xilinx -family xcup -nowidelut, spisync_card"
echo
echo "Default sizes (SA_ENTRIES 4096, TAG_BUCKETS 2048), hierarchical, SRL extraction on; no latches."
echo
if [ "$synth_ok" -ne 0 ]; then
	echo "**tools/synth.sh failed with status $synth_ok:**"
	echo
	sed 's/^/    /' "$out/synth.txt"
	echo
fi
echo "| DATA_WIDTH | LUT | FF | SRL | LUTRAM | BRAM36 | BRAM18 | URAM | DSP | latches | Yosys time |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
synth_row 512
synth_row 128
echo
