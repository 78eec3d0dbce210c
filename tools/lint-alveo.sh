#!/bin/sh
# spisync -- lint of the Alveo kernel top hw/alveo/spisync.v, with the card
# and every hw/rtl module under it.
#
#   tools/lint-alveo.sh              verilator --lint-only -Wall, RX_ASYNC = 0
#                                    and 1 (two runs side by side); any
#                                    warning fails
#   tools/lint-alveo.sh --yosys DIR  Yosys 0.23 reads and elaborates the
#                                    wrapper, the FIFOs and the arbiter (the
#                                    card and the controller as black boxes of
#                                    their ports: their own syntheses are
#                                    tools/synth.sh's and make cpu-synth's),
#                                    for RX_ASYNC = 0 and
#                                    1: hierarchy -check, proc, check -assert,
#                                    no latch, the X_INTERFACE_* packaging
#                                    attributes kept on the 4 clock/reset
#                                    ports. Logs in DIR. A few seconds.
set -eu

verilator=${VERILATOR:-verilator}
yosys=${YOSYS:-yosys}
top=spisync

if [ "${1:-}" = "--yosys" ]; then
	out=${2:?usage: tools/lint-alveo.sh --yosys OUTDIR}
	mkdir -p "$out"
	for rx in 0 1; do
		log=$out/yosys_rx_async$rx.log
		if ! "$yosys" -q -l "$log" -p "
			read_verilog -lib -Ihw/gen -Ihw/rtl hw/rtl/spisync_card.v hw/cpu/ctl_cpu.v;
			read_verilog -Ihw/gen -Ihw/rtl hw/rtl/axis_async_fifo.v hw/cpu/axil_arb.v hw/cpu/ctl_port.v hw/alveo/spisync.v;
			chparam -set RX_ASYNC $rx $top;
			hierarchy -check -top $top;
			proc;
			select -assert-none t:\$dlatch t:\$adlatch t:\$_DLATCH_*_;
			opt_clean; check -assert;
			select -assert-count 4 $top/a:X_INTERFACE_INFO;
			select -assert-count 1 $top/t:spisync_card;
			select -assert-count 1 $top/t:*ctl_port*;
			select -assert-count 1 *ctl_port*/t:ctl_cpu" >/dev/null 2>&1; then
			echo "lint-alveo: Yosys FAILED for RX_ASYNC=$rx (see $log)"
			grep -E "ERROR|Assert|Warning" "$log" | head -5
			exit 1
		fi
		echo "lint-alveo: Yosys read/elaborate of $top RX_ASYNC=$rx: ok"
	done
	exit 0
fi

srcs="$(ls hw/rtl/*.v) $(ls hw/cpu/*.v) $(ls hw/alveo/*.v)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for rx in 0 1; do
	# shellcheck disable=SC2086
	( if "$verilator" --lint-only -Wall -Ihw/gen -Ihw/rtl --top-module $top -GRX_ASYNC=$rx $srcs \
		>"$tmp/rx$rx.log" 2>&1; then echo 0; else echo 1; fi >"$tmp/rx$rx.rc" ) &
done
wait
failed=0
for rx in 0 1; do
	if [ "$(cat "$tmp/rx$rx.rc")" != 0 ] || [ -s "$tmp/rx$rx.log" ]; then
		echo "lint FAIL: $top -GRX_ASYNC=$rx"
		cat "$tmp/rx$rx.log"
		failed=$((failed + 1))
	fi
done
echo "lint-alveo: 2 configurations of $top (RX_ASYNC 0, 1), $failed with warnings"
[ "$failed" -eq 0 ]
