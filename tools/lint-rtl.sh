#!/bin/sh
# spisync -- Verilator --lint-only -Wall over every module in hw/rtl, each as
# its own top, with the parameter sets the product builds. Any warning fails.
# The configurations are independent Verilator runs: LINT_JOBS of them (default
# 2, the machine's cores) run side by side.
set -eu

dir=${1:-hw/rtl}
verilator=${VERILATOR:-verilator}
srcs=$(ls "$dir"/*.v)

# one configuration: "lint FAIL" and Verilator's output on stdout, status 1
if [ "${LINT_ONE:-}" = 1 ]; then
	top=$2
	shift 2
	# shellcheck disable=SC2086
	if ! out=$("$verilator" --lint-only -Wall -Ihw/gen -Ihw/rtl --top-module "$top" "$@" $srcs 2>&1) || [ -n "$out" ]; then
		echo "lint FAIL: $top $*"
		echo "$out"
		exit 1
	fi
	exit 0
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
lint() {
	echo "$*" >>"$list"
}

for f in $srcs; do
	top=$(basename "$f" .v)
	case "$top" in
	aes_gcm_dec)
		for lanes in 1 2 3 4; do
			lint "$top" -GLANES=$lanes -GUSER_WIDTH=32
		done
		;;
	gf128_mac)
		lint "$top" -GN=1
		lint "$top" -GN=4
		;;
	spisync_card)
		# both widths: every card block is linted again inside it with the
		# parameters the card gives it
		lint "$top" -GDATA_WIDTH=512
		lint "$top" -GDATA_WIDTH=128
		lint "$top" -GDATA_WIDTH=512 -GSA_ENTRIES=65536 -GTAG_BUCKETS=32768
		# the smallest and a large event history
		lint "$top" -GDATA_WIDTH=128 -GEVENT_HIST=2
		lint "$top" -GDATA_WIDTH=512 -GEVENT_HIST=4096
		;;
	event_hist)
		# the card's default, the smallest and a large history
		lint "$top"
		lint "$top" -GDEPTH=2
		lint "$top" -GDEPTH=4096
		;;
	flow_filter)
		# the card's default, a tiny and a large table
		lint "$top"
		lint "$top" -GSETS=8
		lint "$top" -GSETS=4096
		;;
	axis_async_fifo)
		# frame mode (RX, the default) and backpressure (TX) at the
		# product's size, and small odd shapes of both
		lint "$top"
		lint "$top" -GFRAME_DROP=0
		lint "$top" -GFRAME_DROP=1 -GDEPTH=16 -GDATA_WIDTH=64 -GUSER_WIDTH=3
		lint "$top" -GFRAME_DROP=0 -GDEPTH=4 -GDATA_WIDTH=8 -GDROP_W=2
		;;
	aes_enc_pipe)
		lint "$top" -GSTATES=1
		lint "$top" -GSTATES=6 -GSIDE_WIDTH=64
		;;
	*)
		lint "$top"
		;;
	esac
done

count=$(wc -l <"$list")
report=$(xargs -P "${LINT_JOBS:-2}" -L 1 env LINT_ONE=1 sh "$0" "$dir" <"$list" || true)
failed=$(printf '%s\n' "$report" | grep -c "^lint FAIL" || true)
[ -n "$report" ] && printf '%s\n' "$report"
echo "lint: $count module configurations, $failed with warnings"
[ "$failed" -eq 0 ]
