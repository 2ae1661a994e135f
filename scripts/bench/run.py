"""kubetour against kdash and kubetui, on one simulated cluster, by one method.

Rerun (from the repository root):  scripts/bench/run.sh [--sizes 3,1000] [--changes 200]
It builds nothing but the peers (once, cached in .bench/peers); build kubetour first with
`cargo build --release`. Writes BENCHMARKS.md. See BENCHMARKS.md for what each figure is.
"""

import argparse
import json
import datetime
import gc
import os
import platform
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

import cluster  # noqa: E402
import parts as fresh_parts  # noqa: E402
import proc  # noqa: E402
import report  # noqa: E402
import screen  # noqa: E402
import tools  # noqa: E402

WIDTH, HEIGHT = 200, 60


def changes_at(size, changes):
    """The full count at the sizes the figures are about (3 and 1,000 pods); a quarter at
    the points between, which only draw the scaling curve."""
    return changes if size in (3, 1000) else max(10, changes // 4)


def settle(pane, seconds):
    time.sleep(seconds)


def api_rate(before, after, minutes):
    """Requests per minute by verb, from two /metrics snapshots (None without them)."""
    if before is None or after is None:
        return None
    rate = {}
    for key, value in after.items():
        delta = value - before.get(key, 0)
        if delta > 0:
            verb = key[0] if not key[2] else f"{key[0]} {key[2]}"
            rate[verb] = rate.get(verb, 0) + delta / minutes
    return rate


def floor_times(heard, writes):
    """From watch_floor.py's lines and the harness's write times: how long the API
    server took to tell a bare watcher of each creation and each deletion."""
    created, deleted = [], []
    for line in heard.splitlines():
        parts = line.split()
        if len(parts) != 3 or (parts[0], parts[1]) not in writes:
            continue
        took = float(parts[2]) - writes[(parts[0], parts[1])]
        (created if parts[0] == "ADDED" else deleted).append(took)
    return created, deleted


def size_seed(name):
    return sum(name.encode())


def measure_tool(name, argv, env, period, sim, workdir, changes, idle_seconds, warmup,
                 trace=None):
    """`trace`: the wizard's log file, when it traces its parts (`--parts`)."""
    pane = screen.Pane(f"bench-{name}", argv, env, WIDTH, HEIGHT, workdir)
    result = {"tool": name}
    try:
        started = pane.start()
        first = pane.until(lambda lines: sum(len(l.strip()) for l in lines) > 40, 60)
        result["first_frame_s"] = None if first is None else first - started
        if pane.until(lambda lines: bool(screen.pod_table(lines)), 60) is None:
            result["error"] = "no pod table on screen:\n" + pane.text()
            return result
        pid = pane.pid()
        settle(pane, warmup)
        # Idle: nothing changes in the cluster for `idle_seconds`.
        m0 = sim.api.metrics()
        c0, s0 = proc.cpu_seconds(pid), proc.cpu_seconds(sim.proc.pid)
        time.sleep(idle_seconds)
        c1, s1 = proc.cpu_seconds(pid), proc.cpu_seconds(sim.proc.pid)
        m1 = sim.api.metrics()
        result["idle_cpu_pct"] = 100 * (c1 - c0) / idle_seconds
        # What the tool's requests cost the API server while nothing changes.
        result["sim_cpu_pct"] = 100 * (s1 - s0) / idle_seconds
        result["api_per_min"] = api_rate(m0, m1, idle_seconds / 60)
        # Freshness: a pod created, then deleted; each until the pod list shows it.
        # Each change comes at a random moment of the tool's refresh cycle: right after
        # the previous change showed (just after a refresh), a polling tool would always
        # be met at the start of its cycle and always look its slowest.
        created, deleted, missed = [], [], 0
        # No cyclic garbage collection while changes are timed: pyte makes a Python object
        # per cell, and a full collection stalls every harness thread for 10–30 ms, which
        # `--parts` showed as the tool's tail (the write answered late, the frame read
        # late). What pyte allocates is freed by reference counting meanwhile.
        gc.collect()
        gc.disable()
        # The floor: when a bare watch of our own heard of each change (watch_floor.py).
        floor = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(__file__), "watch_floor.py"),
             sim.kubeconfig, cluster.NAMESPACE],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(1)
        writes = {}
        traced, offset, since = [], time.time() - time.monotonic(), time.monotonic()
        rng = random.Random(size_seed(name))
        for i in range(changes):
            pod = f"a-{i:04d}"
            time.sleep(rng.uniform(0, period))
            t0 = sim.api.create_pod(pod)
            t1 = pane.until(screen.shows_pod(pod), 30)
            time.sleep(rng.uniform(0, period))
            t2 = sim.api.delete_pod(pod)
            writes[("ADDED", pod)], writes[("DELETED", pod)] = t0, t2
            t3 = pane.until(screen.hides_pod(pod), 30)
            if t1 is None or t3 is None:
                missed += 1
            if t1 is not None:
                created.append(t1 - t0)
            if t3 is not None:
                deleted.append(t3 - t2)
            traced += [(pod, False, t0, t1), (pod, True, t2, t3)]
        gc.enable()
        result["created_s"] = created
        result["deleted_s"] = deleted
        floor.terminate()
        heard = floor.communicate(timeout=10)[0]
        result["floor_created_s"], result["floor_deleted_s"] = floor_times(heard, writes)
        result["missed"] = missed
        if trace is not None:
            rows = fresh_parts.split(fresh_parts.read(trace, offset, since), traced)
            result["parts"] = fresh_parts.summary(rows)
            print(json.dumps(result["parts"], indent=1), flush=True)
        parts = proc.memory_parts_mb(pid)
        result["rss_mb"], result["peak_rss_mb"] = parts["VmRSS"], parts["VmHWM"]
        result["anon_mb"], result["file_mb"] = parts.get("RssAnon"), parts.get("RssFile")
    finally:
        pane.close()
    return result


