#!/bin/sh
# spisync -- cross-check of the card against Wireshark's own ESP
# decryption: the OUT.pcap of a replay decodes in tshark, and tshark's
# decryption of IN.pcap (same esp_sa file) agrees with the card's output.
#
#   tests/sim/tshark_check.sh [SPISYNC_SIM [MKPCAP]]
#       SEED=N     replay a run (default: from the clock, printed)
#       FRAMES=N   frames per run (default 400)
#       TSHARK=P   the tshark to use (default: tshark on PATH)
#
# For each width (512, 128) and encapsulation (ESP over IP, UDP 4500 with
# spisync-sim --natt), mkpcap --l4-mix writes IN.pcap and its esp_sa file:
# three SAs (IPv4 AES-128 ICV 16, IPv6 AES-256 ICV 12, IPv4 AES-256 ICV 8),
# tunnel mode with inner IPv4 and IPv6 packets and transport mode, each
# carrying UDP, TCP or ICMP; frames the card must drop (bad ICV, replays,
# unknown SPIs and destinations, reserved SPIs, NEXT HEADER 59) and frames
# it passes (ARP, IKE, NAT-T keepalives, other UDP, fragments, 802.1Q).
# spisync-sim replays it through the card; tests/sim/tshark_compare.py
# decrypts IN.pcap with tshark and checks every output frame against it
# (what is compared, and how, is described there).
#
# Negative controls, so a broken compare cannot pass unnoticed: the same
# compare must fail on a copy of the first run's OUT.pcap with one byte
# flipped, and on the output of a replay where the card got a wrong key
# for one SA.
#
# Frames are sent with --gap 2 as in replay_smoke.sh: back to back, a
# long run of frames that each need a realignment clock may overrun the
# input at 128 bits (TAIL_DROP, datapath.md 6), which tshark knows nothing
# of.
set -u

SIM=${1:-build/bin/spisync-sim}
MKPCAP=${2:-build/tests/mkpcap}
SEED=${SEED:-$(date +%s)}
FRAMES=${FRAMES:-400}
TSHARK=${TSHARK:-tshark}
COMPARE="$(dirname "$0")/tshark_compare.py"

for b in "$SIM" "$MKPCAP"; do
	if [ ! -x "$b" ]; then
		echo "tshark_check: $b is not built" >&2
		exit 1
	fi
done
for t in "$TSHARK" python3; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "tshark_check: $t not found (make deps installs it)" >&2
		exit 1
	fi
done
if [ ! -r "$COMPARE" ]; then
	echo "tshark_check: $COMPARE is missing" >&2
	exit 1
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/tshark_check.XXXXXX") || exit 1
trap 'rm -rf "$DIR"' EXIT INT TERM
failures=0
runs=0
echo "tshark_check: $SIM, $("$TSHARK" --version 2>/dev/null | head -1)," \
    "seed $SEED (SEED=$SEED to replay)"

fail() {
	echo "tshark_check: FAIL ($1)" >&2
	if [ -n "${2:-}" ] && [ -s "$2" ]; then
		cat "$2" >&2
	fi
	failures=$((failures + 1))
}

# compare D NAME [OUT] [--natt]: tshark_compare.py over run directory D
# shellcheck disable=SC2086
compare() {
	python3 "$COMPARE" --tshark "$TSHARK" --cache "$DIR/cache" \
	    --esp-sa "$1/esp_sa" --in "$1/in.pcap" --out "$3" --label "$2" $4
}

# run WIDTH NATT: one replay and its compare; 0 if they agree
run() {
	name="width $1${2:+ NAT-T}"
	D="$DIR/w$1$2"
	mkdir "$D" || return 1
	runs=$((runs + 1))
	# shellcheck disable=SC2086
	if ! "$MKPCAP" --dir "$D" --seed "$SEED" --frames "$FRAMES" \
	    --l4-mix $2 >"$D/mkpcap.log" 2>&1; then
		fail "$name: mkpcap" "$D/mkpcap.log"
		return 1
	fi
	# shellcheck disable=SC2086
	if ! "$SIM" --esp-sa "$D/esp_sa" --in "$D/in.pcap" --out "$D/out.pcap" \
	    --width "$1" --gap 2 $2 2>"$D/sim.log"; then
		fail "$name: spisync-sim" "$D/sim.log"
		return 1
	fi
	if ! compare "$D" "$name" "$D/out.pcap" "$2"; then
		fail "$name: the card and tshark disagree (above)"
		return 1
	fi
	return 0
}

# negative NAME D OUT: the compare must find a disagreement (status 1)
negative() {
	compare "$2" "negative control" "$3" "" >"$2/negative.log" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ]; then
		echo "tshark_check: negative control ($1): detected" \
		    "($(grep -o 'FAIL: [0-9]* disagreements' "$2/negative.log" |
		    cut -d' ' -f2) disagreements)"
	elif [ "$rc" -eq 0 ]; then
		fail "negative control ($1): the compare did not notice" \
		    "$2/negative.log"
	else
		fail "negative control ($1): the compare failed to run" \
		    "$2/negative.log"
	fi
}

first_ok=0
for width in 512 128; do
	for natt in "" "--natt"; do
		if run "$width" "$natt" && [ "$width$natt" = 512 ]; then
			first_ok=1
		fi
	done
done

# The negative controls reuse the first run (512 bits, ESP over IP).
D="$DIR/w512"
if [ "$first_ok" -eq 1 ]; then
	if python3 "$COMPARE" --corrupt-copy "$D/out.pcap" "$D/bad.pcap" \
	    >"$D/corrupt.log" 2>&1; then
		negative "one byte flipped: $(sed 's/.*: frame/frame/' \
		    "$D/corrupt.log")" "$D" "$D/bad.pcap"
	else
		fail "negative control: cannot corrupt a copy" "$D/corrupt.log"
	fi
	if python3 "$COMPARE" --wrong-key-copy "$D/esp_sa" "$D/esp_sa.wrong" \
	    >"$D/wrongkey.log" 2>&1 &&
	    "$SIM" --esp-sa "$D/esp_sa.wrong" --in "$D/in.pcap" \
	    --out "$D/out_wrong.pcap" --width 512 --gap 2 \
	    2>>"$D/wrongkey.log"; then
		negative "the card got a wrong key: $(sed 's/.*: key/key/' \
		    "$D/wrongkey.log" | head -1)" "$D" "$D/out_wrong.pcap"
	else
		fail "negative control: wrong-key replay" "$D/wrongkey.log"
	fi
else
	fail "negative controls skipped: the first run did not pass"
fi

if [ "$failures" -ne 0 ]; then
	echo "tshark_check: $failures failures in $runs runs and the" \
	    "negative controls (seed $SEED)" >&2
	exit 1
fi
echo "tshark_check: ok: $runs runs agree with tshark, negative controls" \
    "detected (seed $SEED)"
