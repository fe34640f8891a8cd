"""What a custom sampler does with one suggest request, apart from NATS: the user's `Sampler` API, the
per-job state (a bounded LRU), the replay of a job's observations, and the checks on both sides.

The transport (sampler.py) passes in how to read the observation stream and how to run user code, so
this module is tested with an in-memory stream as well as against a real server. Standard library only.
"""

import hashlib
import json
import logging
import random
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

from . import _protocol as proto
from ._space import Config, Space

T = TypeVar("T")

log = logging.getLogger("ultron.sampler")


class SamplerError(Exception):
    """Raised by a sampler to answer with a protocol error code instead of configurations."""

    code = "Internal"


class InvalidSettings(SamplerError):
    """The job's `sampler.settings` or its space do not suit this sampler; the job shows the message."""

    code = "InvalidSettings"


class SpaceExhausted(SamplerError):
    """No configuration is left (a finished grid); the job ends with SpaceExhausted once nothing runs."""

    code = "SpaceExhausted"


class Sampler:
    """Base class of a custom sampler. The server keeps one instance per job and calls, per request:
    `update()` with the trials that finished since the previous call (if any), then `sample()`.

    Before the first call it sets `space` (a Space), `direction` ("minimize" or "maximize"), `settings`
    (the job's `sampler.settings`) and `job` ({namespace, name, uid}) on the instance, so a subclass
    may define `__init__` without arguments or not at all.

    The instance is a cache, never the only copy: after an eviction, a restart or on another replica a
    new one is fed every observation again. So its state must follow from the observations alone.
    """

    space: Space
    direction: str = "minimize"
    settings: Dict[str, Any]
    job: Dict[str, str]

    def sample(self, n: int, space: Space, context: "Context") -> List[Config]:
        """Return `n` configurations, one for each of `context.indices`, in that order."""
        raise NotImplementedError("a Sampler must define sample(n, space, context)")

    def update(self, configs: List[Config], scores: List[Optional[float]]) -> None:
        """Finished trials in the order they finished: their params and objective, None for a failed or
        pruned trial. The default ignores them (a sampler that does not learn)."""

    def better(self, a: Optional[float], b: Optional[float]) -> bool:
        """Whether score `a` is strictly better than `b` in the job's direction (None is the worst)."""
        if a is None:
            return False
        if b is None:
            return True
        return a > b if self.direction == "maximize" else a < b


@dataclass
class Context:
    """What a request says besides the space: `indices` to fill, `pending` (trials created and not
    finished, as [{index, params}], e.g. for a constant liar), the job's `seed` and `direction`."""

    request_id: str
    job: Dict[str, str]
    seed: int
    direction: str
    indices: List[int]
    pending: List[Dict[str, Any]]
    settings: Dict[str, Any]
    observations: int = 0
    """How many finished trials the request was made after."""

    def rng(self, index: int, *keys: Any) -> random.Random:
        """A generator that depends only on (job seed, trial index, keys): the same answer whichever
        replica serves the request and however the indices are batched (ARCHITECTURE §4)."""
        text = json.dumps([self.seed, index, *keys], separators=(",", ":"))
        return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


@dataclass
class Reply:
    subject: str
    msg_id: str
    message: Dict[str, Any]


@dataclass
class _Job:
    sampler: Sampler
    fingerprint: str
    last_seq: int = 0
    """The highest observation sequence read for this job."""
    seen: Dict[int, int] = field(default_factory=dict)
    """Trial index → the sequence of its first observation (later copies of an index are ignored)."""


ObservationReader = Callable[[str, int], Awaitable[Optional[Tuple[int, bytes]]]]
"""(job uid, from_seq) → (seq, data) of the first message on ultron.obs.<uid> at or after from_seq,
or None when there is none."""
Runner = Callable[[Callable[[], Any]], Awaitable[Any]]
"""Runs user code; the server runs it on a worker thread so the connection stays served meanwhile."""


async def _inline(fn: Callable[[], T]) -> T:
    return fn()


