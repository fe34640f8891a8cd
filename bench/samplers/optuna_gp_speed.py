"""Optuna's GPSampler's time per suggestion on the observations gp-speed.ts times ours on; JSON on stdout.

Hartmann-6 and the mixed HPO space (operator/core/testing/problems.ts), 50 and 200 completed trials at
random points, the median of REPEATS suggestions after one warm-up. GPSampler needs PyTorch: without it
this prints {"error": ...} and gp-speed.ts says the comparison could not run.
"""
import json
import math
import statistics
import sys
import time

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 5

try:
    import torch  # noqa: F401
except ImportError as e:  # GPSampler cannot run
    print(json.dumps({"error": f"PyTorch is not installed ({e.msg}), so Optuna's GPSampler could not run"}))
    sys.exit(0)

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import create_trial

optuna.logging.set_verbosity(optuna.logging.WARNING)

A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[v * 1e-4 for v in r] for r in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]]
ALPHA = [1.0, 1.2, 3.0, 3.2]
PENALTY = {"adam": 0.0, "rmsprop": 0.2, "sgd": 0.5}


def hartmann6(p):
    x = [p[f"x{j + 1}"] for j in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


def mixed(p):
    best_lr = -1.5 if p["optimizer"] == "sgd" else -2.5
    return ((math.log10(p["lr"]) - best_lr) ** 2 + (math.log2(p["width"]) - 7) ** 2 / 8
            + (p["depth"] - 3) ** 2 / 12 + PENALTY[p["optimizer"]] + 4 * (p["dropout"] - 0.15) ** 2)


SPACES = {
    "hartmann6": (hartmann6, {f"x{j + 1}": FloatDistribution(0.0, 1.0) for j in range(6)}),
    "mixed": (mixed, {
        "lr": FloatDistribution(1e-5, 1.0, log=True),
        "width": IntDistribution(8, 512, log=True),
        "depth": IntDistribution(1, 8),
        "optimizer": CategoricalDistribution(["sgd", "adam", "rmsprop"]),
        "dropout": FloatDistribution(0.0, 0.5, step=0.05),
    }),
}


def time_one(name, n):
    f, space = SPACES[name]
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=0))
    rng = np.random.RandomState(0)
    for _ in range(n):
        params = {k: d.to_external_repr(rng.randint(len(d.choices))) if isinstance(d, CategoricalDistribution)
                  else (d.low + rng.rand() * (d.high - d.low)) for k, d in space.items()}
        for k, d in space.items():
            if isinstance(d, IntDistribution):
                params[k] = int(round(params[k]))
            elif isinstance(d, FloatDistribution) and d.step:
                params[k] = round(round(params[k] / d.step) * d.step, 10)
        study.add_trial(create_trial(params=params, distributions=space, value=f(params)))
    times = []
    for r in range(REPEATS + 1):
        t0 = time.perf_counter()
        trial = study.ask(space)
        times.append((time.perf_counter() - t0) * 1000)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)  # not an observation: n stays fixed
    return statistics.median(times[1:])


print(json.dumps({
    "version": optuna.__version__,
    "msPerSuggestion": {name: {str(n): time_one(name, n) for n in (50, 200)} for name in SPACES},
}))
