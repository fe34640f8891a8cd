"""The request handling of ultron.sampler without NATS: an in-memory observation stream."""

import asyncio
import json
import logging

import pytest

from natsbed import MemoryStream as Stream, request
from ultron.sampler import Sampler, SpaceExhausted
from ultron._engine import Handler

PARAMS = [
    {"name": "x", "type": "float", "min": 0, "max": 1},
    {"name": "opt", "type": "categorical", "values": ["adam", "sgd"]},
    {"name": "m", "type": "int", "min": 1, "max": 9, "when": {"opt": ["sgd"]}},
]


class Recorder(Sampler):
    created = []

    def __init__(self):
        self.updates = []
        Recorder.created.append(self)

    def update(self, configs, scores):
        self.updates.append((configs, scores))

    def sample(self, n, space, context):
        self.context = context
        return [space.sample(context.rng(i)) for i in context.indices]


@pytest.fixture(autouse=True)
def fresh():
    Recorder.created = []


def handle(handler, m):
    return asyncio.run(handler.handle(json.dumps(m).encode() if isinstance(m, dict) else m))


def req(rid, up_to, count, uid="u1", indices=(5, 6), parameters=PARAMS, **extra):
    return request(rid, uid, "mine", parameters, list(indices), up_to, count, **extra)


def test_answers_with_one_valid_config_per_index_after_the_observations():
    s = Stream()
    s.obs("u1", 0, 0.3)
    s.other()
    s.obs("u1", 1, state="failed")
    last = s.obs("u1", 2, 0.9, state="pruned")
    h = Handler("mine", Recorder, s.read)
    r = handle(h, req("r1", last, 3, pending=[{"index": 4, "params": {"x": 0.1, "opt": "adam"}}]))
    assert r.subject == "ultron.suggestions.u1" and r.msg_id == "answer-r1"
    assert (
        r.message["kind"] == "suggestions"
        and r.message["sampler"] == "mine"
        and r.message["requestId"] == "r1"
    )
    assert [c["index"] for c in r.message["configs"]] == [5, 6]
    (sampler,) = Recorder.created
    # One update with the three trials; only a complete one has a score.
    assert sampler.updates == [([{"x": 0.5, "opt": "adam"}] * 3, [0.3, None, None])]
    ctx = sampler.context
    assert (ctx.seed, ctx.direction, ctx.indices, ctx.observations) == (42, "minimize", [5, 6], 3)
    assert ctx.pending == [{"index": 4, "params": {"x": 0.1, "opt": "adam"}}]
    assert (
        sampler.direction == "minimize"
        and sampler.job["uid"] == "u1"
        and sampler.space.names == ["x", "opt", "m"]
    )


def test_the_answer_is_the_same_whoever_serves_it():
    s = Stream()
    last = s.obs("u1", 0, 0.3)
    a = handle(Handler("mine", Recorder, s.read), req("r1", last, 1))
    b = handle(Handler("mine", Recorder, s.read), req("r2", last, 1))
    assert a.message["configs"] == b.message["configs"]
    # rng(index) does not depend on the batch: index 6 alone gets what it got beside 5.
    c = handle(Handler("mine", Recorder, s.read), req("r3", last, 1, indices=[6]))
    assert c.message["configs"] == a.message["configs"][1:]


def test_a_cached_job_reads_only_new_observations_and_dedupes_by_index():
    s = Stream()
    first = s.obs("u1", 0, 0.3)
    h = Handler("mine", Recorder, s.read)
    handle(h, req("r1", first, 1))
    s.obs("u1", 0, 0.3)  # the operator re-published index 0 after the dedup window
    last = s.obs("u1", 1, 0.2)
    reads = s.reads
    handle(h, req("r2", last, 2))
    (sampler,) = Recorder.created  # the same instance
    assert sampler.updates[1] == ([{"x": 0.5, "opt": "adam"}], [0.2])
    assert s.reads - reads == 2  # seq 2 (index 0 again) and seq 3, which is upToSeq: no read past it
    handle(h, req("r3", last, 2))
    assert len(sampler.updates) == 2  # nothing new: no update() call


def test_observations_after_up_to_seq_wait_for_a_later_request():
    s = Stream()
    first = s.obs("u1", 0, 0.3)
    s.obs("u1", 1, 0.2)  # published after the request was made
    h = Handler("mine", Recorder, s.read)
    handle(h, req("r1", first, 1))
    assert Recorder.created[0].updates == [([{"x": 0.5, "opt": "adam"}], [0.3])]
    handle(h, req("r2", 2, 2))
    assert Recorder.created[0].updates[1][1] == [0.2]


