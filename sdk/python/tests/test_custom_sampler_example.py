"""examples/custom-sampler/sampler.py served through the SDK's request handling (in-memory stream)."""

import asyncio
import importlib.util
import json
import math
import random

from natsbed import REPO, MemoryStream, request
from ultron._engine import Handler
from ultron.sampler import Space

spec = importlib.util.spec_from_file_location(
    "custom_sampler", REPO / "examples" / "custom-sampler" / "sampler.py"
)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)

# The quickstart's space (examples/custom-sampler/k8s/hpojob.yaml).
PARAMS = [
    {"name": "lr", "type": "float", "min": 1.0e-3, "max": 1.0, "log": True},
    {"name": "l2", "type": "float", "min": 1.0e-6, "max": 1.0e-1, "log": True},
    {"name": "hidden", "type": "int", "min": 2, "max": 64, "log": True},
    {"name": "batch_size", "type": "categorical", "values": [16, 32, 64, 128]},
]
SETTINGS = {"startup": 5, "scale": 0.15}
BEST = {"lr": 0.2, "l2": 1e-4, "hidden": 32, "batch_size": 32}


def ask(stream, rid, indices, up_to, count):
    h = Handler("around-the-best", example.AroundTheBest, stream.read)
    m = request(rid, "job-1", "around-the-best", PARAMS, indices, up_to, count)
    m["sampler"]["settings"] = SETTINGS
    return asyncio.run(h.handle(json.dumps(m).encode())).message


def test_uniform_until_startup_trials_finished():
    answer = ask(MemoryStream(), "r1", [0, 1, 2], 0, 0)
    assert answer["kind"] == "suggestions"
    assert all(Space(PARAMS).validate(c["params"]) == [] for c in answer["configs"])


def test_then_it_searches_around_the_best():
    s = MemoryStream()
    space = Space(PARAMS)
    for i in range(6):
        params = BEST if i == 3 else space.sample(random.Random(i))
        s.obs("job-1", i, value=0.05 if i == 3 else 0.6 + i / 100, params=params)
    s.obs("job-1", 6, state="failed", params=space.sample())
    answer = ask(s, "r1", list(range(7, 47)), 7, 7)
    configs = [c["params"] for c in answer["configs"]]
    assert all(space.validate(c) == [] for c in configs)
    # Perturbed by 0.15 of a 3-decade range: typically 0.3 decades from the best (uniform: ~1 decade).
    distance = sorted(abs(math.log10(c["lr"]) - math.log10(BEST["lr"])) for c in configs)
    assert distance[len(distance) // 2] < 0.5
    assert sum(c["batch_size"] == 32 for c in configs) >= 25  # kept with probability 0.85 (uniform: 0.25)
    # Deterministic: another replica (a fresh instance) answers the same request the same way.
    assert ask(s, "r2", list(range(7, 47)), 7, 7)["configs"] == answer["configs"]
