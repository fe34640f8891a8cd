"""Helpers for training code run by Ultron (standard library only).

The trainer contract (ARCHITECTURE §6), in Python:

    import ultron
    lr = ultron.param("lr", type=float)          # ULTRON_PARAM_LR, or ULTRON_PARAMS["lr"]
    start = 0
    found = ultron.latest_checkpoint()           # (step, path) of the newest *complete* checkpoint
    if found:
        start, path = found                      # restore from path, continue at start + 1
    for epoch in range(start + 1, epochs + 1):
        ...
        ultron.report(epoch, val_loss=loss)      # one metric line per call
        with ultron.checkpoint(epoch) as path:   # write files into path; marked complete on exit
            save(path)
        ultron.prune_checkpoints(keep=2)

Outside Ultron (no ULTRON_* variables) everything still works: params come from defaults, reports go
to stdout, checkpoints to ./checkpoints.
"""
from ._params import param, params, trial_index, hpojob, seed
from ._metrics import report
from ._checkpoints import checkpoint, save_checkpoint, latest_checkpoint, complete_steps, prune_checkpoints, checkpoint_root

__all__ = [
    "param",
    "params",
    "trial_index",
    "hpojob",
    "seed",
    "report",
    "checkpoint",
    "save_checkpoint",
    "latest_checkpoint",
    "complete_steps",
    "prune_checkpoints",
    "checkpoint_root",
]
