#!/bin/sh
# spisync -- end to end through the product's own path: `spisync-sim
# --socket` runs the card continuously with its controller; SAs are
# installed with `spisyncctl sa add` (libspisync, the mailbox, the
# firmware's placement); generated traffic (tests/sim/mkpcap.c: valid ESP
# on three SAs, AUTH_FAIL, REPLAY, DUMMY, SA misses of every kind, reserved
# SPIs, ARP, IKE, fragments, ...) is replayed onto the card's wire; then
#   * `spisyncctl --json show drops / show sa / show events` (the card's
#     counters, per-SA statistics and event history) and the frames the card
#     delivered (--out) are checked by mkpcap --check, whose expectations
#     come from docs/datapath.md frame by frame, not from any model;
#   * the event ring, owned through libspisync by tests/e2e/ring_dump (DMA
#     into the driver's memory), must carry the same records;
#   * `sa del` removes an SA and `show sa` no longer lists it.
#
#   tests/e2e/sim_ctl_e2e.sh SIM CTL MKPCAP RING_DUMP [WIDTH]   (SEED=N)
set -u

SIM=$1
CTL=$2
MKPCAP=$3
RING_DUMP=$4
WIDTH=${5:-128}
SEED=${SEED:-$(date +%s)}
FRAMES=${FRAMES:-300}
HERE=$(dirname "$0")

DIR=$(mktemp -d "${TMPDIR:-/tmp}/sim_ctl_e2e.XXXXXX") || exit 1
SOCK=$DIR/sim.sock
DEV=sim:$SOCK
sim_pid=
ring_pid=

cleanup() {
	[ -n "$ring_pid" ] && kill "$ring_pid" 2>/dev/null
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "sim_ctl_e2e: FAIL: $*" >&2
	for f in sim.log ring.log ctl.log; do
		[ -s "$DIR/$f" ] && { echo "--- $f" >&2; tail -20 "$DIR/$f" >&2; }
	done
	exit 1
}

ctl() {
	SPISYNC_STATE_DIR=$DIR/state "$CTL" -d "$DEV" "$@" 2>>"$DIR/ctl.log"
}

echo "sim_ctl_e2e: width $WIDTH, $FRAMES frames, seed $SEED (SEED=$SEED to replay)"
"$MKPCAP" --dir "$DIR" --seed "$SEED" --frames "$FRAMES" >"$DIR/mkpcap.log" 2>&1 ||
	fail "mkpcap: $(cat "$DIR/mkpcap.log")"

# the card: no static SAs, every miss reported (no hold-off, no rate limit,
# no burst records), so each expected event is a record of its own
"$SIM" --socket "$SOCK" --width "$WIDTH" --out "$DIR/out.pcap" --gap 2 \
	--holdoff-ns 0 --event-rate 0 --auth-fail-burst 0 --replay-burst 0 \
	>"$DIR/sim.log" 2>&1 &
sim_pid=$!
i=0
while [ ! -S "$SOCK" ]; do
	kill -0 "$sim_pid" 2>/dev/null || fail "spisync-sim exited"
	i=$((i + 1))
	[ "$i" -gt 1200 ] && fail "spisync-sim did not create $SOCK within 120 s"
	sleep 0.1
done

ctl --json show card >"$DIR/card.json" || fail "show card"

"$RING_DUMP" "$DEV" "$DIR/ring.ready" >"$DIR/ring.jsonl" 2>"$DIR/ring.log" &
ring_pid=$!
i=0
while [ ! -e "$DIR/ring.ready" ]; do
	kill -0 "$ring_pid" 2>/dev/null || fail "ring_dump exited"
	i=$((i + 1))
	[ "$i" -gt 600 ] && fail "ring_dump did not start the ring within 60 s"
	sleep 0.1
done

python3 "$HERE/esp_sa_to_ctl.py" "$DIR/esp_sa" >"$DIR/sa_add.txt" ||
	fail "esp_sa_to_ctl"
n_sa=0
while read -r line; do
	# shellcheck disable=SC2086
	ctl $line >/dev/null || fail "spisyncctl $line"
	n_sa=$((n_sa + 1))
done <"$DIR/sa_add.txt"

python3 "$HERE/simctl.py" "$SOCK" replay "$DIR/in.pcap" >/dev/null || fail "replay"
python3 "$HERE/simctl.py" "$SOCK" drain >/dev/null || fail "drain"

ctl --json show drops >"$DIR/drops.json" || fail "show drops"
ctl --json show sa >"$DIR/sa.json" || fail "show sa"
ctl --json show events >"$DIR/events_hist.json" || fail "show events"
ctl show drops >"$DIR/drops.txt" || fail "show drops (text)"

kill -TERM "$ring_pid"
wait "$ring_pid" || fail "ring_dump"
ring_pid=

# the CLI's view against the scoreboard
python3 "$HERE/ctl_to_replay_json.py" "$DIR/drops.json" "$DIR/sa.json" \
	"$DIR/events_hist.json" "$DIR/ring.jsonl" "$DIR" >"$DIR/conv.log" || fail "ctl_to_replay_json: $(cat "$DIR/conv.log")"
[ -s "$DIR/conv.log" ] && echo "sim_ctl_e2e: $(cat "$DIR/conv.log")"

# sa del: the first SA goes, the others stay
spi=$(sed -n '1s/.* spi \([^ ]*\) .*/\1/p' "$DIR/sa_add.txt")
ctl sa del spi "$spi" >/dev/null || fail "sa del spi $spi"
ctl --json show sa >"$DIR/sa_after.json" || fail "show sa after del"
python3 - "$DIR/sa.json" "$DIR/sa_after.json" "$spi" "$n_sa" <<'PY' || fail "sa del not reflected"
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
spi, n = int(sys.argv[3], 16), int(sys.argv[4])
assert before["installed"] == n, before["installed"]
assert after["installed"] == n - 1, after["installed"]
assert all(int(s["spi"], 16) != spi for s in after["sas"])
assert {s["spi"] for s in after["sas"]} < {s["spi"] for s in before["sas"]}
PY

kill -TERM "$sim_pid"
wait "$sim_pid" || fail "spisync-sim exit status $?"
sim_pid=

"$MKPCAP" --dir "$DIR" --seed "$SEED" --frames "$FRAMES" --check \
	--any-timestamps >"$DIR/check.log" 2>&1 ||
	fail "CLI view vs scoreboard: $(cat "$DIR/check.log")"
echo "sim_ctl_e2e: spisyncctl: $(tail -1 "$DIR/check.log")"

# the ring's records (through libspisync's consumer) against the same
mkdir "$DIR/ring"
cp "$DIR/out.pcap" "$DIR/counters.json" "$DIR/ring/" &&
	cp "$DIR/ring.jsonl" "$DIR/ring/events.json" || fail "copy"
"$MKPCAP" --dir "$DIR/ring" --seed "$SEED" --frames "$FRAMES" --check \
	--any-timestamps >"$DIR/check_ring.log" 2>&1 ||
	fail "event ring vs scoreboard: $(cat "$DIR/check_ring.log")"
echo "sim_ctl_e2e: event ring: $(tail -1 "$DIR/check_ring.log")"
grep -q 'SA_NOT_FOUND_V4' "$DIR/drops.txt" || fail "show drops text lacks the reasons"
echo "sim_ctl_e2e: ok"
