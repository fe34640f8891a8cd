"""Reporting metrics: one JSON line per report, appended to ULTRON_METRICS_FILE (or printed)."""
import json
import math
import numbers
import os
import sys
from typing import Dict, Optional, Union

try:
    import fcntl
except ImportError:  # Windows has no fcntl: reports still work, without the lock
    fcntl = None  # type: ignore[assignment]

Number = Union[int, float]


def _record(step: int, metrics: Dict[str, Number]) -> Dict[str, Optional[Number]]:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
        raise ValueError(f"step must be a non-negative integer, got {step!r}")
    if not metrics:
        raise ValueError("report() needs at least one metric, e.g. report(step, val_loss=0.4)")
    record: Dict[str, Optional[Number]] = {"step": int(step)}
    for name, value in metrics.items():
        if name == "step":
            raise ValueError("'step' is the first argument of report(), not a metric name")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"metric {name} must be a number, got {value!r}")
        if isinstance(value, numbers.Integral):
            record[name] = int(value)
            continue
        v = float(value)  # numpy scalars too
        if not math.isfinite(v):
            # JSON has no NaN/inf; null keeps the line valid, and Ultron never takes it as an objective.
            print(f"ultron: metric {name} at step {step} is {v}; reported as null", file=sys.stderr, flush=True)
            record[name] = None
        else:
            record[name] = v
    return record


def _append(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            # Serialises the last-byte check with the write when several processes report at once;
            # released by close, or by the kernel if this process is killed.
            fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        # A process killed mid-report may have left a line without its newline; start a fresh line so
        # only that truncated line is lost, not this one too.
        if size > 0 and hasattr(os, "pread") and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        # One write with O_APPEND: concurrent or killed writers never interleave inside a line.
        written = os.write(fd, data)
        while written < len(data):  # short writes are rare on regular files, but legal
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)


def report(step: int, **metrics: Number) -> str:
    """Reports metrics at `step` (epoch, iteration…) and returns the JSON line written.

    With ULTRON_METRICS_FILE set, the line is appended to that file (one O_APPEND write, then fsync),
    so a kill mid-report leaves at most one truncated last line, which the reader counts as malformed.
    Without it, the line is printed on stdout (the local runner reads stdout lines too).
    NaN and ±inf are reported as null, with a warning on stderr.
    """
    line = json.dumps(_record(step, metrics), separators=(", ", ": "))
    path = os.environ.get("ULTRON_METRICS_FILE")
    if path:
        _append(path, (line + "\n").encode("utf-8"))
    else:
        print(line, flush=True)
    return line
