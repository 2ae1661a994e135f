"""What a process costs, from /proc: CPU ticks (user + system) and memory."""

import os

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / TICK


def memory_mb(pid):
    """(current RSS, peak RSS) in MB."""
    values = memory_parts_mb(pid)
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def memory_parts_mb(pid):
    """VmRSS, VmHWM and what the current RSS is made of, in MB: RssAnon (the heap and
    stacks: what the program holds) and RssFile (pages of mapped files, chiefly the
    program's own code, shared and reclaimable)."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                values[key] = int(rest.split()[0]) / 1024
    return values
