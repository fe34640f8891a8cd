"""ultron.sampler against a real JetStream server (the test bed's pinned nats-server), with the four streams
as operator/bus/subjects.ts specifies them and messages published as the operator publishes them."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

import nats
import nats.js.errors

import natsbed
from natsbed import publish_observation, publish_request, request
from ultron.sampler import Sampler, SamplerServer, Space

BINARY = natsbed.nats_server_binary()
pytestmark = pytest.mark.skipif(
    not BINARY.exists(),
    reason=f"no nats-server at {BINARY}: the test bed's binaries are built by bash e2e/cluster/build.sh",
)

PARAMS = [
    {"name": "lr", "type": "float", "min": 1e-4, "max": 1.0, "log": True},
    {"name": "hidden", "type": "int", "min": 2, "max": 64, "log": True},
    {"name": "opt", "type": "categorical", "values": ["adam", "sgd"]},
    {"name": "momentum", "type": "float", "min": 0, "max": 0.9, "step": 0.1, "when": {"opt": ["sgd"]}},
]
SPACE = Space(PARAMS)


@pytest.fixture(scope="module")
def nats_url():
    server = natsbed.NatsServer(BINARY)
    try:
        asyncio.run(_with_js(server.url, natsbed.create_streams))
        yield server.url
    finally:
        server.stop()


async def _with_js(url, fn):
    nc = await nats.connect(url)
    try:
        return await fn(nc.jetstream())
    finally:
        await nc.close()


def run(url, fn, timeout=30):
    """Runs `async fn(js)` on a fresh connection (the test's side: the operator)."""
    return asyncio.run(asyncio.wait_for(_with_js(url, fn), timeout))


class Serving:
    """A SamplerServer on its own thread, as a pod would run serve()."""

    def __init__(self, url, name, factory, **options):
        self.server = SamplerServer(name, factory, url, fetch_timeout=0.5, **options)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.run()), daemon=True)
        self.thread.start()

    def wait_ready(self):
        assert self.server.ready.wait(15), "the sampler did not bind its consumer"
        return self

    def stop(self):
        self.server.stop()
        self.thread.join(15)
        assert not self.thread.is_alive()


@pytest.fixture
def serve_in_thread(nats_url):
    started = []

    def start(name, factory, url=None, ready=True, **options):
        s = Serving(url or nats_url, name, factory, **options)
        started.append(s)
        return s.wait_ready() if ready else s

    yield start
    for s in started:
        s.stop()


class Recorder(Sampler):
    """Records its calls (from the server's worker thread) and samples uniformly."""

    calls = []
    lock = threading.Lock()

    def update(self, configs, scores):
        with Recorder.lock:
            Recorder.calls.append(("update", self.job["uid"], configs, scores))

    def sample(self, n, space, context):
        with Recorder.lock:
            Recorder.calls.append(("sample", self.job["uid"], context.request_id, n))
        return [space.sample(context.rng(i)) for i in context.indices]


@pytest.fixture(autouse=True)
def fresh():
    Recorder.calls = []


def names():
    """A sampler name and a job uid of this test's own (the streams are shared by the module)."""
    u = uuid.uuid4().hex[:8]
    return f"s-{u}", f"{u}-0000-4000-8000-000000000000"


async def answers(js, uid, want=1, timeout=10.0):
    """Every message on ultron.suggestions.<uid>, waiting until there are `want`."""
    deadline = time.monotonic() + timeout
    while True:
        out, seq = [], 1
        while True:
            try:
                m = await js.get_msg(
                    "ULTRON_SUGGESTIONS", seq=seq, subject=f"ultron.suggestions.{uid}", next=True
                )
            except nats.js.errors.NotFoundError:
                break
            out.append((m.headers or {}, json.loads(m.data)))
            seq = m.seq + 1
        if len(out) >= want or time.monotonic() > deadline:
            return out
        await asyncio.sleep(0.05)


