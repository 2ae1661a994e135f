"""The cluster every tool is measured against: one `kubetour sim serve` on loopback,
reached with the kubeconfig it writes, plus a small HTTPS client that times its own
writes (the moment a change happened is when the API server answered the write)."""

import http.client
import json
import os
import socket
import ssl
import subprocess
import tempfile
import time
import base64

NAMESPACE = "emqx"
PAUSE = "registry.k8s.io/pause:3.10"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sim:
    """`kubetour sim serve` in the background, on a fixed loopback port."""

    def __init__(self, binary, workdir, speed=1.0, latency=None, nodes=3):
        self.kubeconfig = os.path.join(workdir, "sim-kubeconfig")
        self.port = free_port()
        args = [binary, "sim", "serve", "--listen", f"127.0.0.1:{self.port}",
                "--kubeconfig", self.kubeconfig, "--speed", str(speed),
                "--nodes", str(nodes)]
        if latency is not None:
            args += ["--latency", latency]
        self.log = open(os.path.join(workdir, "sim.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not os.path.exists(self.kubeconfig):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"sim serve did not start; see {self.log.name}")
            time.sleep(0.05)
        time.sleep(0.2)
        self.api = Api(self.kubeconfig)
        self.api.wait_ready()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Api:
    """Just enough of the Kubernetes API for the benchmark, over one kept-alive HTTPS
    connection with the kubeconfig's token and CA."""

    def __init__(self, kubeconfig):
        raw = subprocess.run(["kubectl", "config", "view", "--raw", "-o", "json",
                              "--kubeconfig", kubeconfig],
                             check=True, capture_output=True, text=True).stdout
        cfg = json.loads(raw)
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        server = cluster["server"]
        host_port = server.split("://", 1)[1].rstrip("/")
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self.token = user["token"]
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        self.ctx = ssl.create_default_context(cadata=ca)
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                    timeout=30)
        return self.conn

    def request(self, method, path, body=None, content_type="application/json"):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   "User-Agent": "kubetour-bench"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        for attempt in range(3):
            try:
                conn = self._connection()
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                return resp.status, payload
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method, path, body=None, ok=(200, 201, 202)):
        status, payload = self.request(method, path, body)
        if status not in ok:
            raise RuntimeError(f"{method} {path}: {status} {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def wait_ready(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the simulated API server never answered /readyz")

    # --- what the benchmark changes -------------------------------------------------

    def ensure_namespace(self):
        status, _ = self.request("GET", f"/api/v1/namespaces/{NAMESPACE}")
        if status == 404:
            self.json("POST", "/api/v1/namespaces",
                      {"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": NAMESPACE}})

    def create_pod(self, name):
        """Creates a bare pod; returns the time the API server answered."""
        self.json("POST", f"/api/v1/namespaces/{NAMESPACE}/pods", {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"bench": "freshness"}},
            "spec": {"containers": [{"name": "pause", "image": PAUSE}],
                     "terminationGracePeriodSeconds": 0}})
        return time.monotonic()

    def delete_pod(self, name):
        """Deletes a pod at once (grace 0); returns the time the API server answered."""
        self.json("DELETE", f"/api/v1/namespaces/{NAMESPACE}/pods/{name}?gracePeriodSeconds=0",
                  ok=(200, 202, 404))
        return time.monotonic()

    def scale_load(self, replicas):
        """A Deployment of pause pods: the background population of the namespace."""
        body = {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "load", "namespace": NAMESPACE},
                "spec": {"replicas": replicas,
                         "selector": {"matchLabels": {"app": "load"}},
                         "template": {"metadata": {"labels": {"app": "load"}},
                                      "spec": {"containers": [{"name": "pause",
                                                               "image": PAUSE}]}}}}
        status, payload = self.request(
            "PATCH",
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/load"
            "?fieldManager=kubetour-bench&force=true",
            body, content_type="application/apply-patch+yaml")
        if status not in (200, 201):
            raise RuntimeError(f"apply Deployment load: {status} {payload[:300]!r}")

    def wait_settled(self, selector, count, limit=900):
        """Waits until `count` pods exist and the number Running stops growing (the
        simulated nodes hold 110 pods each, as a kubelet does by default, so 1,000 pods
        on 3 nodes leave some Pending); returns how many run."""
        deadline = time.time() + limit
        last, since = -1, time.time()
        while time.time() < deadline:
            pods = self.json("GET", f"/api/v1/namespaces/{NAMESPACE}/pods?labelSelector={selector}")
            running = sum(1 for p in pods["items"]
                          if p.get("status", {}).get("phase") == "Running")
            if running == count:
                return running
            if running != last:
                last, since = running, time.time()
            elif len(pods["items"]) == count and time.time() - since > 15:
                return running
            time.sleep(1)
        raise RuntimeError(f"{count} pods {selector} did not settle in {limit} s")

    def metrics(self):
        """apiserver_request_total summed as {(verb, resource, subresource): count};
        None when the server does not serve /metrics."""
        status, payload = self.request("GET", "/metrics")
        if status != 200:
            return None
        return parse_request_totals(payload.decode())


def parse_request_totals(text):
    out = {}
    for line in text.splitlines():
        if not line.startswith("apiserver_request_total{"):
            continue
        labels, value = line[len("apiserver_request_total{"):].rsplit("} ", 1)
        fields = {}
        for part in split_labels(labels):
            k, v = part.split("=", 1)
            fields[k] = v.strip('"')
        key = (fields.get("verb", ""), fields.get("resource", ""),
               fields.get("subresource", ""))
        out[key] = out.get(key, 0) + float(value)
    return out


def split_labels(labels):
    parts, current, quoted = [], "", False
    for ch in labels:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current:
        parts.append(current)
    return parts
