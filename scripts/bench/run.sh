#!/usr/bin/env bash
# The side-by-side benchmark: kubetour, kdash and kubetui on one simulated cluster.
# Needs tmux and kubectl; installs the peers (cargo install, cached in .bench/peers) and
# pyte (a terminal emulator, in .bench/venv) on first use. Writes BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --bin kubetour --example render_bench && cargo build --release --locked -p kubetour-sim --example sim_bench
if [ ! -x .bench/venv/bin/python ]; then
  python3 -m venv .bench/venv
  .bench/venv/bin/pip install -q pyte==0.8.2
fi
exec .bench/venv/bin/python scripts/bench/run.py "$@"
