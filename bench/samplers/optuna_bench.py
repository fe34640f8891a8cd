"""Optuna's TPESampler on the same problems and budget as bench.ts; prints JSON on stdout.

`optuna-tpe` is TPESampler(seed=...) with the library's defaults (Optuna 5.0: multivariate, constant
liar), `optuna-tpe-univariate` the same with multivariate=False; the timing uses the defaults.

The problems are the ones in operator/core/testing/problems.ts (same domains and optima).
"""
import json
import math
import sys
import time

import optuna
from optuna.distributions import FloatDistribution
from optuna.samplers import TPESampler
from optuna.trial import create_trial

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[v * 1e-4 for v in r] for r in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]]
ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(p):
    x = [p[f"x{j + 1}"] for j in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock4(p):
    x = [p[f"x{j + 1}"] for j in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


PROBLEMS = {
    "branin": (branin, {"x1": (-5.0, 10.0), "x2": (0.0, 15.0)}),
    "hartmann6": (hartmann6, {f"x{j + 1}": (0.0, 1.0) for j in range(6)}),
    "rosenbrock4": (rosenbrock4, {f"x{j + 1}": (-2.048, 2.048) for j in range(4)}),
}

OPTIMIZER_PENALTY = {"adam": 0.0, "rmsprop": 0.2, "sgd": 0.5}


def mixed(p):
    best_lr = -1.5 if p["optimizer"] == "sgd" else -2.5
    return (
        (math.log10(p["lr"]) - best_lr) ** 2
        + (math.log2(p["width"]) - 7) ** 2 / 8
        + (p["depth"] - 3) ** 2 / 12
        + OPTIMIZER_PENALTY[p["optimizer"]]
        + 4 * (p["dropout"] - 0.15) ** 2
    )


def suggest_mixed(trial):
    return {
        "lr": trial.suggest_float("lr", 1e-5, 1.0, log=True),
        "width": trial.suggest_int("width", 8, 512, log=True),
        "depth": trial.suggest_int("depth", 1, 8),
        "optimizer": trial.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5, step=0.05),
    }


def suggest_floats(space):
    return lambda trial: {k: trial.suggest_float(k, lo, hi) for k, (lo, hi) in space.items()}


# Each problem's function and how a trial suggests its parameters (mixed: as operator/core/testing/problems.ts).
SUGGEST = {name: (f, suggest_floats(space)) for name, (f, space) in PROBLEMS.items()}
SUGGEST["mixed"] = (mixed, suggest_mixed)


def optimize(problem, seed, evaluations, multivariate):
    f, suggest = SUGGEST[problem]
    # multivariate None: the library's default (Optuna 5.0: multivariate for one objective).
    study = optuna.create_study(sampler=TPESampler(seed=seed, multivariate=multivariate))
    best, curve = math.inf, []
    for _ in range(evaluations):
        trial = study.ask()
        params = suggest(trial)
        value = f(params)
        study.tell(trial, value)
        best = min(best, value)
        curve.append(best)
    return curve


def time_per_suggestion(n_obs, repeats=50):
    """Wall time (median over the suggestions) and process CPU time (their mean), in ms."""
    f, space = PROBLEMS["hartmann6"]
    import random

    rnd = random.Random(0)
    dists = {k: FloatDistribution(lo, hi) for k, (lo, hi) in space.items()}
    study = optuna.create_study(sampler=TPESampler(seed=0))
    trials = []
    for _ in range(n_obs):
        params = {k: rnd.uniform(lo, hi) for k, (lo, hi) in space.items()}
        trials.append(create_trial(params=params, distributions=dists, value=f(params)))
    study.add_trials(trials)
    samples = []
    cpu = 0.0
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        trial = study.ask()
        for k, (lo, hi) in space.items():
            trial.suggest_float(k, lo, hi)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu += time.process_time() - c0
        study.tell(trial, state=optuna.trial.TrialState.FAIL)  # failed trials are ignored by TPE
    samples.sort()
    return samples[len(samples) // 2], cpu * 1000 / repeats


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    evaluations = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    first_seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    timing = len(sys.argv) <= 4 or sys.argv[4] != "--no-timing"
    out = {
        "version": optuna.__version__,
        "firstSeed": first_seed,
        "seeds": seeds,
        "evaluations": evaluations,
        "curves": {},
        "msPerSuggestion": {},
        "cpuMsPerSuggestion": {},
    }
    for name, multivariate in (("optuna-tpe", None), ("optuna-tpe-univariate", False)):
        out["curves"][name] = {}
        for problem in SUGGEST:
            out["curves"][name][problem] = [
                optimize(problem, first_seed + s, evaluations, multivariate) for s in range(seeds)
            ]
            print(f"optuna: {name} {problem} done", file=sys.stderr, flush=True)
    for n in (100, 1000) if timing else ():
        out["msPerSuggestion"][str(n)], out["cpuMsPerSuggestion"][str(n)] = time_per_suggestion(n)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