async def settled(js, name, timeout=10.0):
    """The consumer of `name` once it has no request pending or unacked."""
    deadline = time.monotonic() + timeout
    while True:
        info = await js.consumer_info("ULTRON_SUGGEST", f"ultron-sampler-{name}")
        if (info.num_pending == 0 and info.num_ack_pending == 0) or time.monotonic() > deadline:
            return info
        await asyncio.sleep(0.05)


def test_answers_a_request_then_acks_it(nats_url, serve_in_thread):
    name, uid = names()
    serve_in_thread(name, Recorder)

    async def scenario(js):
        await publish_observation(js, uid, 0, {"lr": 0.01, "hidden": 8, "opt": "adam"}, value=0.4)
        last = await publish_observation(js, uid, 1, {"lr": 0.5, "hidden": 4, "opt": "adam"}, state="failed")
        await publish_request(js, request(f"r1-{uid}", uid, name, PARAMS, [2, 3], last, 2))
        got = await answers(js, uid)
        return (
            got,
            await settled(js, name),
            await js.stream_info("ULTRON_SUGGEST", subjects_filter=f"ultron.suggest.{name}"),
        )

    got, consumer, stream = run(nats_url, scenario)
    [(headers, answer)] = got
    assert headers["Nats-Msg-Id"] == f"answer-r1-{uid}"
    assert (answer["v"], answer["kind"], answer["requestId"], answer["sampler"]) == (
        1,
        "suggestions",
        f"r1-{uid}",
        name,
    )
    assert [c["index"] for c in answer["configs"]] == [2, 3]
    assert all(SPACE.validate(c["params"]) == [] for c in answer["configs"])
    assert Recorder.calls[0] == (
        "update",
        uid,
        [{"lr": 0.01, "hidden": 8, "opt": "adam"}, {"lr": 0.5, "hidden": 4, "opt": "adam"}],
        [0.4, None],
    )
    assert Recorder.calls[1] == ("sample", uid, f"r1-{uid}", 2)
    # The shared durable consumer as the protocol names it; the request was acked, so the work queue is empty.
    assert consumer.config.filter_subjects == [f"ultron.suggest.{name}"]
    assert (
        consumer.config.ack_policy == "explicit" and consumer.config.durable_name == f"ultron-sampler-{name}"
    )
    assert (stream.state.subjects or {}).get(f"ultron.suggest.{name}", 0) == 0


def test_a_resent_request_is_answered_once(nats_url, serve_in_thread):
    name, uid = names()
    serve_in_thread(name, Recorder)
    m = request(f"r1-{uid}", uid, name, PARAMS, [0], 0, 0)

    async def scenario(js):
        first = await publish_request(js, m)
        again = await publish_request(js, m)  # the operator re-sends with the same Nats-Msg-Id
        await settled(js, name)
        # A redelivery the stream did not dedupe (as after a sampler crash before its ack): it is served
        # again, and its answer is dropped by the answer's Nats-Msg-Id.
        await publish_request(js, m, msg_id=f"r1-{uid}-redelivered")
        await settled(js, name)
        return first, again, await answers(js, uid, want=2, timeout=1.0)

    first, again, got = run(nats_url, scenario)
    assert not first.duplicate and again.duplicate and again.seq == first.seq
    assert [c for c in Recorder.calls if c[0] == "sample"] == [("sample", uid, f"r1-{uid}", 1)] * 2
    assert len(got) == 1 and got[0][0]["Nats-Msg-Id"] == f"answer-r1-{uid}"


