"""The API server's own share of a tool's freshness: a bare pod watch (no tool, no
screen) in its own process, printing when each pod's first ADDED and its DELETED arrive.

    python3 watch_floor.py KUBECONFIG NAMESPACE

Each line is `ADDED name seconds` or `DELETED name seconds`, the seconds on the system's
monotonic clock (the harness's `time.monotonic()` reads the same clock), so the harness
subtracts its write's answer time: what is left is how long the API server took to tell
a watcher, the floor under every tool's "created → on screen".
"""

import http.client
import json
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))

import cluster  # noqa: E402


def main():
    kubeconfig, namespace = sys.argv[1], sys.argv[2]
    api = cluster.Api(kubeconfig)
    listed = api.json("GET", f"/api/v1/namespaces/{namespace}/pods?limit=1")
    rv = listed["metadata"]["resourceVersion"]
    conn = http.client.HTTPSConnection(api.host, api.port, context=api.ctx, timeout=None)
    conn.request("GET", f"/api/v1/namespaces/{namespace}/pods?watch=1&resourceVersion={rv}"
                        "&allowWatchBookmarks=false",
                 headers={"Authorization": f"Bearer {api.token}",
                          "Accept": "application/json", "User-Agent": "kubetour-bench-floor"})
    resp = conn.getresponse()
    if resp.status != 200:
        sys.exit(f"watch: {resp.status} {resp.read()[:300]!r}")
    seen = set()
    while True:
        line = resp.readline()
        if not line:
            return
        at = time.monotonic()
        try:
            event = json.loads(line)
        except ValueError:
            continue
        name = event.get("object", {}).get("metadata", {}).get("name", "")
        kind = event.get("type")
        # A created pod is "on screen" at its first ADDED; later MODIFIED do not count.
        if kind == "ADDED" and name not in seen:
            seen.add(name)
            print(f"ADDED {name} {at:.6f}", flush=True)
        elif kind == "DELETED":
            seen.discard(name)
            print(f"DELETED {name} {at:.6f}", flush=True)


if __name__ == "__main__":
    main()
