"""Search spaces as Ultron parameter lists (operator/api/types.ts), and their translations for the peers.

One definition per problem, written in Ultron's terms, so every sampler (ours over the bridge, Optuna's,
hyperopt's) searches exactly the same space: the same bounds, the same log scales, the same integer grids.
"""
import math


def float_param(name, lo, hi, log=False):
    p = {"name": name, "type": "float", "min": lo, "max": hi}
    if log:
        p["log"] = True
    return p


def int_param(name, lo, hi, log=False):
    p = {"name": name, "type": "int", "min": lo, "max": hi}
    if log:
        p["log"] = True
    return p


def categorical_param(name, values):
    return {"name": name, "type": "categorical", "values": list(values)}


def check_config(params, config):
    """`config` with float parameters as Python floats (JSON writes 1.0 as 1); raises ValueError unless it
    sets every parameter inside its range: the bridge's guard against a sampler proposing what the peers
    never could."""
    names = {p["name"] for p in params}
    extra = set(config) - names
    if extra:
        raise ValueError(f"unknown parameters {sorted(extra)}")
    for p in params:
        if p["name"] not in config:
            raise ValueError(f"{p['name']}: missing")
        v = config[p["name"]]
        if p["type"] == "categorical":
            if v not in p["values"]:
                raise ValueError(f"{p['name']}: {v!r} is not one of {p['values']}")
            continue
        if p["type"] == "int" and (not isinstance(v, int) or isinstance(v, bool)):
            raise ValueError(f"{p['name']}: {v!r} is not an integer")
        if not isinstance(v, (int, float)) or not (p["min"] <= v <= p["max"]):
            raise ValueError(f"{p['name']}: {v!r} is outside [{p['min']}, {p['max']}]")
    return {p["name"]: float(config[p["name"]]) if p["type"] == "float" else config[p["name"]] for p in params}


def optuna_suggest(trial, params):
    """The configuration an Optuna trial proposes for `params` (define-by-run)."""
    config = {}
    for p in params:
        name = p["name"]
        if p["type"] == "float":
            config[name] = trial.suggest_float(name, p["min"], p["max"], log=p.get("log", False))
        elif p["type"] == "int":
            config[name] = trial.suggest_int(name, p["min"], p["max"], log=p.get("log", False))
        else:
            config[name] = trial.suggest_categorical(name, p["values"])
    return config


def hyperopt_space(params):
    """A hyperopt space with the same scales: log parameters on hp.loguniform / hp.qloguniform, integers
    quantised to 1 and cast, categoricals by hp.choice (which hands the objective the value itself)."""
    from hyperopt import hp
    from hyperopt.pyll import scope

    space = {}
    for p in params:
        name, log = p["name"], p.get("log", False)
        if p["type"] == "categorical":
            space[name] = hp.choice(name, p["values"])
        elif p["type"] == "float":
            space[name] = (
                hp.loguniform(name, math.log(p["min"]), math.log(p["max"]))
                if log
                else hp.uniform(name, p["min"], p["max"])
            )
        else:
            # Integer bounds: rounding a value drawn inside [min, max] stays inside [min, max].
            q = (
                hp.qloguniform(name, math.log(p["min"]), math.log(p["max"]), 1)
                if log
                else hp.quniform(name, p["min"], p["max"], 1)
            )
            space[name] = scope.int(q)
    return space