def test_fewer_observations_than_counted_is_observations_incomplete():
    s = Stream()
    last = s.obs("u1", 0, 0.3)
    s.add("u1", b"not json")  # skipped with a warning, not counted
    h = Handler("mine", Recorder, s.read)
    r = handle(h, req("r1", 2, 2))
    assert r.message["kind"] == "error" and r.message["code"] == "ObservationsIncomplete"
    assert "found 1 of 2 observations on ultron.obs.u1 up to seq 2" in r.message["message"]
    assert r.msg_id == "answer-r1"
    # The operator re-publishes the missing one; the next request counts it.
    s.obs("u1", 1, 0.1)
    assert handle(h, req("r2", 3, 2)).message["kind"] == "suggestions"
    assert last == 1


def test_a_request_older_than_what_the_instance_read_sees_only_its_own_observations():
    s = Stream()
    s.obs("u1", 0, 0.3)
    s.obs("u1", 1, 0.2)
    h = Handler("mine", Recorder, s.read)
    handle(h, req("new", 2, 2))
    # A redelivered older request (made after one observation) is answered by a fresh instance that saw
    # only that one, as a replica without the cache would answer it; the cached instance stays.
    r = handle(h, req("old", 1, 1))
    assert r.message["kind"] == "suggestions"
    cached, past = Recorder.created
    assert past.updates == [([{"x": 0.5, "opt": "adam"}], [0.3])] and past.context.observations == 1
    assert (
        r.message["configs"] == handle(Handler("mine", Recorder, s.read), req("old", 1, 1)).message["configs"]
    )
    handle(h, req("newer", 2, 2))
    assert len(Recorder.created) == 3 and cached.context.request_id == "newer"  # the cached one serves it


def test_an_evicted_job_is_rebuilt_from_seq_zero():
    s = Stream()
    s.obs("a", 0, 0.3)
    s.obs("b", 0, 0.2)
    last = s.obs("a", 1, 0.1)
    h = Handler("mine", Recorder, s.read, max_jobs=1)
    handle(h, req("r1", last, 2, uid="a"))
    handle(h, req("r2", last, 1, uid="b"))
    assert h.cached_jobs == ["b"]
    handle(h, req("r3", last, 2, uid="a"))
    a1, b, a2 = Recorder.created
    assert a2 is not a1 and a2.updates == a1.updates == [([{"x": 0.5, "opt": "adam"}] * 2, [0.3, 0.1])]


def test_lru_keeps_the_recently_used_job():
    s = Stream()
    h = Handler("mine", Recorder, s.read, max_jobs=2)
    for rid, uid in [("1", "a"), ("2", "b"), ("3", "a"), ("4", "c")]:
        handle(h, req(rid, 0, 0, uid=uid))
    assert h.cached_jobs == ["a", "c"]


def test_a_changed_spec_gets_a_fresh_instance():
    s = Stream()
    last = s.obs("u1", 0, 0.3)
    h = Handler("mine", Recorder, s.read)
    handle(h, req("r1", last, 1))
    handle(h, req("r2", last, 1, direction="maximize"))
    assert len(Recorder.created) == 2 and Recorder.created[1].direction == "maximize"
    assert Recorder.created[1].updates == Recorder.created[0].updates


class Returns(Sampler):
    value = None

    def sample(self, n, space, context):
        return Returns.value


@pytest.mark.parametrize(
    "value, message",
    [
        ([{"x": 2.0, "opt": "adam"}], "index 5: x: 2.0 is outside [0, 1]"),
        ([{"x": 0.5, "opt": "rmsprop"}], "index 5: opt: 'rmsprop' is not one of ['adam', 'sgd']"),
        (
            [{"x": 0.5, "opt": "adam", "m": 3}],
            "index 5: m: must be absent because its 'when' condition is not met",
        ),
        ([{"x": 0.5, "opt": "sgd", "m": 2.5}], "index 5: m: must be an integer"),
        ([{"x": 0.5, "opt": "sgd"}], "index 5: m: missing"),
        ([{"x": 0.5, "opt": "adam"}] * 2, "returned 2 configurations for 1 indices"),
        ({"x": 0.5, "opt": "adam"}, "returned one configuration (a mapping)"),
        (None, "must return a list of configurations, got NoneType"),
        (["x"], "index 5: must be a mapping"),
    ],
)
def test_invalid_configs_are_an_internal_error_logged_locally(value, message, caplog):
    Returns.value = value
    h = Handler("mine", Returns, Stream().read)
    with caplog.at_level(logging.ERROR, logger="ultron.sampler"):
        r = handle(h, req("r1", 0, 0, indices=[5]))
    assert r.message["kind"] == "error" and r.message["code"] == "Internal"
    assert message in r.message["message"]
    assert message in caplog.text and "job team-a/job-u1 request r1" in caplog.text
    assert h.cached_jobs == []  # the failed instance is not trusted


