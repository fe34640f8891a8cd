"""Helpers for training code run by Ultron (standard library only, Python ≥ 3.9).

They implement the trainer side of the contract in ARCHITECTURE §6. Outside Ultron (no ULTRON_*
variables) everything still works: parameters come from defaults, reports go to stdout, checkpoints
to ./checkpoints.

Parameters and identity
    params() -> dict                      all parameters, from ULTRON_PARAMS (JSON); {} outside Ultron
    param(name, default=<required>, type=None)
                                          one parameter: ULTRON_PARAMS[name], else ULTRON_PARAM_<NAME>,
                                          else default; KeyError if missing and no default is given
    trial_index() -> int | None           ULTRON_TRIAL
    hpojob() -> str | None                ULTRON_HPOJOB
    seed(default=0) -> int                ULTRON_SEED

Metrics
    report(step, **metrics) -> str       appends {"step": step, "<metric>": value, ...} as one line to
                                          ULTRON_METRICS_FILE (stdout if unset); NaN/inf become null

Checkpoints (under ULTRON_CHECKPOINT_DIR, default ./checkpoints)
    checkpoint(step) / checkpoint_dir(step)
                                          context manager yielding a temporary folder; on success it is
                                          renamed to <root>/<step>/ and the empty .complete is written last
    save_checkpoint(step, write_fn) -> str
                                          the same with a function write_fn(folder); returns the path
    latest_checkpoint() -> (step, path) | None
                                          newest complete step; incomplete and .tmp folders are ignored
    complete_steps() -> list[int]         all complete steps, oldest first
    prune_checkpoints(keep) -> list[int]  keeps the newest `keep` complete steps (never fewer than one)
    checkpoint_root() -> str              the folder in use

A typical trainer:

    import ultron
    lr = ultron.param("lr", type=float)
    start = 0
    found = ultron.latest_checkpoint()
    if found:
        start, path = found                      # restore weights/optimizer/RNG from path
    for epoch in range(start + 1, epochs + 1):
        ...
        ultron.report(epoch, val_loss=loss)
        with ultron.checkpoint(epoch) as path:
            save(path)
        ultron.prune_checkpoints(keep=2)
"""
from ._checkpoints import (
    checkpoint,
    checkpoint_dir,
    checkpoint_root,
    complete_steps,
    latest_checkpoint,
    prune_checkpoints,
    save_checkpoint,
)
from ._metrics import report
from ._params import hpojob, param, params, seed, trial_index

__version__ = "0.1.0"

__all__ = [
    "param",
    "params",
    "trial_index",
    "hpojob",
    "seed",
    "report",
    "checkpoint",
    "checkpoint_dir",
    "save_checkpoint",
    "latest_checkpoint",
    "complete_steps",
    "prune_checkpoints",
    "checkpoint_root",
]
