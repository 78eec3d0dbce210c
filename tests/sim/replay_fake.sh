#!/bin/sh
# spisync -- spisync-sim over the fake card model (tests/unit/fake_card_sim.c):
# the tool's own behaviour without the Verilated card. The fake returns every
# frame unchanged except those FAKE_CARD_DROP_EVERY picks, which it drops as
# SA misses with an event record; mkpcap --check --fake-drop-every knows that.
#
#   tests/sim/replay_fake.sh [SPISYNC_SIM_FAKE [MKPCAP]]
#
# Checks: outputs (frames, RX_SEQ -> input timestamps also past the 16-bit
# wrap, counters JSON, events JSON), and that bad options, a bad SA table or
# a bad capture give a clear message, the documented exit status and no
# output file (old results are left alone, no FILE.tmp stays behind).
set -u

SIM=${1:-build/tests/spisync-sim-fake}
MKPCAP=${2:-build/tests/mkpcap}
SEED=${SEED:-$(date +%s)}

for b in "$SIM" "$MKPCAP"; do
	if [ ! -x "$b" ]; then
		echo "replay_fake: $b is not built" >&2
		exit 1
	fi
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/replay_fake.XXXXXX") || exit 1
trap 'rm -rf "$DIR"' EXIT INT TERM
failures=0
echo "replay_fake: seed $SEED (SEED=$SEED to replay)"

fail() {
	echo "replay_fake: FAIL: $*" >&2
	failures=$((failures + 1))
}

# run EXPECTED_STATUS MESSAGE_PART ARGS...: exit status and stderr checked
run() {
	want=$1
	part=$2
	shift 2
	"$SIM" "$@" >"$DIR/stdout" 2>"$DIR/stderr"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "spisync-sim $*: exit $got, expected $want"
		sed 's/^/    /' "$DIR/stderr" >&2
	elif [ -n "$part" ] && ! grep -q -- "$part" "$DIR/stderr"; then
		fail "spisync-sim $*: no \"$part\" in:"
		sed 's/^/    /' "$DIR/stderr" >&2
	fi
}

no_outputs() {
	for f in "$@"; do
		[ -e "$f" ] && fail "$f exists after a failed run"
		[ -e "$f.tmp" ] && fail "$f.tmp left behind"
	done
	return 0
}

G="$DIR/gen"
mkdir "$G"
"$MKPCAP" --dir "$G" --seed "$SEED" --frames 400 >/dev/null || {
	echo "replay_fake: mkpcap failed" >&2
	exit 1
}
OUTS="$G/out.pcap $G/counters.json $G/events.json"

# 1. everything delivered: out.pcap is in.pcap (same frames, same stamps)
run 0 "400 frames in, 400 delivered, 0 dropped" --esp-sa "$G/esp_sa" \
	--in "$G/in.pcap" --out "$G/out.pcap" --counters-json "$G/counters.json" \
	--events-json "$G/events.json"
cmp -s "$G/in.pcap" "$G/out.pcap" || fail "out.pcap differs from in.pcap"
"$MKPCAP" --dir "$G" --seed "$SEED" --frames 400 --check \
	--fake-drop-every 0 >/dev/null || fail "mkpcap --check (no drops)"
for f in $OUTS; do [ -e "$f.tmp" ] && fail "$f.tmp left behind"; done

# 2. every 7th frame dropped with an event, 128-bit card, a gap
rm -f $OUTS
FAKE_CARD_DROP_EVERY=7 run 0 "400 frames in, 343 delivered, 57 dropped" \
	--esp-sa "$G/esp_sa" --in "$G/in.pcap" --out "$G/out.pcap" \
	--counters-json "$G/counters.json" --events-json "$G/events.json" \
	--width 128 --gap 3
"$MKPCAP" --dir "$G" --seed "$SEED" --frames 400 --check \
	--fake-drop-every 7 >/dev/null || fail "mkpcap --check --fake-drop-every 7"

# 3. past 65536 arrivals: RX_SEQ wraps, timestamps must still map back
W="$DIR/wrap"
mkdir "$W"
"$MKPCAP" --dir "$W" --seed "$SEED" --frames 70000 --tiny >/dev/null || fail "mkpcap 70000"
FAKE_CARD_DROP_EVERY=5000 run 0 "70000 frames in, 69986 delivered, 14 dropped" \
	--esp-sa "$W/esp_sa" --in "$W/in.pcap" --out "$W/out.pcap" \
	--counters-json "$W/counters.json" --events-json "$W/events.json"
"$MKPCAP" --dir "$W" --seed "$SEED" --frames 70000 --tiny --check \
	--fake-drop-every 5000 >/dev/null || fail "mkpcap --check, 70000 frames"
rm -rf "$W"

