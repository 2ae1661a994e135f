"""A program in a tmux pane, its output streamed (tmux pipe-pane) into a terminal
emulator (pyte), so the moment a change reaches the screen is known to the read, not to
the next poll of capture-pane. Conditions are judged after every chunk, against the
screen as that chunk left it, and the time given is when that chunk arrived.

Two threads: one only reads and timestamps what arrives, the other feeds the emulator.
pyte is pure Python: a 1,000-pod table shifted by one row is several KB of output that
takes it up to ~25 ms to parse, and with one thread doing both, the next chunk waited
unread meanwhile, so the harness's own parsing showed up as the tool's latency (issue
23's p99: `run.py --parts` put it after the frame was written, not in the tool)."""

import os
import queue
import re
import shlex
import subprocess
import sys
import threading
import time

# The reader thread takes the GIL back within this long of its read returning (the
# default 5 ms would put up to 5 ms of the feeder's parsing into a timestamp).
sys.setswitchinterval(0.0005)

import pyte

BOX_LEFT = "│┃|║"
BOX_BOTTOM = "╰└┗╚"


class Pane:
    def __init__(self, name, argv, env, width, height, workdir):
        self.name = name
        self.fifo = os.path.join(workdir, f"{name}.fifo")
        if os.path.exists(self.fifo):
            os.unlink(self.fifo)
        os.mkfifo(self.fifo)
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.first_output = None
        self.watch = None          # (predicate, result list)
        self.bytes = 0
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # The program waits for a line before it starts, so the pipe is in place for its
        # very first frame (and the start time is when that line is sent).
        command = f"read _ && exec env {exports} {shlex.join(argv)}"
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(width),
                        "-y", str(height), "sh", "-c", command], check=True)
        subprocess.run(["tmux", "pipe-pane", "-O", "-t", name, f"cat > {self.fifo}"],
                       check=True)
        self.arrived = queue.SimpleQueue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.feeder = threading.Thread(target=self._feed, daemon=True)
        self.feeder.start()

    def start(self):
        """Lets the program run; returns the time it was let go."""
        time.sleep(0.2)
        started = time.monotonic()
        subprocess.run(["tmux", "send-keys", "-t", self.name, "Enter"], check=True)
        return started

    def pid(self):
        out = subprocess.run(["tmux", "display", "-p", "-t", self.name, "#{pane_pid}"],
                             capture_output=True, text=True, check=True).stdout
        return int(out.strip())

    def _read(self):
        fd = os.open(self.fifo, os.O_RDONLY)
        while True:
            chunk = os.read(fd, 1 << 16)
            self.arrived.put((time.monotonic(), chunk))
            if not chunk:
                break
        os.close(fd)

    def _feed(self):
        while True:
            at, chunk = self.arrived.get()
            if not chunk:
                break
            with self.lock:
                if self.first_output is None:
                    self.first_output = at
                self.bytes += len(chunk)
                self.stream.feed(chunk)
                if self.watch is not None:
                    predicate, result = self.watch
                    if not result and predicate(self.screen.display):
                        result.append(at)
                self.changed.notify_all()

    def until(self, predicate, timeout):
        """Waits until the screen satisfies `predicate`; returns when the chunk that made
        it so was read, or None after `timeout` seconds."""
        result = []
        with self.lock:
            if predicate(self.screen.display):
                return time.monotonic()
            self.watch = (predicate, result)
            deadline = time.monotonic() + timeout
            while not result:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(left)
            self.watch = None
        return result[0] if result else None

    def text(self):
        with self.lock:
            return "\n".join(self.screen.display)

    def keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def pod_table(lines):
    """The text of the pod list: the rows under the first header line that names NAME,
    READY and STATUS (a namespace list has no READY), within that header's box, down to
    the box's bottom edge."""
    for i, line in enumerate(lines):
        m = re.search(r"\bname\b", line, re.IGNORECASE)
        if not m or not all(re.search(rf"\b{w}\b", line, re.IGNORECASE)
                            for w in ("ready", "status")):
            continue
        left = max((line.rfind(c, 0, m.start()) for c in BOX_LEFT), default=-1)
        right_candidates = [line.find(c, m.end()) for c in BOX_LEFT]
        right_candidates = [r for r in right_candidates if r > 0]
        right = min(right_candidates) if right_candidates else len(line)
        rows = []
        for row in lines[i + 1:]:
            cell = row[left + 1:right] if left >= 0 else row[:right]
            if left >= 0 and row[left:left + 1] in BOX_BOTTOM:
                break
            rows.append(cell)
        return "\n".join(rows)
    return ""


def shows_pod(name):
    return lambda lines: name in pod_table(lines)


def hides_pod(name):
    return lambda lines: bool(pod_table(lines)) and name not in pod_table(lines)
