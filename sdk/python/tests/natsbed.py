"""Test helpers for the sampler protocol: the contract read from operator/bus/subjects.ts (so the tests
create the streams the operator creates), an in-memory observation stream, a private nats-server, and the
operator's side of a request."""

import ast
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO = Path(__file__).resolve().parents[3]
SUBJECTS_TS = REPO / "operator" / "bus" / "subjects.ts"
PROTOCOL_TS = REPO / "operator" / "bus" / "protocol.ts"


def _eval_seconds(expr: str, names: Dict[str, int]) -> int:
    """`10 * 60`, `30 * DAY`: integer arithmetic over numbers and the file's constants."""

    def ev(n: ast.AST) -> int:
        if isinstance(n, ast.Constant) and isinstance(n.value, int):
            return n.value
        if isinstance(n, ast.Name) and n.id in names:
            return names[n.id]
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.Add)):
            a, b = ev(n.left), ev(n.right)
            return a * b if isinstance(n.op, ast.Mult) else a + b
        raise ValueError(f"cannot evaluate {expr!r}")

    return ev(ast.parse(expr.replace("_", ""), mode="eval").body)


def ts_streams() -> List[Dict[str, Any]]:
    """The StreamSpecs of subjects.ts: name, subjects, retention, maxAgeSeconds, duplicateWindowSeconds."""
    text = SUBJECTS_TS.read_text()
    names: Dict[str, int] = {}
    for m in re.finditer(r"^const (\w+) = ([\w\s*+]+);$", text, re.M):
        names[m.group(1)] = _eval_seconds(m.group(2), names)
    out = []
    for m in re.finditer(r"export const \w+_STREAM: StreamSpec = \{(.*?)\};", text, re.S):
        body = m.group(1)
        field = lambda k: re.search(rf"{k}: (.+?),\n", body).group(1)  # noqa: E731
        out.append(
            {
                "name": json.loads(field("name").replace("'", '"')),
                "subjects": json.loads(field("subjects").replace("'", '"')),
                "retention": json.loads(field("retention").replace("'", '"')),
                "maxAgeSeconds": _eval_seconds(field("maxAgeSeconds"), names),
                "duplicateWindowSeconds": _eval_seconds(field("duplicateWindowSeconds"), names),
            }
        )
    assert len(out) == 4, f"expected four streams in {SUBJECTS_TS}"
    return out


def ts_error_codes() -> List[str]:
    block = re.search(r"SUGGEST_ERROR_CODES = \[(.*?)\] as const", PROTOCOL_TS.read_text(), re.S).group(1)
    return re.findall(r"^\s*'(\w+)',", block, re.M)


# -- an in-memory observation stream -----------------------------------------------------------------


class MemoryStream:
    """A stream's messages: seq → (subject, data), sequences shared by every job as in JetStream."""

    def __init__(self):
        self.msgs = []
        self.reads = 0

    def add(self, uid, data):
        self.msgs.append(
            (f"ultron.obs.{uid}", data if isinstance(data, bytes) else json.dumps(data).encode())
        )
        return len(self.msgs)

    def obs(self, uid, index, value=None, state="complete", params=None):
        m = {
            "v": 1,
            "kind": "observation",
            "index": index,
            "params": params or {"x": 0.5, "opt": "adam"},
            "state": state,
        }
        if value is not None:
            m["value"] = value
        return self.add(uid, m)

    def other(self):
        return self.add("someone-else", b"{}")

    async def read(self, uid, from_seq):
        self.reads += 1
        for seq in range(max(1, from_seq), len(self.msgs) + 1):
            if self.msgs[seq - 1][0] == f"ultron.obs.{uid}":
                return seq, self.msgs[seq - 1][1]
        return None


# -- a private nats-server ---------------------------------------------------------------------------


def nats_server_binary() -> Path:
    """The bed's pinned binary: the same cache key as e2e/cluster/lib.sh (sha256 of versions.env)."""
    key = hashlib.sha256((REPO / "e2e" / "cluster" / "versions.env").read_bytes()).hexdigest()[:12]
    root = os.environ.get("ULTRON_TESTBED_CACHE") or os.path.expanduser("~/.cache/ultron-testbed")
    return Path(root) / key / "bin" / "nats-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NatsServer:
    def __init__(self, binary: Path):
        self.store = tempfile.mkdtemp(prefix="ultron-nats-py-")
        self.port = _free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.log = Path(self.store) / "server.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [str(binary), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.store],
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
        deadline = time.monotonic() + 15
        while b"Server is ready" not in self.log.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nats-server did not start: {self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.store, ignore_errors=True)


async def create_streams(js: Any) -> None:
    """The four streams exactly as subjects.ts specifies them."""
    from nats.js import api

    for s in ts_streams():
        await js.add_stream(
            api.StreamConfig(
                name=s["name"],
                subjects=s["subjects"],
                retention=(
                    api.RetentionPolicy.WORK_QUEUE
                    if s["retention"] == "workqueue"
                    else api.RetentionPolicy.LIMITS
                ),
                max_age=s["maxAgeSeconds"] or None,
                duplicate_window=s["duplicateWindowSeconds"],
                storage=api.StorageType.FILE,
            )
        )


# -- the operator's side -----------------------------------------------------------------------------


async def publish_observation(
    js: Any,
    uid: str,
    index: int,
    params: Dict[str, Any],
    state: str = "complete",
    value: Optional[float] = None,
    msg_id: Optional[str] = None,
) -> int:
    m: Dict[str, Any] = {"v": 1, "kind": "observation", "index": index, "params": params, "state": state}
    if value is not None:
        m["value"] = value
    ack = await js.publish(
        f"ultron.obs.{uid}", json.dumps(m).encode(), headers={"Nats-Msg-Id": msg_id or f"obs-{uid}-{index}"}
    )
    return ack.seq


def request(
    rid: str,
    uid: str,
    sampler: str,
    parameters: List[Dict[str, Any]],
    indices: List[int],
    up_to: int,
    count: int,
    **extra: Any,
) -> Dict[str, Any]:
    m = {
        "v": 1,
        "kind": "suggest",
        "id": rid,
        "job": {"namespace": "team-a", "name": f"job-{uid}", "uid": uid},
        "sampler": {"name": sampler, "settings": {}},
        "parameters": parameters,
        "direction": "minimize",
        "seed": 42,
        "indices": indices,
        "pending": [],
        "observations": {"upToSeq": up_to, "count": count},
        "sentAt": "2026-12-01T20:00:00Z",
    }
    m.update(extra)
    return m


async def publish_request(js: Any, m: Dict[str, Any], msg_id: Optional[str] = None) -> Any:
    return await js.publish(
        f"ultron.suggest.{m['sampler']['name']}",
        json.dumps(m).encode(),
        headers={"Nats-Msg-Id": msg_id or m["id"]},
    )