# 4. snapped records are skipped with a warning and take no arrival number
if command -v editcap >/dev/null 2>&1; then
	editcap -F pcap -s 100 "$G/in.pcap" "$DIR/snapped.pcap" >/dev/null 2>&1
	run 0 "skipped" --esp-sa "$G/esp_sa" --in "$DIR/snapped.pcap" \
		--out "$DIR/snapped_out.pcap"
	# the first record longer than the snapshot length (seed dependent)
	first=$(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off + 16 <= len(d):
    n += 1
    incl, orig = struct.unpack_from("<II", d, off + 8)
    if orig > 100:
        print(n)
        break
    off += 16 + incl
' "$G/in.pcap")
	[ -n "$first" ] || fail "no record longer than 100 bytes to snap"
	grep -q "warning: .*record $first .*skipped: captured only in part" "$DIR/stderr" ||
		fail "no warning for the snapped record $first"
	[ -e "$DIR/snapped_out.pcap" ] || fail "no output after skipped records"
else
	echo "replay_fake: editcap not found: snapped-record case not run"
fi

# 5. bad options: status 2, nothing written
rm -f $OUTS
run 2 "required" --in "$G/in.pcap" --out "$G/out.pcap"
run 2 "width" --esp-sa "$G/esp_sa" --in "$G/in.pcap" --out "$G/out.pcap" --width 256
run 2 "gap" --esp-sa "$G/esp_sa" --in "$G/in.pcap" --out "$G/out.pcap" --gap -1
run 2 "named for two files" --esp-sa "$G/esp_sa" --in "$G/in.pcap" --out "$G/in.pcap"
run 2 "unexpected argument" --esp-sa "$G/esp_sa" --in "$G/in.pcap" --out "$G/out.pcap" extra
run 2 "" --esp-sa "$G/esp_sa" --in "$G/in.pcap" --out "$G/out.pcap" --bogus
no_outputs $OUTS
run 0 "" --help
grep -q "usage" "$DIR/stdout" || fail "--help prints no usage on stdout"

# 6. SA table errors: status 2, FILE:LINE: reason
printf '"IPv4","*","*","0x1000","AES-GCM with 16 octet ICV [RFC4106]","0x000102030405060708090a0b0c0d0e0fa0a1a2a3","NULL",""\n' >"$DIR/wild_sa"
run 2 "$DIR/wild_sa:1: Dest IP must be one address" --esp-sa "$DIR/wild_sa" \
	--in "$G/in.pcap" --out "$G/out.pcap" --counters-json "$G/counters.json"
no_outputs $OUTS
{ cat "$G/esp_sa"; sed -n 2p "$G/esp_sa"; } >"$DIR/dup_sa"
run 2 "$DIR/dup_sa:5: SPI 0x0a000001: cannot install it on the card: SPI already installed" \
	--esp-sa "$DIR/dup_sa" --in "$G/in.pcap" --out "$G/out.pcap"
no_outputs $OUTS
run 2 "$DIR/no_such_sa" --esp-sa "$DIR/no_such_sa" --in "$G/in.pcap" --out "$G/out.pcap"
printf '"IPv4","*","10.0.0.1","0x1000","AES-CBC [RFC3602]","0x00","NULL",""\n' >"$DIR/cbc_sa"
run 2 "$DIR/cbc_sa:1:" --esp-sa "$DIR/cbc_sa" --in "$G/in.pcap" --out "$G/out.pcap"
no_outputs $OUTS

# 7. bad captures: status 1, no output, an old result left as it was
echo "old result" >"$G/out.pcap"
printf 'not a capture\n' >"$DIR/garbage.pcap"
run 1 "$DIR/garbage.pcap" --esp-sa "$G/esp_sa" --in "$DIR/garbage.pcap" \
	--out "$G/out.pcap" --events-json "$G/events.json"
run 1 "$DIR/missing.pcap" --esp-sa "$G/esp_sa" --in "$DIR/missing.pcap" --out "$G/out.pcap"
size=$(wc -c <"$G/in.pcap")
head -c $((size - 100)) "$G/in.pcap" >"$DIR/cut.pcap"
FAKE_CARD_DROP_EVERY=3 run 1 "$DIR/cut.pcap: after record" --esp-sa "$G/esp_sa" \
	--in "$DIR/cut.pcap" --out "$G/out.pcap" \
	--counters-json "$G/counters.json" --events-json "$G/events.json"
[ "$(cat "$G/out.pcap")" = "old result" ] || fail "old out.pcap was touched"
no_outputs "$G/counters.json" "$G/events.json"
[ -e "$G/out.pcap.tmp" ] && fail "out.pcap.tmp left behind"
if command -v editcap >/dev/null 2>&1; then
	editcap -F pcap -T rawip "$G/in.pcap" "$DIR/raw.pcap" >/dev/null 2>&1
	run 1 "DLT_EN10MB" --esp-sa "$G/esp_sa" --in "$DIR/raw.pcap" --out "$DIR/raw_out.pcap"
	no_outputs "$DIR/raw_out.pcap"
fi

# 8. the card model reports a protocol violation: status 1, no results
FAKE_CARD_PROTOCOL_ERROR=1 run 1 "protocol violation" --esp-sa "$G/esp_sa" \
	--in "$G/in.pcap" --out "$G/out.pcap" --counters-json "$G/counters.json"
[ "$(cat "$G/out.pcap")" = "old result" ] || fail "old out.pcap was touched"
no_outputs "$G/counters.json"

# 9. an output that cannot be written: status 1, the others removed
rm -f "$G/out.pcap"
run 1 "$DIR/no/such/dir/events.json.tmp" --esp-sa "$G/esp_sa" --in "$G/in.pcap" \
	--out "$G/out.pcap" --events-json "$DIR/no/such/dir/events.json"
no_outputs "$G/out.pcap"

if [ "$failures" -ne 0 ]; then
	echo "replay_fake: $failures failures (seed $SEED)" >&2
	exit 1
fi
echo "replay_fake: ok"
