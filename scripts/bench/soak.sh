#!/usr/bin/env bash
# Memory under churn: one EMQX pod replaced every 3 s for an hour (or `--minutes 5` for a
# smoke run), RSS of `kubetour sim serve` and of the wizard sampled into a CSV.
# Uses target/release/kubetour when built, else target/debug/kubetour (build it first).
# Needs tmux and kubectl.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 scripts/bench/soak.py "$@"
