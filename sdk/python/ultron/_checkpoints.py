"""Checkpoint folders: <root>/<step>/…, complete once the empty file .complete exists (written last).

A step is written into <root>/<step>.tmp-<pid>/, its files are fsynced, the folder is renamed to
<root>/<step>/ and only then is .complete created. Whatever kills the process on the way, a folder
without .complete is never used: readers (this module, the local runner, the cluster agent) take the
newest *complete* step.
"""
import contextlib
import os
import re
import shutil
from typing import Callable, Iterator, List, Optional, Set, Tuple

MARKER = ".complete"
_STEP = re.compile(r"^[0-9]+$")
_TMP = re.compile(r"^[0-9]+\.tmp-[0-9]+$")
# Temporary folders this process is writing right now; pruning leaves them alone.
_writing: Set[str] = set()


def checkpoint_root() -> str:
    """ULTRON_CHECKPOINT_DIR, or ./checkpoints outside Ultron."""
    return os.environ.get("ULTRON_CHECKPOINT_DIR") or os.path.join(os.getcwd(), "checkpoints")


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # e.g. platforms where directories cannot be opened
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(path: str) -> None:
    for base, _dirs, files in os.walk(path):
        for name in files:
            with open(os.path.join(base, name), "rb") as f:
                os.fsync(f.fileno())
        _fsync_dir(base)


def _step(step: int) -> int:
    if isinstance(step, bool) or int(step) != step or step < 0:
        raise ValueError(f"checkpoint step must be a non-negative integer, got {step!r}")
    return int(step)


@contextlib.contextmanager
def checkpoint(step: int, root: Optional[str] = None) -> Iterator[str]:
    """Yields an empty folder to write step `step` into. When the block ends normally the folder
    becomes <root>/<step>/ and .complete is written last; if the block raises (or the process dies)
    no complete checkpoint appears and the previous one stays the latest.

        with ultron.checkpoint(epoch) as path:
            np.savez(os.path.join(path, "weights.npz"), **weights)
    """
    step = _step(step)
    root = root or checkpoint_root()
    os.makedirs(root, exist_ok=True)
    final = os.path.join(root, str(step))
    tmp = os.path.join(root, f"{step}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    _writing.add(os.path.abspath(tmp))
    try:
        yield tmp
        _fsync_tree(tmp)
        if os.path.lexists(final):  # a leftover incomplete folder, or the same step saved again
            shutil.rmtree(final)
        os.rename(tmp, final)
        _fsync_dir(root)
        with open(os.path.join(final, MARKER), "wb") as marker:
            os.fsync(marker.fileno())
        _fsync_dir(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _writing.discard(os.path.abspath(tmp))


checkpoint_dir = checkpoint  # the name used in ARCHITECTURE and the issue; same function


def save_checkpoint(step: int, write: Callable[[str], None], root: Optional[str] = None) -> str:
    """Calls write(folder) to fill the checkpoint of `step`, marks it complete, returns its path."""
    with checkpoint(step, root) as path:
        write(path)
    return os.path.join(root or checkpoint_root(), str(_step(step)))


def complete_steps(root: Optional[str] = None) -> List[int]:
    """The steps that have a complete checkpoint, oldest first."""
    root = root or checkpoint_root()
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return []
    return sorted(int(n) for n in names if _STEP.match(n) and os.path.isfile(os.path.join(root, n, MARKER)))


def latest_checkpoint(root: Optional[str] = None) -> Optional[Tuple[int, str]]:
    """(step, path) of the newest complete checkpoint, or None. Incomplete and temporary folders
    are ignored."""
    root = root or checkpoint_root()
    steps = complete_steps(root)
    return (steps[-1], os.path.join(root, str(steps[-1]))) if steps else None


def prune_checkpoints(keep: int, root: Optional[str] = None) -> List[int]:
    """Keeps the newest `keep` complete checkpoints (at least one: the newest complete checkpoint is
    never deleted) and deletes the older ones; returns the deleted steps. Also removes temporary
    folders left by killed processes (not the ones this process is writing)."""
    root = root or checkpoint_root()
    steps = complete_steps(root)
    drop = steps[: max(0, len(steps) - max(1, int(keep)))]
    for step in drop:
        shutil.rmtree(os.path.join(root, str(step)), ignore_errors=True)
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        names = []
    for name in names:
        path = os.path.join(root, name)
        if _TMP.match(name) and os.path.abspath(path) not in _writing:
            shutil.rmtree(path, ignore_errors=True)
    return drop
