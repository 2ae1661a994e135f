"""BENCHMARKS.md from one run's measurements: every figure, and each as a ratio against
kubetour measured in the same run (absolute figures move with the machine; ratios less)."""


TOOLS = ("kubetour", "kdash", "kubetui")


def ms(v):
    return "—" if v is None else (f"{v * 1000:.1f} ms" if v < 10 else f"{v:.1f} s")


def pct(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ratio(value, base):
    if value is None or base is None or base <= 0:
        return ""
    return f" ({value / base:.0f}×)" if value / base >= 2 else f" ({value / base:.1f}×)"


def fmt_api(rates):
    if rates is None:
        return "not measured (no /metrics)"
    if not rates:
        return "0"
    return ", ".join(f"{verb} {n:.0f}" for verb, n in sorted(rates.items()))


def render(facts, runs, starts, embedded, track, render_out):
    out = []
    w = out.append
    w("# Benchmarks: kubetour beside kdash and kubetui\n")
    w(f"Measured {facts['date']} on {facts['machine']}, in one run of `{facts['command']}`.")
    w("Versions: " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items()) + ".\n")
    w("Every tool ran alone in tmux at 200×60 against the same `kubetour sim serve` "
      "(loopback, `--speed 1`), reached through the kubeconfig it writes; kubetour's wizard "
      "was pointed at it with `--kubeconfig`, so the simulator's work is not counted as "
      "the wizard's. The namespace held N pause pods (a Deployment the simulator runs).\n")
    w("How each figure is taken:\n")
    w("- **Freshness**: the harness creates a bare pod (then deletes it, grace 0) through "
      "the API and times from the API server's answer to the moment the tool's pod list "
      "shows the pod (then no longer shows it). The pane's output is streamed "
      "(`tmux pipe-pane`) into a terminal emulator (pyte) and the condition is judged "
      f"after every chunk read, so the time is the read's, not a poll's. {facts['changes']} "
      "creations and as many deletions per tool at 3 and 1,000 pods, a quarter as many at "
      "10 and 100. Each change waits a random time, up to the tool's own refresh period "
      "(kdash 5 s, kubetui 1 s, kubetour 0.2 s), so it lands anywhere in a polling "
      "tool's cycle.")
    w(f"- **Idle CPU**: user+system ticks of the tool's process over {facts['idle']} s with "
      "nothing changing, after a 10 s warm-up, as a share of one core.")
    w("- **Memory**: VmRSS (current) and VmHWM (peak) after the freshness run.")
    w("- **API load**: the simulator's `/metrics` (`apiserver_request_total`, as a real API "
      f"server counts) over the idle window, per minute, by verb; the cluster's own traffic "
      "with no tool running is shown as the baseline.")
    w("- **Start**: from letting the program run to its first frame (40 visible "
      "characters), with the simulator answering every request 2 s late (`--latency 2s`).\n")
    for size, run in runs.items():
        w(f"## {size} pods in the namespace ({run.get('running', size)} Running)\n")
        w("| tool | created → on screen p50 / p99 | deleted → gone p50 / p99 | missed | idle CPU | RSS / peak | API requests per minute at rest |")
        w("|---|---|---|---|---|---|---|")
        base = run["tools"].get("kubetour", {})
        b50c = pct(base.get("created_s", []), 50)
        b50d = pct(base.get("deleted_s", []), 50)
        bidle = base.get("idle_cpu_pct")
        for name in TOOLS:
            r = run["tools"].get(name)
            if r is None:
                continue
            if "error" in r:
                w(f"| {name} | error: {r['error'].splitlines()[0]} | | | | | |")
                continue
            c, d = r["created_s"], r["deleted_s"]
            w(f"| {name} | {ms(pct(c, 50))}{ratio(pct(c, 50), b50c) if name != 'kubetour' else ''} / {ms(pct(c, 99))} "
              f"| {ms(pct(d, 50))}{ratio(pct(d, 50), b50d) if name != 'kubetour' else ''} / {ms(pct(d, 99))} "
              f"| {r['missed']} "
              f"| {r['idle_cpu_pct']:.2f} %{ratio(r['idle_cpu_pct'], bidle) if name != 'kubetour' else ''} "
              f"| {r['rss_mb']:.1f} / {r['peak_rss_mb']:.1f} MB "
              f"| {fmt_api(r['api_per_min'])} |")
        w(f"\nBaseline (no tool): {fmt_api(run['baseline_api_per_min'])} requests per minute.\n")
    w("## Start, with the API server 2 s slow\n")
    w("| tool | first frame (each run) |")
    w("|---|---|")
    for name, times in starts.items():
        w(f"| {name} | {', '.join(ms(t) for t in times)} |")
    w("\n## The wizard on its own embedded cluster\n")
    if "error" in embedded:
        w(f"Error: {embedded['error']}\n")
    else:
        w(f"After `--autopilot` walked the whole track (3 EMQX pods), idle "
          f"{facts['idle']} s: {embedded['idle_cpu_pct']:.2f} % of one core (the simulated "
          f"cluster's own timers included), RSS {embedded['rss_mb']:.1f} MB, peak "
          f"{embedded['peak_rss_mb']:.1f} MB.\n")
    w("## The whole EMQX track, headless (`kubetour run --speed 50`, release)\n")
    w("| profile | passed | wall time | peak RSS |")
    w("|---|---|---|---|")
    for p, t in track.items():
        w(f"| EMQX {p} | {'yes' if t['ok'] else 'NO'} | {t['wall_s']:.1f} s | {t['peak_rss_mb']:.0f} MB |")
    w("\n## Drawing one frame (200×60, 1,000 pods; `cargo run --release --example render_bench`)\n")
    w("```\n" + (render_out or "render_bench did not run") + "\n```\n")
    return "\n".join(out) + "\n"
