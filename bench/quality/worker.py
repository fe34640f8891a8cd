"""The Python side of the bridge: one long-lived process per benchmark cell, JSON lines on stdin/stdout.

Each request is one line {"id", "op", ...}; each gets exactly one response line {"id", "ok": true, ...}
or {"id", "ok": false, "error"}. Ops:
  hello                                   -> versions, peers this environment can run
  open     {problem}                      -> params (Ultron parameter list), f_opt (BBOB) or null
  eval     {problem, config}              -> value (BBOB: regret f(x) - f_opt; sklearn: CV error)
  peer     {problem, peer, seed, budget}  -> values (every evaluation's objective, in order)
A problem is {"suite": "bbob", "function", "dimension", "instance"} or {"suite": "sklearn", "task"}.
Nothing else is written to stdout: libraries' prints would corrupt the stream, so stdout is swapped for
stderr while a request runs.
"""
import json
import os
import sys

# Before numpy/scikit-learn load: one thread per worker (the runner sizes parallelism by processes) and
# the same results on any machine.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

from space import check_config  # noqa: E402

_problems = {}


def _key(spec):
    return json.dumps(spec, sort_keys=True)


def _problem(spec):
    key = _key(spec)
    if key not in _problems:
        if spec["suite"] == "bbob":
            from bbob import BbobProblem

            _problems[key] = BbobProblem(spec["function"], spec["dimension"], spec["instance"])
        elif spec["suite"] == "sklearn":
            from sklearn_tasks import SklearnTask

            _problems[key] = SklearnTask(spec["task"], folds=spec.get("folds", 3))
        else:
            raise ValueError(f"unknown suite {spec['suite']!r}")
    return _problems[key]


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for pkg in ("optuna", "hyperopt", "coco-experiment", "scikit-learn", "numpy", "cmaes", "torch"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def handle(req):
    op = req["op"]
    if op == "hello":
        from peers import available_peers

        return {"versions": _versions(), "peers": available_peers()}
    problem = _problem(req["problem"])
    if op == "open":
        return {"name": problem.id, "params": problem.params, "f_opt": getattr(problem, "f_opt", None)}
    if op == "eval":
        return {"value": problem.regret(check_config(problem.params, req["config"]))}
    if op == "peer":
        from peers import run_peer

        return {"values": run_peer(req["peer"], problem, req["seed"], req["budget"])}
    raise ValueError(f"unknown op {op!r}")


def main():
    out = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            resp = {"id": req.get("id"), "ok": True, **handle(req)}
        except Exception as e:  # noqa: BLE001 — every failure goes back to the caller, who decides
            resp = {"id": req.get("id"), "ok": False, "error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(resp) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
