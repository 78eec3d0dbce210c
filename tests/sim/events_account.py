#!/usr/bin/env python3
"""spisync -- check spisync-sim's event records against its counters.

    events_account.py COUNTERS.json EVENTS.json HOLDOFF_NS

With the flow filter on, a repeated miss is counted in its flow's next record
instead of getting its own, and what the token bucket refused is reported in
EVENTS_LOST records. Every SA miss the drop counters count must still be
accounted for (docs/event-ring.md):

    misses = sum over miss records (1 + suppressed; suppressed if evicted)
           + sum over EVENTS_LOST records of lost_misses
           + flow_pending  (+ losses not yet reported, which only lower it)

and one flow's records are at least the hold-off apart. Exit 1 with the
reason on the first violation.
"""
import json
import sys

MISS_COUNTERS = ("SA_NOT_FOUND_V4", "SA_NOT_FOUND_V6", "SA_NOT_FOUND_NATT_V4",
                 "SA_NOT_FOUND_NATT_V6", "SPI_RESERVED")
KNOWN = {"SA_MISS", "SPI_RESERVED", "SA_SOFT_EXPIRY", "SA_HARD_EXPIRY",
         "AUTH_FAIL_BURST", "REPLAY_BURST", "EVENTS_LOST"}


def fail(msg):
    print("events_account: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        doc = json.load(f)
    with open(argv[2]) as f:
        records = [json.loads(line) for line in f if line.strip()]
    holdoff = int(argv[3])
    counters, ev = doc["counters"], doc["events"]
    misses = sum(counters[name] for name in MISS_COUNTERS)

    reported = lost_records = lost_misses = own = 0
    last = {}
    for n, r in enumerate(records):
        if r["type"] not in KNOWN:
            fail(f"record {n}: unknown type {r['type']}")
        if r["type"] == "EVENTS_LOST":
            lost_records += r["lost"]
            lost_misses += r["lost_misses"]
        elif r["type"] in ("SA_MISS", "SPI_RESERVED"):
            if r["evicted"]:
                reported += r["suppressed"]
                continue
            own += 1
            reported += 1 + r["suppressed"]
            flow = (r["src"], r["dst"], r["spi"])
            if flow in last and r["time_ns"] - last[flow] < holdoff:
                fail(f"record {n}: flow {flow} reported {r['time_ns'] - last[flow]} ns "
                     f"after its previous record (hold-off {holdoff})")
            last[flow] = r["time_ns"]

    if ev["written"] != len(records):
        fail(f"{len(records)} records in the file, EVENTS_WRITTEN {ev['written']}")
    accounted = reported + lost_misses + ev["flow_pending"]
    if lost_records > ev["lost"]:
        fail(f"EVENTS_LOST records report {lost_records}, the register {ev['lost']}")
    if lost_records == ev["lost"]:
        if accounted != misses:
            fail(f"{misses} misses counted, {accounted} accounted for "
                 f"({reported} in records, {lost_misses} lost, "
                 f"{ev['flow_pending']} pending)")
        if ev["lost"] == 0 and ev["flow_suppressed"] != misses - own:
            fail(f"FLOW_SUPPRESSED {ev['flow_suppressed']}, but {misses} misses "
                 f"gave {own} records of their own")
    elif accounted > misses:
        fail(f"{accounted} misses accounted for, only {misses} counted")
    print(f"events_account: {misses} misses: {own} records of their own, "
          f"{reported - own} more counted in them, {lost_misses} lost, "
          f"{ev['flow_pending']} pending; {len(last)} flows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
