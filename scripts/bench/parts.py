"""Where kubetour's freshness goes: each measured change split at the points the wizard
traces (`KUBETOUR_LOG=kubetour::fresh=trace`, see src/cluster/watch.rs `FRESH`):

  written  the harness's write was answered by the API server
  heard    kube's watcher in the wizard delivered the pod's event
  folded   the engine folded it into its view
  handed   the engine handed the folded view to the wizard's loop
  drawn    the loop finished the frame that shows it (written to the terminal)
  seen     the chunk that made the harness's emulator show it arrived (tmux pipe-pane)

A part can be negative: the watch may deliver an event before the API server's answer
to the write reaches the harness. The log's times are wall-clock; the harness's are
monotonic, so `offset` (time.time() - time.monotonic() at the start) joins them.
"""

import datetime
import re

LINE = re.compile(r"^(\S+Z)\s+TRACE\s+kubetour::fresh:\s+(\w+)(.*)$")
FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
PARTS = ("written→heard", "heard→folded", "folded→handed", "handed→drawn", "drawn→seen")


def read(path, offset, since):
    """The trace as (monotonic time, what, fields), from `since` (monotonic) on."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            wall = datetime.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
            at = wall.timestamp() - offset
            if at < since:
                continue
            fields = {k: v.strip('"') for k, v in FIELD.findall(m.group(3))}
            out.append((at, m.group(2), fields))
    return out


def first(trace, start, what, **want):
    """The index of the first `what` at or after index `start` whose fields match."""
    for i in range(start, len(trace)):
        at, name, fields = trace[i]
        if name == what and all(fields.get(k) == v for k, v in want.items()):
            return i
    return None


def split(trace, changes):
    """changes: [(pod, deleted, written, seen)]. Returns one row of parts per change whose
    every point was found: (pod, deleted, total, [part durations in PARTS order])."""
    rows = []
    for pod, deleted, written, seen in changes:
        if seen is None:
            continue
        flag = "true" if deleted else "false"
        # The first trace of this pod's change: a created pod's first event, a deleted
        # one's DELETED event (its updates between come as neither).
        heard = first(trace, 0, "heard", kind="pods", name=pod, deleted=flag)
        if heard is None:
            continue
        folded = first(trace, heard, "folded", pod=pod, deleted=flag)
        if folded is None:
            continue
        handed = first(trace, folded, "handed")
        drawn = None if handed is None else first(trace, handed, "drawn")
        if drawn is None:
            continue
        points = [written] + [trace[i][0] for i in (heard, folded, handed, drawn)] + [seen]
        rows.append((pod, deleted, seen - written,
                     [b - a for a, b in zip(points, points[1:])]))
    return rows


def summary(rows):
    """Per part: p50 and p99 over every change, and the mean of each part over the
    slowest 2 % of changes (what the tail is made of)."""
    if not rows:
        return {}
    def pct(values, p):
        values = sorted(values)
        return values[min(len(values) - 1, int(p / 100 * len(values)))]
    slowest = sorted(rows, key=lambda r: r[2])[-max(1, len(rows) // 50):]
    out = {"changes": len(rows), "total_p50_ms": 1000 * pct([r[2] for r in rows], 50),
           "total_p99_ms": 1000 * pct([r[2] for r in rows], 99), "parts": {}}
    for i, name in enumerate(PARTS):
        values = [r[3][i] for r in rows]
        out["parts"][name] = {
            "p50_ms": 1000 * pct(values, 50),
            "p99_ms": 1000 * pct(values, 99),
            "slowest_mean_ms": 1000 * sum(r[3][i] for r in slowest) / len(slowest),
        }
    # The wizard's whole part: from the write to the frame written to its terminal
    # (what is left, drawn→seen, is tmux and the harness's terminal emulator).
    to_drawn = [sum(r[3][:4]) for r in rows]
    out["written→drawn"] = {"p50_ms": 1000 * pct(to_drawn, 50),
                            "p99_ms": 1000 * pct(to_drawn, 99),
                            "max_ms": 1000 * max(to_drawn)}
    out["slowest"] = [(r[0], "deleted" if r[1] else "created", round(1000 * r[2], 1),
                       [round(1000 * x, 1) for x in r[3]]) for r in slowest]
    return out
