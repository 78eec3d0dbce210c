#!/bin/sh
# spisync -- `make bench` figures for spisyncd (issue 6): recovery time
# against strongSwan (tests/interop cases 1 and 2 through the simulated
# card, tools/bench_recovery.py), IKE SAs per second of the IKE engine
# (tests/bench/bench_ike.c) and event records per second the daemon
# consumes (tests/bench/bench_recovery_events.c). Measured, never asserted;
# prints a markdown section on stdout.
#
# usage: tools/bench-daemon.sh BUILD
#   BENCH_RECOVERY_RUNS=N  runs of each interop case (default 10; 0 skips)
#   BENCH_DPD=1            also case 1 without spisync, strongSwan's DPD on
#                          (dpd_delay 30s): one run of about 4 minutes
set -eu

build=${1:-build}
runs=${BENCH_RECOVERY_RUNS:-10}

echo "## spisyncd (issue 6)"
echo
echo "### Recovery time against strongSwan"
echo
echo "tests/interop cases 1 and 2, $runs runs each: strongSwan 5.9 (charon, kernel-libipsec) initiates in"
echo "one namespace; spisync-sim --socket --port --tap (128-bit card) and spisyncd (-O2 build,"
echo "stuck_holdoff 2s) in another; 100 datagrams/s through the tunnel. strongSwan's settings are its"
echo "defaults but for what the harness needs (encap, chd=4 log): DPD off (dpd_delay 0), CHILD SA"
echo "rekey_time 1h. *Recovery*: the send time of the first dropped datagram to the arrival of the"
echo "first one decrypted on the new CHILD SA, as the case prints it once traffic is back (*timed*: runs that"
echo "printed it; *passed*: runs that also passed the case's later checks). *Wall*: the series, setup included."
echo
echo "| case | runs | passed | timed | median (s) | worst (s) | every run (s) | wall (s) |"
echo "|---|---|---|---|---|---|---|---|"
if [ "$runs" -gt 0 ]; then
	python3 tools/bench_recovery.py runs "$build/bin/spisync-sim" \
		"$build/bin/spisyncctl" "$build/bin/spisyncd" --runs "$runs" --width 128
else
	echo "| (BENCH_RECOVERY_RUNS=0: not run) | | | | | | | |"
fi
echo
echo "The same desync without spisync. Computed: with strongSwan's default DPD (off) nothing detects"
echo "either fault; the peer keeps sending on the stale SPI until its CHILD SA rekeys: rekey_time 1h"
echo "minus a random part of rand_time (default life_time - rekey_time = 6 min; swanctl.conf(5)), 54 to"
echo "60 minutes after the SA was made (case 2 the same with DPD on: the IKE SA still answers)."
echo "Measured with BENCH_DPD=1 (case 1, the peer with dpd_delay 30s and dpd_action restart,"
echo "strongSwan's default retransmissions: 4 s, base 1.8, 5 tries, 165 s in all):"
echo
echo "| case | dark for (s) | how |"
echo "|---|---|---|"
echo "| 1 and 2 without spisync, DPD off (default) | 3,240 to 3,600 | computed: CHILD SA rekey_time 1h minus up to rand_time 6 min |"
if [ "${BENCH_DPD:-0}" = 1 ]; then
	python3 tools/bench_recovery.py dpd "$build/bin/spisync-sim" \
		"$build/bin/spisyncctl" --width 128 --dpd-delay 30s 2>"$build/bench/dpd.log"
else
	echo "| 1 without spisync, DPD 30s, dpd_action restart | (BENCH_DPD=1 measures it) | |"
fi
echo
echo "### IKE SAs established per second (tests/bench/bench_ike.c)"
echo
echo "The IKE engine's CPU cost alone: two engines (initiator, responder) in one process, messages"
echo "handed over through a queue, no network, no card (SA installs only counted). One handshake:"
echo "IKE_SA_INIT + IKE_AUTH (PSK) with one CHILD SA (aes128gcm16), both sides established; a fresh"
echo "engine pair each time. CPU time of each side's own calls, one core."
echo
echo "| DH | IKE proposal | handshakes | initiator ms CPU | responder ms CPU | initiator /s | responder /s | both in one process /s |"
echo "|---|---|---|---|---|---|---|---|"
"$build/bench/bench_ike" --seconds 2
echo
echo "### Event records per second the daemon consumes (tests/bench/bench_recovery_events.c)"
echo
echo "What spisyncd does per record taken from the ring: spisync_event_decode + recovery_event, and"
echo "recovery_tick when due (flow table, syslog line formatting, flight recorder files, fake IKE"
echo "actions). 1M SA_MISS records at the card's default limit (EVENT_TOKEN_NS 10,000: 100,000"
echo "records/s of card time): a random-SPI flood from 10.0.0.0/8 and one stuck flow from the"
echo "configured peer (a record a second, the hold-off). CPU time, one core."
echo
echo "| flood | records | stuck-flow records | flows at end | evictions | log lines | recovery actions | ns/record | Mrecords/s | x card limit |"
echo "|---|---|---|---|---|---|---|---|---|---|"
"$build/bench/bench_recovery_events"
"$build/bench/bench_recovery_events" --flood-flows 2048
echo
