"""Another Ableton Link peer in a process of its own, as a second app on the machine would be: for the Link tests
and `performer bench-link`. `python -m performer.sources.link_peer BPM` joins the session and answers each line
of JSON on stdin with one line of JSON on stdout:

    {"op": "report"}                          {"micros": its clock now, "beat": its beat then (quantum 4),
                                               "tempo": the session tempo, "peers": the peers it sees}
    {"op": "tempo", "bpm": 150}               the session tempo set to 150 BPM now, then a report
    {"op": "wait", "peers": 1, "timeout": 5}  a report once it sees that many peers (or at the timeout)
    {"op": "wait_tempo", "bpm": 150, "timeout": 5}   a report once the session tempo is within 0.01 BPM

A line it cannot act on gets {"error": "..."}; end of input ends it. LinkPeer starts one and asks it.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

PEER_QUANTUM = 4.0


def report(link) -> dict:
    micros = link.clock().micros()
    state = link.captureAppSessionState()
    return {
        "micros": micros,
        "beat": state.beatAtTime(micros, PEER_QUANTUM),
        "tempo": state.tempo(),
        "peers": link.numPeers(),
    }


def wait_for(link, done, timeout: float) -> dict:
    deadline = time.monotonic() + min(float(timeout), 30.0)
    while not done() and time.monotonic() < deadline:
        time.sleep(0.001)
    return report(link)


def answer(link, request: dict) -> dict:
    op = request.get("op")
    if op == "report":
        return report(link)
    if op == "tempo":
        state = link.captureAppSessionState()
        state.setTempo(float(request["bpm"]), link.clock().micros())
        link.commitAppSessionState(state)
        return report(link)
    if op == "wait":
        return wait_for(link, lambda: link.numPeers() >= int(request["peers"]), request.get("timeout", 5.0))
    if op == "wait_tempo":
        bpm = float(request["bpm"])
        tempo = lambda: link.captureAppSessionState().tempo()  # noqa: E731
        return wait_for(link, lambda: abs(tempo() - bpm) < 0.01, request.get("timeout", 5.0))
    return {"error": f"unknown op {op!r}"}


def serve(bpm: float) -> None:
    import link as link_module

    link = link_module.Link(bpm)
    link.enabled = True
    for line in sys.stdin:
        try:
            reply = answer(link, json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    link.enabled = False


class LinkPeer:
    """The peer process, started at `bpm`; `ask(op, ...)` sends one request and returns its reply (RuntimeError
    when the peer does not answer within `timeout` seconds, or has died)."""

    def __init__(self, bpm: float = 120.0, timeout: float = 10.0) -> None:
        self.timeout = timeout
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "performer.sources.link_peer", str(bpm)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def ask(self, op: str, **fields) -> dict:
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"the Link peer did not answer {op!r} (exit status {self.process.poll()})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"the Link peer: {reply['error']}")
        return reply

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # end of input: it leaves the session and exits
            try:
                self.process.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()


if __name__ == "__main__":
    serve(float(sys.argv[1]) if len(sys.argv) > 1 else 120.0)