def test_observations_incomplete_then_answered(nats_url, serve_in_thread):
    name, uid = names()
    serve_in_thread(name, Recorder)

    async def scenario(js):
        seq = await publish_observation(js, uid, 0, {"lr": 0.01, "hidden": 8, "opt": "adam"}, value=0.4)
        # The operator counted two finished trials but only one reached the stream.
        await publish_request(js, request(f"r1-{uid}", uid, name, PARAMS, [2], seq, 2))
        (first,) = await answers(js, uid)
        last = await publish_observation(
            js, uid, 1, {"lr": 0.1, "hidden": 16, "opt": "sgd", "momentum": 0.5}, value=0.2
        )
        await publish_request(js, request(f"r2-{uid}", uid, name, PARAMS, [2], last, 2))
        return first, (await answers(js, uid, want=2))[1]

    (_, first), (_, second) = run(nats_url, scenario)
    assert (first["kind"], first["code"], first["requestId"]) == (
        "error",
        "ObservationsIncomplete",
        f"r1-{uid}",
    )
    assert "found 1 of 2 observations" in first["message"]
    assert second["kind"] == "suggestions" and second["configs"][0]["index"] == 2
    # The cached instance got each trial once: the first, then only the re-published one.
    updates = [c[3] for c in Recorder.calls if c[0] == "update"]
    assert updates == [[0.4], [0.2]]


class OffByOne(Sampler):
    def sample(self, n, space, context):
        return [{"lr": 2.0, "hidden": 8, "opt": "adam"} for _ in range(n)]


def test_a_bad_user_sampler_gets_an_error_answer(nats_url, serve_in_thread, caplog):
    name, uid = names()
    serve_in_thread(name, OffByOne)

    async def scenario(js):
        await publish_request(js, request(f"r1-{uid}", uid, name, PARAMS, [0], 0, 0))
        await publish_request(js, request(f"r2-{uid}", uid, name, PARAMS, [1], 0, 0, v=2))
        got = await answers(js, uid, want=2)
        await settled(js, name)
        return got

    (h1, bad), (_, invalid) = run(nats_url, scenario)
    assert h1["Nats-Msg-Id"] == f"answer-r1-{uid}"
    assert (bad["kind"], bad["code"]) == ("error", "Internal")
    assert (
        bad["message"]
        == "sample() returned invalid configurations: index 0: lr: 2.0 is outside [0.0001, 1.0]"
    )
    assert "lr: 2.0 is outside" in caplog.text  # logged where the sampler runs, too
    assert (invalid["code"], invalid["message"]) == ("InvalidRequest", "v: must be 1, got 2")


def test_an_evicted_job_is_rebuilt_by_replaying_from_the_start(nats_url, serve_in_thread):
    name, uid_a = names()
    _, uid_b = names()
    serving = serve_in_thread(name, Recorder, max_jobs=1)

    async def scenario(js):
        await publish_observation(js, uid_a, 0, {"lr": 0.01, "hidden": 8, "opt": "adam"}, value=0.4)
        last = await publish_observation(js, uid_a, 1, {"lr": 0.02, "hidden": 9, "opt": "adam"}, value=0.3)
        for rid, uid, count in [("a1", uid_a, 2), ("b1", uid_b, 0), ("a2", uid_a, 2)]:
            await publish_request(js, request(f"{rid}-{uid}", uid, name, PARAMS, [5], last, count))
            await settled(js, name)
        return await answers(js, uid_a, want=2)

    got = run(nats_url, scenario)
    assert [a["kind"] for _, a in got] == ["suggestions", "suggestions"]
    updates = [(c[1], c[3]) for c in Recorder.calls if c[0] == "update"]
    assert updates == [(uid_a, [0.4, 0.3]), (uid_a, [0.4, 0.3])]  # b had nothing; a was replayed whole
    assert serving.server.handler.cached_jobs == [uid_a]


def test_replicas_share_the_consumer(nats_url, serve_in_thread):
    name, _ = names()
    serve_in_thread(name, Recorder)
    serve_in_thread(name, Recorder)
    uids = [names()[1] for _ in range(6)]

    async def scenario(js):
        for i, uid in enumerate(uids):
            await publish_request(js, request(f"r{i}-{uid}", uid, name, PARAMS, [0, 1], 0, 0))
        return [await answers(js, uid) for uid in uids], await settled(js, name)

    got, consumer = run(nats_url, scenario)
    assert [len(a) for a in got] == [1] * 6 and all(a[0][1]["kind"] == "suggestions" for a in got)
    assert consumer.num_pending == 0 and consumer.num_ack_pending == 0
    assert len([c for c in Recorder.calls if c[0] == "sample"]) == 6  # each request served by one replica