class _Failure(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Handler:
    """Turns one suggest request into the reply to publish (or None when it cannot be answered)."""

    def __init__(
        self,
        name: str,
        factory: Callable[[], Sampler],
        read_observation: ObservationReader,
        *,
        max_jobs: int = 100,
        run: Runner = _inline,
    ):
        if not proto.is_sampler_name(name):
            raise ValueError(f"sampler name {name!r} must be a DNS label (lower-case letters, digits, '-')")
        if max_jobs < 1:
            raise ValueError("max_jobs must be at least 1")
        self.name = name
        self._factory = factory
        self._read = read_observation
        self._run = run
        self._max_jobs = max_jobs
        self._jobs: "OrderedDict[str, _Job]" = OrderedDict()

    @property
    def cached_jobs(self) -> List[str]:
        """Job uids with a live sampler instance, least recently used first."""
        return list(self._jobs)

    def forget(self, uid: str) -> None:
        self._jobs.pop(uid, None)

    async def handle(self, data: bytes) -> Optional[Reply]:
        m, problem = proto.decode_json(data)
        if m is None:
            log.error("sampler %s: dropped an unreadable request: %s", self.name, problem)
            return None
        rid = m.get("id") if isinstance(m.get("id"), str) and m.get("id") else None
        job = m.get("job") if isinstance(m.get("job"), dict) else {}
        uid = job.get("uid")
        problems = proto.request_problems(m)
        space: Optional[Space] = None
        if not problems:
            try:
                space = Space(m["parameters"])
            except ValueError as e:
                problems.append(f"parameters: {e}")
        if not problems and m["sampler"]["name"] != self.name:
            problems.append(
                f"sent to {proto.suggest_subject(self.name)} but names sampler {m['sampler']['name']!r}"
            )
        if problems:
            text = "; ".join(problems)
            if rid is None or not proto.is_subject_token(uid):
                # Nowhere to answer: the request names no id or no job.
                log.error("sampler %s: dropped a request that names no id or job: %s", self.name, text)
                return None
            log.error("sampler %s: invalid request %s: %s", self.name, rid, text)
            return self._error(rid, uid, "InvalidRequest", text)
        assert space is not None and rid is not None
        where = f"job {job['namespace']}/{job['name']} request {rid}"
        started = time.monotonic()
        try:
            configs = await self._serve(m, space, where)
        except _Failure as f:
            return self._error(rid, uid, f.code, f.message)
        log.info(
            "sampler %s: %s: answered %s in %.0f ms",
            self.name,
            where,
            [c["index"] for c in configs],
            (time.monotonic() - started) * 1000,
        )
        return Reply(
            proto.suggestions_subject(uid), proto.answer_msg_id(rid), proto.answer(rid, self.name, configs)
        )

    def _error(self, rid: str, uid: str, code: str, message: str) -> Reply:
        return Reply(
            proto.suggestions_subject(uid),
            proto.answer_msg_id(rid),
            proto.error(rid, self.name, code, message),
        )

    async def _serve(self, m: Dict[str, Any], space: Space, where: str) -> List[Dict[str, Any]]:
        uid = m["job"]["uid"]
        up_to, count = int(m["observations"]["upToSeq"]), int(m["observations"]["count"])
        job = self._job(m, space, where)
        await self._replay(job, uid, up_to, where)
        if any(seq > up_to for seq in job.seen.values()):
            # A request older than what the instance has read (redelivered after a later one): serve it
            # with a fresh instance fed up to its own seq, uncached, so the answer depends on the request
            # alone and not on what this replica happened to see.
            job = _Job(self._new_sampler(m, space, where), "")
            await self._replay(job, uid, up_to, where)
        found = len(job.seen)
        if found < count:
            subject = proto.observations_subject(uid)
            message = f"found {found} of {count} observations on {subject} up to seq {up_to}"
            log.warning("sampler %s: %s: %s", self.name, where, message)
            raise _Failure("ObservationsIncomplete", message)

        indices = [int(i) for i in m["indices"]]
        context = Context(
            request_id=m["id"],
            job=dict(m["job"]),
            seed=int(m["seed"]),
            direction=m["direction"],
            indices=indices,
            pending=[{"index": int(p["index"]), "params": p["params"]} for p in m["pending"]],
            settings=m["sampler"]["settings"],
            observations=found,
        )
        out = await self._user(
            uid, where, "sample()", lambda: job.sampler.sample(len(indices), space, context)
        )
        configs, problems = _check_configs(out, indices, space)
        if problems:
            message = f"sample() returned invalid configurations: {'; '.join(problems)}"
            log.error("sampler %s: %s: %s", self.name, where, message)
            self.forget(uid)
            raise _Failure("Internal", message)
        return configs

    def _job(self, m: Dict[str, Any], space: Space, where: str) -> _Job:
        uid = m["job"]["uid"]
        # A changed spec (space, settings, direction, seed) gets a fresh instance fed from the start.
        fingerprint = json.dumps(
            [m["parameters"], m["sampler"]["settings"], m["direction"], m["seed"]], sort_keys=True
        )
        job = self._jobs.get(uid)
        if job is not None and job.fingerprint == fingerprint:
            self._jobs.move_to_end(uid)
            return job
        job = _Job(self._new_sampler(m, space, where), fingerprint)
        self._jobs[uid] = job
        while len(self._jobs) > self._max_jobs:
            evicted, _ = self._jobs.popitem(last=False)
            log.info(
                "sampler %s: evicted job %s (a later request replays its observations)", self.name, evicted
            )
        return job

    def _new_sampler(self, m: Dict[str, Any], space: Space, where: str) -> Sampler:
        try:
            sampler = self._factory()
        except Exception as e:
            log.error(
                "sampler %s: %s: creating the sampler failed:\n%s", self.name, where, traceback.format_exc()
            )
            raise _Failure("Internal", f"creating the sampler failed: {type(e).__name__}: {e}")
        sampler.space = space
        sampler.direction = m["direction"]
        sampler.settings = m["sampler"]["settings"]
        sampler.job = dict(m["job"])
        return sampler

    async def _replay(self, job: _Job, uid: str, up_to: int, where: str) -> None:
        configs: List[Config] = []
        scores: List[Optional[float]] = []
        seq = job.last_seq
        while seq < up_to:
            try:
                got = await self._read(uid, seq + 1)
            except Exception as e:
                log.warning("sampler %s: %s: reading observations failed: %s", self.name, where, e)
                raise _Failure(
                    "Internal", f"reading {proto.observations_subject(uid)} failed: {type(e).__name__}: {e}"
                )
            if got is None or got[0] > up_to:
                break  # the request was made before anything later
            seq, data = got
            o, problem = proto.decode_json(data)
            problems = [problem] if o is None else proto.observation_problems(o)
            if problems:
                # Not counted: if the operator counted it, the check below reports the gap.
                log.warning(
                    "sampler %s: %s: skipped observation seq %d: %s",
                    self.name,
                    where,
                    seq,
                    "; ".join(problems),
                )
            elif int(o["index"]) not in job.seen:
                job.seen[int(o["index"])] = seq
                configs.append(o["params"])
                scores.append(float(o["value"]) if o["state"] == "complete" else None)
            job.last_seq = seq
        if configs:
            await self._user(uid, where, "update()", lambda: job.sampler.update(configs, scores))

    async def _user(self, uid: str, where: str, what: str, fn: Callable[[], T]) -> T:
        try:
            return await self._run(fn)
        except SamplerError as e:
            log.warning("sampler %s: %s: %s raised %s: %s", self.name, where, what, e.code, e)
            self.forget(uid)
            raise _Failure(e.code, str(e) or e.code)
        except Exception as e:
            # The instance may be half-updated: drop it, the next request rebuilds it from the stream.
            log.error("sampler %s: %s: %s failed:\n%s", self.name, where, what, traceback.format_exc())
            self.forget(uid)
            raise _Failure("Internal", f"{what} failed: {type(e).__name__}: {e}")


def _check_configs(out: Any, indices: Sequence[int], space: Space) -> Tuple[List[Dict[str, Any]], List[str]]:
    """The answer's configs, or every problem with what sample() returned."""
    if isinstance(out, Mapping):
        return [], ["returned one configuration (a mapping); return a list of them"]
    if isinstance(out, (str, bytes)) or out is None:
        return [], [f"must return a list of configurations, got {type(out).__name__}"]
    if not isinstance(out, Sequence):
        try:
            out = list(out)  # a generator is fine
        except TypeError:
            return [], [f"must return a list of configurations, got {type(out).__name__}"]
    if len(out) != len(indices):
        return [], [f"returned {len(out)} configurations for {len(indices)} indices"]
    configs, problems = [], []
    for index, config in zip(indices, out):
        params, errs = space._check(config)
        problems += [f"index {index}: {e}" for e in errs]
        configs.append({"index": index, "params": params})
    return configs, problems
