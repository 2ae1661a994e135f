"""Where the wizard's memory goes, for one or more builds, on one simulated namespace.

    .bench/venv/bin/python scripts/bench/memory.py --sim BIN --pods 1000 NAME=BIN ...

Starts `BIN sim serve` (the `--sim` build), fills the namespace with PODS pause pods (and
their events), then runs each wizard build in turn in tmux at 200×60 with `--kubeconfig
--namespace emqx --yes`, waits until its pod table shows, lets it settle, and prints
/proc/PID/status: VmRSS, RssAnon (the heap: what the program holds), RssFile (its mapped
code) and VmHWM (the peak). Every build meets the same namespace, so the figures compare.
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

import cluster  # noqa: E402
import proc  # noqa: E402
import screen  # noqa: E402
import tools  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sim", required=True, help="the kubetour build that serves the cluster")
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--settle", type=int, default=20, help="seconds after the pod table shows")
    ap.add_argument("builds", nargs="+", help="NAME=PATH of each wizard build")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="kubetour-memory-")
    sim = cluster.Sim(os.path.abspath(args.sim), workdir, nodes=max(3, args.pods // 100 + 2))
    try:
        sim.api.ensure_namespace()
        sim.api.scale_load(args.pods)
        sim.api.wait_settled("app=load", args.pods)
        events = sim.api.json("GET", f"/api/v1/namespaces/{cluster.NAMESPACE}/events")
        print(f"{args.pods} pods, {len(events['items'])} events in the namespace", flush=True)
        for build in args.builds:
            name, path = build.split("=", 1)
            argv, env = tools.commands(os.path.abspath(path), {}, sim.kubeconfig, workdir,
                                       cluster.NAMESPACE)["kubetour"]
            pane = screen.Pane(f"memory-{name}", argv, env, 200, 60, workdir)
            try:
                pane.start()
                if pane.until(lambda lines: bool(screen.pod_table(lines)), 120) is None:
                    print(f"{name}: no pod table on screen", flush=True)
                    continue
                time.sleep(args.settle)
                parts = proc.memory_parts_mb(pane.pid())
                print(f"{name}: VmRSS {parts['VmRSS']:.1f} MB, RssAnon {parts.get('RssAnon', 0):.1f}"
                      f" MB, RssFile {parts.get('RssFile', 0):.1f} MB, VmHWM {parts['VmHWM']:.1f} MB",
                      flush=True)
            finally:
                pane.close()
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