def start_times(binary, peer_bins, workdir, latency, repeats=5):
    """Time to the first frame with the API server answering `latency` late."""
    sim = cluster.Sim(binary, workdir, latency=latency)
    out = {}
    try:
        sim.api.ensure_namespace()
        for name, (argv, env) in tools.commands(binary, peer_bins, sim.kubeconfig,
                                                workdir, cluster.NAMESPACE).items():
            times = []
            for _ in range(repeats):
                pane = screen.Pane(f"start-{name}", argv, env, WIDTH, HEIGHT, workdir)
                try:
                    started = pane.start()
                    first = pane.until(lambda lines: sum(len(l.strip()) for l in lines) > 40,
                                       30)
                    times.append(None if first is None else first - started)
                finally:
                    pane.close()
            out[name] = times
    finally:
        sim.stop()
    return out


def embedded_wizard(binary, workdir, idle_seconds):
    """The wizard as users run it: its own simulated cluster, autopilot through the track,
    then idle."""
    state = os.path.join(workdir, "embedded-state")
    os.makedirs(state, exist_ok=True)
    pane = screen.Pane("bench-embedded", [binary, "--autopilot", "--speed", "20"],
                       {"KUBETOUR_STATE_DIR": state, "TERM": "xterm-256color"},
                       WIDTH, HEIGHT, workdir)
    try:
        pane.start()
        done = pane.until(lambda lines: any("every stage passed" in l for l in lines), 600)
        if done is None:
            return {"error": "autopilot did not finish:\n" + pane.text()}
        pid = pane.pid()
        time.sleep(10)
        # The embedded cluster is reachable like any other, through the kubeconfig the
        # wizard writes for a second terminal: its /metrics shows what the wizard asks
        # at rest with a formed EMQX cluster (membership by exec, if it asked).
        kubeconfig = os.path.join(state, "sim-kubeconfig")
        api = cluster.Api(kubeconfig) if os.path.exists(kubeconfig) else None
        m0 = api.metrics() if api else None
        c0 = proc.cpu_seconds(pid)
        time.sleep(idle_seconds)
        c1 = proc.cpu_seconds(pid)
        m1 = api.metrics() if api else None
        rss, peak = proc.memory_mb(pid)
        return {"idle_cpu_pct": 100 * (c1 - c0) / idle_seconds, "rss_mb": rss,
                "peak_rss_mb": peak, "api_per_min": api_rate(m0, m1, idle_seconds / 60)}
    finally:
        pane.close()


