"""Checkpoint folders: <root>/<step>/…, complete once the empty file .complete exists (written last)."""
import contextlib
import os
import shutil
from typing import Callable, Iterator, List, Optional, Tuple

MARKER = ".complete"


def checkpoint_root() -> str:
    return os.environ.get("ULTRON_CHECKPOINT_DIR", os.path.join(os.getcwd(), "checkpoints"))


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
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


@contextlib.contextmanager
def checkpoint(step: int, root: Optional[str] = None) -> Iterator[str]:
    """Yields a fresh folder to write step `step` into; on success it becomes <root>/<step>/ with
    .complete written last. If the block raises (or the process dies), no complete checkpoint appears.
    """
    root = root or checkpoint_root()
    os.makedirs(root, exist_ok=True)
    final = os.path.join(root, str(int(step)))
    tmp = os.path.join(root, f"{int(step)}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        yield tmp
        _fsync_tree(tmp)
        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(tmp, final)
        with open(os.path.join(final, MARKER), "w"):
            pass
        _fsync_dir(final)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save_checkpoint(step: int, write: Callable[[str], None], root: Optional[str] = None) -> str:
    """Calls write(folder) and marks the checkpoint complete; returns its final path."""
    with checkpoint(step, root) as path:
        write(path)
    return os.path.join(root or checkpoint_root(), str(int(step)))


def complete_steps(root: Optional[str] = None) -> List[int]:
    root = root or checkpoint_root()
    if not os.path.isdir(root):
        return []
    steps = []
    for name in os.listdir(root):
        if name.isdigit() and os.path.exists(os.path.join(root, name, MARKER)):
            steps.append(int(name))
    return sorted(steps)


def latest_checkpoint(root: Optional[str] = None) -> Optional[Tuple[int, str]]:
    """(step, path) of the newest complete checkpoint, or None. Incomplete folders are ignored."""
    root = root or checkpoint_root()
    steps = complete_steps(root)
    return (steps[-1], os.path.join(root, str(steps[-1]))) if steps else None


def prune_checkpoints(keep: int, root: Optional[str] = None) -> List[int]:
    """Deletes all but the newest `keep` (≥ 1) complete checkpoints; returns the deleted steps."""
    root = root or checkpoint_root()
    steps = complete_steps(root)
    drop = steps[: max(0, len(steps) - max(1, keep))]
    for step in drop:
        shutil.rmtree(os.path.join(root, str(step)), ignore_errors=True)
    return drop
