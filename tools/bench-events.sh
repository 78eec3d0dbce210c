#!/bin/sh
# spisync -- `make bench` figures for the event path (docs/event-ring.md):
# records per second the ring sustains, the latency from a miss on the wire
# to its record in host memory, and the host's cost per record
# (tests/bench/bench_events.c). Measured, never asserted; prints a markdown
# section on stdout.
#
# usage: tools/bench-events.sh BUILD
set -eu

build=${1:-build}
clock_mhz=322.265625
bench=$build/bench/bench_events
seed=${BENCH_EVENTS_SEED:-$(date +%s)}

echo "## Event ring (docs/event-ring.md)"
echo
echo "512-bit card model, seed $seed. *Host latency*: clocks from a write's last handshake to its"
echo "response and its bytes landing in host memory (a PCIe round trip is about 1 us, 322 clocks)."
echo
echo "Sustained ring rate: misses of distinct flows back to back (62-byte frames, one per clock), no"
echo "hold-off, no token bucket, the host consuming continuously. At most 16 writes are outstanding, so"
echo "with a slow host the rate is 16 records per host latency."
echo
echo "| host latency (clocks) | frames | records written | clocks | records/clock | Mrecords/s at $clock_mhz MHz |"
echo "|---|---|---|---|---|---|"
"$bench" --clock-mhz "$clock_mhz" --seed "$seed" rate 0 8 64 322 1000
echo
echo "Miss to record: from the frame's first beat on the wire to its record visible in host memory"
echo "(the phase byte polled every clock), no hold-off, no token bucket. At a miss every clock the"
echo "records queue in the 64-deep FIFO (what it cannot take is lost and not timed): the worst case."
echo
echo "| misses | host latency (clocks) | records | median (clocks) | worst (clocks) | median (ns) | worst (ns) |"
echo "|---|---|---|---|---|---|---|"
"$bench" --clock-mhz "$clock_mhz" --seed "$seed" latency 0 8 322
"$bench" --clock-mhz "$clock_mhz" --seed "$seed" latency-flood 8 322
echo
echo "Host cost per record: \`event_ring_pop\` (driver/event_ring.c) over a 4096-record ring, on the"
echo "machine that ran this report (includes rewriting each slot's phase byte, as the card would)."
echo
echo "| ring records | records popped | ns/record | Mrecords/s |"
echo "|---|---|---|---|"
"$bench" consume
echo
