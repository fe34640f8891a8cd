"""Reporting metrics: one JSON line per report, appended to ULTRON_METRICS_FILE (or printed)."""
import json
import math
import os
import sys
from typing import Union

Number = Union[int, float]


def report(step: int, **metrics: Number) -> str:
    """Reports metrics at `step` (epoch, iteration…) and returns the line written.

    The line is written with one O_APPEND write, so a kill mid-report leaves at most a partial last
    line (which the reader counts as malformed). Non-finite values (NaN, inf) are reported as null and
    warned about on stderr: the reader counts them as malformed rather than as a real objective.
    """
    if not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be a non-negative integer, got {step!r}")
    if not metrics:
        raise ValueError("report() needs at least one metric, e.g. report(step, val_loss=0.4)")
    record = {"step": step}
    for name, value in metrics.items():
        v = float(value)
        if not math.isfinite(v):
            print(f"ultron: metric {name} at step {step} is {v}; reported as null", file=sys.stderr)
            record[name] = None
        else:
            record[name] = value if isinstance(value, int) and not isinstance(value, bool) else v
    line = json.dumps(record, separators=(", ", ": "))
    path = os.environ.get("ULTRON_METRICS_FILE")
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
    else:
        print(line, flush=True)
    return line
