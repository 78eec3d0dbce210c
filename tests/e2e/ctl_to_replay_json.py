#!/usr/bin/env python3
"""spisync tests -- turn what `spisyncctl --json` printed (show drops, show
sa, show events) into the counters.json and events.json that
`mkpcap --check` (the scoreboard of tests/sim/mkpcap.c) reads, so the same
independent expectations check the card as seen through the CLI.

  ctl_to_replay_json.py DROPS.json SA.json EVENTS.json RING.jsonl OUTDIR

The card's own counters are used (`card`, not the since-clear `count`).
Events come from the card's history (never consumed). When the history has
kept every record issued, they are written out for the scoreboard as they
are; when it has overflowed (it keeps the last CAP_EVENT_HIST), what it
kept must equal the tail of the records the event ring delivered (RING,
from tests/e2e/ring_dump), field by field, and the ring's records are
written out instead: the scoreboard then checks them all.
"""
import json
import os
import sys


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    drops, sas, events = (json.load(open(p)) for p in sys.argv[1:4])
    ring = [json.loads(line) for line in open(sys.argv[4])]
    out = sys.argv[5]

    counters = {name: r["card"] for name, r in drops["reasons"].items()}
    sa = [{"spi": s["spi"], "packets": s["packets"], "bytes": s["bytes"],
           "auth_fail": s["auth_fail"], "replay": s["replay"]}
          for s in sas["sas"]]
    if len(sa) != sas["installed"]:
        sys.exit("ctl_to_replay_json: %d SAs listed, %d installed" %
                 (len(sa), sas["installed"]))
    with open(os.path.join(out, "counters.json"), "w") as f:
        json.dump({"counters": counters, "sa": sa}, f)

    hist = [{"type": e["type"], "ip": e["ip"], "src": e["src"],
             "dst": e["dst"], "spi": e["spi"], "seq": e["seq"],
             "encap": "udp" if e["udp"] else "esp", "len": e["len"],
             "rx_seq": e["rx_seq"], "sport": e["sport"], "dport": e["dport"],
             "count": e["count"], "time_ns": e["time_ns"]}
            for e in events["events"]]
    kept = min(events["history_count"], events["history_capacity"])
    if len(hist) != kept:
        sys.exit("ctl_to_replay_json: %d records shown, %d kept" % (len(hist), kept))
    if events["history_count"] != len(ring):
        sys.exit("ctl_to_replay_json: history counted %d records, the ring "
                 "delivered %d" % (events["history_count"], len(ring)))
    if events["history_count"] > events["history_capacity"]:
        if hist != ring[len(ring) - kept:]:
            for n, (h, r) in enumerate(zip(hist, ring[len(ring) - kept:])):
                if h != r:
                    sys.exit("ctl_to_replay_json: history record %d %r, "
                             "ring %r" % (n, h, r))
        hist = ring
        print("history kept the last %d of %d records, equal to the ring's" %
              (kept, len(ring)))
    with open(os.path.join(out, "events.json"), "w") as f:
        for e in hist:
            f.write(json.dumps(e) + "\n")


if __name__ == "__main__":
    main()
