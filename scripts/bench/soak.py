"""Memory under churn (issue 23): `kubetour sim serve` and the wizard pointed at it (in
tmux, with --kubeconfig), the track applied through `rbac`, then one EMQX pod deleted
every `--interval` seconds with kubectl (its Deployment replaces it) for `--minutes`.
The RSS of both processes is sampled every 10 s into a CSV; the summary is the RSS at
the start, at minute 10 (or a third of a shorter run) and at the end, and the growth
after that point in percent. Binds 127.0.0.1 only; stops by itself."""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import cluster  # noqa: E402
import proc  # noqa: E402

SAMPLE_S = 10
NAMESPACE = "emqx"


def kubectl(kubeconfig, *args, stdin=None, check=True):
    return subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], input=stdin,
                          capture_output=True, text=True, check=check, timeout=60)


def wizard_pid(session):
    out = subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def running_pods(kubeconfig):
    """Running EMQX pods not already being deleted, oldest first."""
    out = kubectl(kubeconfig, "-n", NAMESPACE, "get", "pods", "-l", "app=emqx", "-o",
                  "json", check=False)
    if out.returncode != 0:
        return []
    pods = [p for p in json.loads(out.stdout)["items"]
            if p["status"].get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")]
    pods.sort(key=lambda p: p["metadata"]["creationTimestamp"])
    return [p["metadata"]["name"] for p in pods]


def rss(pid):
    return proc.memory_parts_mb(pid).get("VmRSS", 0.0)


def summary(rows, settle_s):
    """(start, settle point, end) rows and the growth after the settle point in %."""
    after = [r for r in rows if r["t_s"] >= settle_s] or rows[-1:]
    first, mid, last = rows[0], after[0], rows[-1]
    growth = {k: 100 * (last[k] - mid[k]) / mid[k] for k in ("sim_mb", "wizard_mb")}
    return first, mid, last, growth


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--interval", type=float, default=3)
    ap.add_argument("--kubetour", default=None,
                    help="default: target/release/kubetour if built, else target/debug")
    ap.add_argument("--csv", default=".bench/soak.csv")
    ap.add_argument("--settle-minutes", type=float, default=None,
                    help="growth is measured from here (default 10, or a third of a "
                         "shorter run)")
    a = ap.parse_args()
    binary = a.kubetour or next(p for p in ("target/release/kubetour",
                                            "target/debug/kubetour") if os.path.exists(p))
    workdir = tempfile.mkdtemp(prefix="kubetour-soak-")
    sim = cluster.Sim(binary, workdir)
    kc = sim.kubeconfig
    session = f"kubetour-soak-{os.getpid()}"
    try:
        track = subprocess.run([binary, "export", "--through", "rbac"], capture_output=True,
                               text=True, check=True).stdout
        kubectl(kc, "apply", "-f", "-", stdin=track)
        state = os.path.join(workdir, "wizard-state")
        os.makedirs(state)
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "48",
                        "env", f"KUBETOUR_STATE_DIR={state}", f"HOME={state}",
                        "TERM=xterm-256color", binary, "--kubeconfig", kc,
                        "--namespace", NAMESPACE, "--yes"], check=True)
        time.sleep(2)
        wpid = wizard_pid(session)
        kubectl(kc, "-n", NAMESPACE, "rollout", "status", "deployment", "--timeout=300s")
        os.makedirs(os.path.dirname(a.csv) or ".", exist_ok=True)
        rows, deletions = [], 0
        start = time.time()
        end = start + a.minutes * 60
        next_sample = start
        with open(a.csv, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["t_s", "deletions", "sim_mb", "wizard_mb"])
            while time.time() < end:
                now = time.time()
                if now >= next_sample:
                    row = {"t_s": round(now - start), "deletions": deletions,
                           "sim_mb": rss(sim.proc.pid), "wizard_mb": rss(wpid)}
                    rows.append(row)
                    out.writerow(row.values())
                    f.flush()
                    print(f"{row['t_s']:>5}s {deletions:>5} deleted  sim {row['sim_mb']:.1f}"
                          f" MB  wizard {row['wizard_mb']:.1f} MB", flush=True)
                    next_sample += SAMPLE_S
                pods = running_pods(kc)
                if pods:
                    # The oldest first, so every pod is replaced in turn; kubectl's
                    # default grace (30 s, EMQX stops sooner) as the runs did.
                    kubectl(kc, "-n", NAMESPACE, "delete", "pod", pods[0], "--wait=false",
                            check=False)
                    deletions += 1
                time.sleep(max(0.0, a.interval - (time.time() - now)))
        settle = a.settle_minutes if a.settle_minutes is not None else min(10, a.minutes / 3)
        first, mid, last, growth = summary(rows, settle * 60)
        print(f"\n{deletions} pods replaced in {a.minutes:g} min ({binary}); CSV: {a.csv}")
        for label, r in (("start", first), (f"t={mid['t_s']}s", mid), ("end", last)):
            print(f"  {label:>8}: sim {r['sim_mb']:.1f} MB, wizard {r['wizard_mb']:.1f} MB")
        print(f"  growth after t={mid['t_s']}s: sim {growth['sim_mb']:+.1f} %, "
              f"wizard {growth['wizard_mb']:+.1f} %")
        return 0 if max(growth.values()) <= 10 else 1
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        sim.stop()


if __name__ == "__main__":
    sys.exit(main())
