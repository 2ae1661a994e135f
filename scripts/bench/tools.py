"""The tools measured, each as it is started against the same cluster, in the same
terminal size. Peers come from crates.io, built once into a cache."""

import os
import shutil
import subprocess

PEERS = ("kdash", "kubetui")


def install_peers(cache, wanted=PEERS):
    """`cargo install --locked` of each wanted peer into `cache` (skipped when already
    there). Returns {name: path to the binary}."""
    found = {}
    for peer in wanted:
        binary = os.path.join(cache, "bin", peer)
        if not os.path.exists(binary):
            print(f"installing {peer} from crates.io into {cache} (once)...", flush=True)
            subprocess.run(["cargo", "install", "--locked", "--root", cache, peer],
                           check=True, env={**os.environ,
                                            "CARGO_TARGET_DIR": os.path.join(cache, "target")})
        found[peer] = binary
    return found


def version(binary):
    for flag in ("--version", "-V"):
        try:
            out = subprocess.run([binary, flag], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip().splitlines()[0]
    return "unknown version"


def commands(kubetour, peers, kubeconfig, state_dir, namespace):
    """{tool: (argv, env)} for every tool pointed at the benchmark cluster."""
    env = {"KUBECONFIG": kubeconfig, "TERM": "xterm-256color", "HOME": state_dir}
    wizard_env = {**env, "KUBETOUR_STATE_DIR": state_dir}
    out = {"kubetour": ([kubetour, "--kubeconfig", kubeconfig, "--namespace", namespace,
                         "--yes"], wizard_env)}
    if "kdash" in peers:
        out["kdash"] = ([peers["kdash"]], env)
    if "kubetui" in peers:
        out["kubetui"] = ([peers["kubetui"], "--namespaces", namespace], env)
    return out


def which(name):
    return shutil.which(name)