def whole_track(binary, profile):
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", binary, "run", "--speed", "50",
                          "--emqx", profile], capture_output=True, text=True)
    wall, kb = out.stderr.strip().splitlines()[-1].split()
    return {"ok": out.returncode == 0, "wall_s": float(wall), "peak_rss_mb": int(kb) / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kubetour", default="target/release/kubetour")
    ap.add_argument("--peers", default=".bench/peers")
    ap.add_argument("--sizes", default="3,10,100,1000")
    ap.add_argument("--changes", type=int, default=200)
    ap.add_argument("--idle", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--tools", default="kubetour,kdash,kubetui")
    ap.add_argument("--out", default="BENCHMARKS.md")
    ap.add_argument("--resume", action="store_true",
                    help="keep what an earlier run with the same --out measured "
                         "(OUT.partial.json, OUT.extras.json) and measure the rest")
    ap.add_argument("--parts", action="store_true",
                    help="have kubetour trace each change's way to the screen and split "
                         "its freshness into parts (scripts/bench/parts.py); the tracing "
                         "costs a little, so the headline figures come from a run without")
    ap.add_argument("--skip", default="",
                    help="parts to leave out (a smoke run): start,embedded,track,render,sim")
    args = ap.parse_args()

    binary = os.path.abspath(args.kubetour)
    if not os.path.exists(binary):
        sys.exit(f"{binary} does not exist: run `cargo build --release` first")
    wanted = args.tools.split(",")
    peer_bins = tools.install_peers(os.path.abspath(args.peers),
                                    [t for t in wanted if t in tools.PEERS])
    skip = set(filter(None, args.skip.split(",")))
    workdir = tempfile.mkdtemp(prefix="kubetour-bench-")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    began = datetime.datetime.now(datetime.timezone.utc)
    partial, extras_file = args.out + ".partial.json", args.out + ".extras.json"
    runs, extras = {}, {}
    if args.resume:
        # What an interrupted run (or one run in parts) already measured is kept.
        if os.path.exists(partial):
            with open(partial) as f:
                runs = {int(k): v for k, v in json.load(f).items()}
        if os.path.exists(extras_file):
            with open(extras_file) as f:
                extras = json.load(f)
    # A run in parts says when it began and every command that made it.
    extras.setdefault("_began", began.strftime("%Y-%m-%d %H:%M UTC"))
    extras.setdefault("_commands", []).append(" ".join(["scripts/bench/run.sh"] + sys.argv[1:]))
    with open(extras_file, "w") as f:
        json.dump(extras, f, indent=1, default=str)
    for size in sizes:
        if all(t in runs.get(size, {}).get("tools", {}) for t in wanted):
            print(f"[{size} pods] measured before, kept", flush=True)
            continue
        # A node takes 110 pods (the kubelet's default maxPods): enough nodes that every
        # pod of the size runs, plus the changes made on top.
        sim = cluster.Sim(binary, workdir, nodes=max(3, size // 100 + 2))
        try:
            sim.api.ensure_namespace()
            sim.api.scale_load(size)
            running = sim.api.wait_settled("app=load", size)
            cmds = tools.commands(binary, peer_bins, sim.kubeconfig, workdir,
                                  cluster.NAMESPACE)
            # The cluster's own traffic with no tool watching, for comparison.
            m0 = sim.api.metrics()
            s0 = proc.cpu_seconds(sim.proc.pid)
            time.sleep(20)
            sim_idle = 100 * (proc.cpu_seconds(sim.proc.pid) - s0) / 20
            baseline = api_rate(m0, sim.api.metrics(), 20 / 60)
            kept = runs.get(size, {}).get("tools", {})
            runs[size] = {"baseline_api_per_min": baseline, "tools": kept, "running": running,
                          "sim_cpu_pct": sim_idle,
                          "sim_rss_mb": proc.memory_mb(sim.proc.pid)[0]}
            for name in wanted:
                if name not in cmds or name in kept:
                    continue
                print(f"[{size} pods] {name}...", flush=True)
                argv, env = cmds[name]
                trace = None
                if args.parts and name == "kubetour":
                    env = {**env, "KUBETOUR_LOG": "kubetour=info,kube=warn,kubetour::fresh=trace"}
                    trace = os.path.join(env["KUBETOUR_STATE_DIR"], "kubetour.log")
                runs[size]["tools"][name] = measure_tool(
                    name, argv, env, tools.REFRESH[name], sim, workdir,
                    changes_at(size, args.changes), args.idle, args.warmup, trace)
                # What is measured is kept as it comes: a later failure loses nothing.
                with open(partial, "w") as f:
                    json.dump(runs, f, indent=1, default=str)
        finally:
            sim.stop()

    def extra(name, measure):
        if name in skip or name in extras:
            return
        print(f"{name}...", flush=True)
        extras[name] = measure()
        with open(extras_file, "w") as f:
            json.dump(extras, f, indent=1, default=str)

    extra("start", lambda: start_times(binary, peer_bins, workdir, "2s"))
    extra("embedded", lambda: embedded_wizard(binary, workdir, args.idle))
    extra("track", lambda: {p: whole_track(binary, p) for p in ("5", "4")})
    examples = os.path.join(os.path.dirname(binary), "examples")
    extra("render", lambda: subprocess.run([os.path.join(examples, "render_bench")],
                                           capture_output=True, text=True).stdout.strip())
    extra("sim", lambda: subprocess.run([os.path.join(examples, "sim_bench")],
                                        capture_output=True, text=True).stdout.strip())
    starts = extras.get("start", {})
    embedded = extras.get("embedded", {"error": "skipped"})
    track, render, sim_bench = extras.get("track", {}), extras.get("render", ""), \
        extras.get("sim", "")
    facts = {
        "date": extras["_began"],
        "machine": machine(),
        "versions": {"kubetour": tools.version(binary),
                     **{k: tools.version(v) for k, v in peer_bins.items()}},
        "command": "`, then `".join(extras["_commands"]),
        "changes": args.changes, "idle": args.idle,
    }
    with open(args.out, "w") as f:
        f.write(report.render(facts, runs, starts, embedded, track, render, sim_bench,
                              appendix()))
    print(f"wrote {args.out}")


def appendix():
    """What this harness does not measure but BENCHMARKS.md keeps: written by hand in
    scripts/bench/appendix.md (fuzz runs, fault tests, the memory breakdown)."""
    path = os.path.join(os.path.dirname(__file__), "appendix.md")
    with open(path) as f:
        return f.read()


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


if __name__ == "__main__":
    main()