class Slow(Recorder):
    def sample(self, n, space, context):
        time.sleep(2.5)
        return super().sample(n, space, context)


def test_a_slow_sampler_keeps_its_request(nats_url, serve_in_thread):
    # ack_wait 1 s and a 2.5 s sample(): without in-progress acks the server would deliver the request
    # again after 1 s, to the other replica, which is waiting for work.
    name, uid = names()
    serve_in_thread(name, Slow, ack_wait=1.0)
    serve_in_thread(name, Slow, ack_wait=1.0)

    async def scenario(js):
        await publish_request(js, request(f"r1-{uid}", uid, name, PARAMS, [0], 0, 0))
        got = await answers(js, uid)
        await asyncio.sleep(1.5)  # past another ack_wait: a redelivery would be served by now
        return got, await settled(js, name)

    got, consumer = run(nats_url, scenario)
    assert len(got) == 1 and consumer.num_redelivered == 0
    assert len([c for c in Recorder.calls if c[0] == "sample"]) == 1


def test_waits_for_the_streams_the_operator_creates(serve_in_thread):
    server = natsbed.NatsServer(BINARY)  # a server of its own, without streams yet
    try:
        name, uid = names()
        serving = serve_in_thread(name, Recorder, url=server.url, ready=False)
        time.sleep(1.0)
        assert not serving.server.ready.is_set()
        run(server.url, natsbed.create_streams)
        serving.wait_ready()

        async def scenario(js):
            await publish_request(js, request(f"r1-{uid}", uid, name, PARAMS, [0], 0, 0))
            return await answers(js, uid)

        assert run(server.url, scenario)[0][1]["kind"] == "suggestions"
        serving.stop()
    finally:
        server.stop()


def test_stop_while_nats_is_unreachable_returns():
    # Nothing listens there: nats-py would retry the first connection forever; stop() must still end it.
    server = SamplerServer("unreachable", Recorder, f"nats://127.0.0.1:{natsbed._free_port()}")
    thread = threading.Thread(target=lambda: asyncio.run(server.run()), daemon=True)
    thread.start()
    time.sleep(1.0)
    started = time.monotonic()
    server.stop()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - started < 5 and not server.ready.is_set()


SCRIPT = """
import sys
sys.path.insert(0, {sdk!r})
from ultron.sampler import Sampler, serve

class Uniform(Sampler):
    def sample(self, n, space, context):
        return [space.sample(context.rng(i)) for i in context.indices]

serve({name!r}, Uniform, servers={url!r}, fetch_timeout=0.5)
print("returned", flush=True)
"""


def test_serve_answers_and_drains_on_sigterm(nats_url, tmp_path):
    name, uid = names()
    script = tmp_path / "sampler.py"
    script.write_text(SCRIPT.format(sdk=str(natsbed.REPO / "sdk" / "python"), name=name, url=nats_url))
    log = tmp_path / "log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(script)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while b"serving ultron.suggest." not in log.read_bytes():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)

        async def scenario(js):
            await publish_request(js, request(f"r1-{uid}", uid, name, PARAMS, [0, 1, 2], 0, 0))
            got = await answers(js, uid)
            await settled(js, name)
            return got

        [(_, answer)] = run(nats_url, scenario)
        assert [c["index"] for c in answer["configs"]] == [0, 1, 2]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        text = log.read_text()
        assert (
            "answered [0, 1, 2]" in text
            and f"sampler {name}: stopped" in text
            and text.rstrip().endswith("returned")
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
