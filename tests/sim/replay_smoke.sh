#!/bin/sh
# spisync -- smoke test of spisync-sim: generated traffic (tests/sim/mkpcap.c:
# valid tunnel and transport ESP on three SAs, AUTH_FAIL, REPLAY, DUMMY, SA
# misses of every kind, reserved SPIs, ARP, IKE, NAT-T keepalives,
# fragments, other UDP, some 802.1Q) through the card at both widths, plain
# and UDP-encapsulated (--natt); every host frame, timestamp, counter,
# per-SA statistic and event record is checked against what
# docs/datapath.md says (mkpcap --check, with the event filter off); then
# the same capture with the card's default event filter, whose records must
# account for every miss (tests/sim/events_account.py).
#
#   tests/sim/replay_smoke.sh [SPISYNC_SIM [MKPCAP]]     (SEED=N to replay)
#
# SPISYNC_SIM defaults to build/bin/spisync-sim (the Verilated card);
# build/tests/spisync-sim-model runs the same over the golden model.
# Frames are sent with --gap 2: back to back, a long run of frames that
# each need a realignment clock may overrun the input at 128 bits
# (datapath.md 6, TAIL_DROP), which the expected results do not allow for.
set -u

SIM=${1:-build/bin/spisync-sim}
MKPCAP=${2:-build/tests/mkpcap}
SEED=${SEED:-$(date +%s)}
FRAMES=${FRAMES:-300}

for b in "$SIM" "$MKPCAP"; do
	if [ ! -x "$b" ]; then
		echo "replay_smoke: $b is not built" >&2
		exit 1
	fi
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/replay_smoke.XXXXXX") || exit 1
trap 'rm -rf "$DIR"' EXIT INT TERM
failures=0
echo "replay_smoke: $SIM, seed $SEED (SEED=$SEED to replay)"

for width in 512 128; do
	for natt in "" "--natt"; do
		name="width $width${natt:+ NAT-T}"
		D="$DIR/w$width$natt"
		mkdir "$D"
		# shellcheck disable=SC2086
		if ! "$MKPCAP" --dir "$D" --seed "$SEED" --frames "$FRAMES" $natt \
		    >"$D/mkpcap.log" 2>&1; then
			echo "replay_smoke: FAIL ($name): mkpcap:" >&2
			cat "$D/mkpcap.log" >&2
			failures=$((failures + 1))
			continue
		fi
		# shellcheck disable=SC2086
		if ! "$SIM" --esp-sa "$D/esp_sa" --in "$D/in.pcap" \
		    --out "$D/out.pcap" --counters-json "$D/counters.json" \
		    --events-json "$D/events.json" --width "$width" --gap 2 \
		    --holdoff-ns 0 --event-rate 0 --auth-fail-burst 0 --replay-burst 0 \
		    $natt 2>"$D/sim.log"; then
			echo "replay_smoke: FAIL ($name): spisync-sim:" >&2
			cat "$D/sim.log" >&2
			failures=$((failures + 1))
			continue
		fi
		echo "replay_smoke: $name: $(tail -1 "$D/sim.log")"
		# shellcheck disable=SC2086
		if ! "$MKPCAP" --dir "$D" --seed "$SEED" --frames "$FRAMES" \
		    $natt --check >"$D/check.log" 2>&1; then
			echo "replay_smoke: FAIL ($name):" >&2
			cat "$D/check.log" >&2
			failures=$((failures + 1))
		fi
		# the same capture with the card's default event filter (1 s
		# hold-off, 100,000 records/s): repeats of a flow are counted in
		# its record, and every miss is still accounted for
		E="$D/filtered"
		mkdir "$E"
		# shellcheck disable=SC2086
		if ! "$SIM" --esp-sa "$D/esp_sa" --in "$D/in.pcap" \
		    --out "$E/out.pcap" --counters-json "$E/counters.json" \
		    --events-json "$E/events.json" --width "$width" --gap 2 \
		    $natt 2>"$E/sim.log" ||
		    ! tests/sim/events_account.py "$E/counters.json" \
		    "$E/events.json" 1000000000 >"$E/account.log" 2>&1; then
			echo "replay_smoke: FAIL ($name, default event filter):" >&2
			cat "$E/sim.log" "$E/account.log" >&2 2>/dev/null
			failures=$((failures + 1))
		else
			echo "replay_smoke: $name, default event filter: $(cat "$E/account.log")"
		fi
	done
done

if [ "$failures" -ne 0 ]; then
	echo "replay_smoke: $failures of 8 runs failed (seed $SEED)" >&2
	exit 1
fi
echo "replay_smoke: ok"