def test_a_generator_of_configs_is_accepted():
    class Gen(Sampler):
        def sample(self, n, space, context):
            return ({"x": 0.25, "opt": "adam"} for _ in range(n))

    r = handle(Handler("mine", Gen, Stream().read), req("r1", 0, 0))
    assert r.message["configs"] == [
        {"index": 5, "params": {"x": 0.25, "opt": "adam"}},
        {"index": 6, "params": {"x": 0.25, "opt": "adam"}},
    ]


def test_exceptions_become_error_answers(caplog):
    class Boom(Sampler):
        def update(self, configs, scores):
            raise RuntimeError("no model")

    class Done(Sampler):
        def sample(self, n, space, context):
            raise SpaceExhausted("all 12 grid points were suggested")

    s = Stream()
    last = s.obs("u1", 0, 0.3)
    r = handle(Handler("mine", Boom, s.read), req("r1", last, 1))
    assert (r.message["code"], r.message["message"]) == (
        "Internal",
        "update() failed: RuntimeError: no model",
    )
    assert "Traceback" in caplog.text
    r = handle(Handler("mine", Done, s.read), req("r2", last, 1))
    assert (r.message["code"], r.message["message"]) == (
        "SpaceExhausted",
        "all 12 grid points were suggested",
    )
    r = handle(Handler("mine", Sampler, s.read), req("r3", last, 1))  # sample() not defined
    assert r.message["code"] == "Internal" and "NotImplementedError" in r.message["message"]

    def broken_factory():
        raise TypeError("missing argument")

    r = handle(Handler("mine", broken_factory, s.read), req("r4", last, 1))
    assert r.message["message"] == "creating the sampler failed: TypeError: missing argument"


def test_a_failing_observation_read_is_internal():
    async def read(uid, seq):
        raise ConnectionError("gone")

    r = handle(Handler("mine", Recorder, read), req("r1", 1, 1))
    assert (
        r.message["code"] == "Internal"
        and "reading ultron.obs.u1 failed: ConnectionError: gone" in r.message["message"]
    )


def test_invalid_requests():
    h = Handler("mine", Recorder, Stream().read)
    r = handle(h, req("r1", 0, 0, v=2))
    assert (r.message["code"], r.subject) == ("InvalidRequest", "ultron.suggestions.u1")
    assert r.message["message"] == "v: must be 1, got 2"
    r = handle(h, req("r2", 0, 0, parameters=[{"name": "x", "type": "float", "min": 1, "max": 0}]))
    assert (
        r.message["code"] == "InvalidRequest" and "x: needs finite numbers min < max" in r.message["message"]
    )
    # Nowhere to answer: dropped (the server terms the message).
    assert handle(h, b"{not json") is None
    assert handle(h, {**req("r3", 0, 0), "id": 7}) is None
    assert handle(h, {**req("r4", 0, 0), "job": {"uid": "a.b"}}) is None
    r = handle(h, {**req("r5", 0, 0), "sampler": {"name": "tpe", "settings": {}}})
    assert r.message["message"] == "sent to ultron.suggest.mine but names sampler 'tpe'"
    assert Recorder.created == []


def test_better_follows_the_direction():
    s = Sampler()
    assert s.better(1, 2) and not s.better(2, 1) and s.better(5, None) and not s.better(None, 5)
    s.direction = "maximize"
    assert s.better(2, 1)


def test_handler_checks_its_arguments():
    with pytest.raises(ValueError, match="DNS label"):
        Handler("My_Sampler", Recorder, Stream().read)
    with pytest.raises(ValueError, match="max_jobs"):
        Handler("mine", Recorder, Stream().read, max_jobs=0)
