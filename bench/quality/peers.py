"""The peers: other projects' samplers, run in this worker on the same problem objects our samplers use.

Each run is a sequential ask / evaluate / tell loop of `budget` evaluations and returns the objective of
every evaluation in order (the caller takes best-so-far). Settings are each library's defaults, seeded.
"""
import warnings

from space import hyperopt_space, optuna_suggest


def _optuna_sampler(name, seed):
    import optuna

    if name == "optuna-tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "optuna-cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    if name == "optuna-gp":
        return optuna.samplers.GPSampler(seed=seed)
    if name == "optuna-random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown peer {name}")


def _run_optuna(name, problem, seed, budget):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction="minimize", sampler=_optuna_sampler(name, seed))
    values = []
    with warnings.catch_warnings():
        # CmaEsSampler warns once per categorical parameter that it samples it independently: expected.
        warnings.simplefilter("ignore")
        for _ in range(budget):
            trial = study.ask()
            value = problem.regret(optuna_suggest(trial, problem.params))
            study.tell(trial, value)
            values.append(value)
    return values


def _run_hyperopt(problem, seed, budget):
    import numpy as np
    from hyperopt import STATUS_OK, Trials, fmin, tpe

    values = []

    def objective(config):
        value = problem.regret(config)
        values.append(value)
        return {"loss": value, "status": STATUS_OK}

    fmin(
        objective, hyperopt_space(problem.params), algo=tpe.suggest, max_evals=budget, trials=Trials(),
        rstate=np.random.default_rng(seed), show_progressbar=False,
    )
    return values


def available_peers():
    """Peer names this environment can run; GPSampler needs PyTorch, which the CI venv leaves out."""
    names = ["optuna-tpe", "optuna-cmaes", "optuna-random", "hyperopt-tpe"]
    try:
        import torch  # noqa: F401

        names.insert(2, "optuna-gp")
    except ImportError:
        pass
    return names


def run_peer(name, problem, seed, budget):
    if name == "hyperopt-tpe":
        return _run_hyperopt(problem, seed, budget)
    return _run_optuna(name, problem, seed, budget)
