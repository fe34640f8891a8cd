import os
import signal
import subprocess
import sys
import textwrap

import pytest

import ultron

SDK = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def write_text(text):
    def write(path):
        with open(os.path.join(path, "w.txt"), "w") as f:
            f.write(text)

    return write


def test_save_writes_the_folder_then_the_marker(env, tmp_path):
    root = tmp_path / "ck"
    path = ultron.save_checkpoint(3, write_text("three"))
    assert path == str(root / "3")
    assert (root / "3" / "w.txt").read_text() == "three"
    assert (root / "3" / ".complete").read_bytes() == b""
    assert sorted(os.listdir(root)) == ["3"]  # the temporary folder was renamed, not copied


def test_the_context_manager_yields_a_temporary_folder(env, tmp_path):
    root = tmp_path / "ck"
    with ultron.checkpoint_dir(5) as path:
        assert os.path.basename(path) == f"5.tmp-{os.getpid()}"
        assert ultron.latest_checkpoint() is None  # not complete while being written
        open(os.path.join(path, "x"), "w").close()
    assert ultron.latest_checkpoint() == (5, str(root / "5"))
    assert ultron.checkpoint is ultron.checkpoint_dir


def test_latest_ignores_incomplete_and_temporary_folders(env, tmp_path):
    root = tmp_path / "ck"
    assert ultron.latest_checkpoint() is None  # no folder at all
    for step in (1, 2, 10):
        ultron.save_checkpoint(step, write_text(str(step)))
    os.makedirs(root / "11")  # no marker: a crash before .complete
    os.makedirs(root / "12.tmp-123")  # a crash while writing
    (root / "12.tmp-123" / ".complete").touch()
    os.makedirs(root / "notes")
    (root / "notes" / ".complete").touch()
    assert ultron.latest_checkpoint() == (10, str(root / "10"))  # numeric, not lexical, order
    assert ultron.complete_steps() == [1, 2, 10]


def test_default_root_is_checkpoints_in_the_working_directory(env, tmp_path):
    env.delenv("ULTRON_CHECKPOINT_DIR")
    env.chdir(tmp_path)
    ultron.save_checkpoint(1, write_text("a"))
    assert ultron.checkpoint_root() == str(tmp_path / "checkpoints")
    assert ultron.latest_checkpoint() == (1, str(tmp_path / "checkpoints" / "1"))


def test_saving_a_step_again_replaces_it(env, tmp_path):
    root = tmp_path / "ck"
    ultron.save_checkpoint(2, write_text("old"))
    os.makedirs(root / "3")  # leftover incomplete folder of the step about to be written
    (root / "3" / "junk").touch()
    ultron.save_checkpoint(2, write_text("new"))
    ultron.save_checkpoint(3, write_text("three"))
    assert (root / "2" / "w.txt").read_text() == "new"
    assert sorted(os.listdir(root / "3")) == [".complete", "w.txt"]


def test_a_failed_block_leaves_no_checkpoint(env, tmp_path):
    ultron.save_checkpoint(6, write_text("six"))
    with pytest.raises(RuntimeError):
        with ultron.checkpoint(7) as path:
            open(os.path.join(path, "x"), "w").close()
            raise RuntimeError("boom")
    assert ultron.latest_checkpoint()[0] == 6
    assert sorted(os.listdir(tmp_path / "ck")) == ["6"]


@pytest.mark.parametrize("step", [-1, 1.5, "3", True])
def test_invalid_steps_raise(env, step):
    with pytest.raises((ValueError, TypeError)):
        ultron.save_checkpoint(step, write_text("x"))


def test_prune_keeps_the_newest_complete_steps(env, tmp_path):
    root = tmp_path / "ck"
    for step in (1, 2, 3, 4):
        ultron.save_checkpoint(step, write_text(str(step)))
    os.makedirs(root / "5")  # incomplete: neither counted nor deleted
    assert ultron.prune_checkpoints(2) == [1, 2]
    assert ultron.complete_steps() == [3, 4]
    assert ultron.prune_checkpoints(0) == [3]  # never deletes the newest complete one
    assert ultron.prune_checkpoints(5) == []
    assert sorted(os.listdir(root)) == ["4", "5"]


def test_prune_removes_stale_temporary_folders_but_not_its_own(env, tmp_path):
    root = tmp_path / "ck"
    ultron.save_checkpoint(1, write_text("1"))
    os.makedirs(root / "2.tmp-99999")  # left by a killed process
    with ultron.checkpoint(2) as path:
        ultron.prune_checkpoints(1)
        assert os.path.isdir(path)
    assert sorted(os.listdir(root)) == ["1", "2"]


def run_child(root, body):
    code = f"import os, signal, sys\nsys.path.insert(0, {SDK!r})\nimport ultron\nroot = {str(root)!r}\n"
    code += textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_sigkill_while_writing_keeps_the_previous_checkpoint(env, tmp_path):
    root = tmp_path / "ck"
    child = run_child(
        root,
        """
        ultron.save_checkpoint(1, lambda p: open(os.path.join(p, 'a'), 'w').write('1'), root=root)
        with ultron.checkpoint(2, root=root) as p:
            open(os.path.join(p, 'a'), 'w').write('half')
            print('writing', flush=True)
            signal.pause()
        """,
    )
    assert child.stdout.readline() == "writing\n"
    os.kill(child.pid, signal.SIGKILL)  # from outside, as the kernel or kubelet would
    assert child.wait() == -signal.SIGKILL
    assert ultron.latest_checkpoint(str(root)) == (1, str(root / "1"))
    assert not (root / "2").exists()
    # The next attempt cleans up and writes step 2 normally.
    ultron.save_checkpoint(2, write_text("2"), root=str(root))
    ultron.prune_checkpoints(5, root=str(root))
    assert sorted(os.listdir(root)) == ["1", "2"]


def test_sigkill_between_rename_and_marker_leaves_an_incomplete_step(env, tmp_path):
    root = tmp_path / "ck"
    child = run_child(
        root,
        """
        import ultron._checkpoints as c
        ultron.save_checkpoint(1, lambda p: open(os.path.join(p, 'a'), 'w').write('1'), root=root)
        real = c._fsync_dir
        def fsync_dir(path):
            if os.path.isdir(os.path.join(root, '2')) and not os.path.exists(os.path.join(root, '2', '.complete')):
                os.kill(os.getpid(), signal.SIGKILL)  # renamed, marker not yet written
            real(path)
        c._fsync_dir = fsync_dir
        ultron.save_checkpoint(2, lambda p: open(os.path.join(p, 'a'), 'w').write('2'), root=root)
        """,
    )
    assert child.wait() == -signal.SIGKILL
    assert (root / "2" / "a").read_text() == "2"  # all data, but no marker
    assert ultron.latest_checkpoint(str(root)) == (1, str(root / "1"))
