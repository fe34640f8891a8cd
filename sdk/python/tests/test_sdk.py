import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import ultron  # noqa: E402


@pytest.fixture
def env(monkeypatch, tmp_path):
    for k in list(os.environ):
        if k.startswith("ULTRON_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("ULTRON_CHECKPOINT_DIR", str(tmp_path / "ck"))
    return monkeypatch


def test_params_from_json_and_env(env):
    env.setenv("ULTRON_PARAMS", json.dumps({"lr": 0.01, "opt": "adam", "n": 3}))
    env.setenv("ULTRON_PARAM_EXTRA", "7")
    assert ultron.params() == {"lr": 0.01, "opt": "adam", "n": 3}
    assert ultron.param("lr") == 0.01
    assert ultron.param("n", type=float) == 3.0
    assert ultron.param("extra") == 7
    assert ultron.param("missing", default=5) == 5
    with pytest.raises(KeyError, match="ULTRON_PARAM_MISSING"):
        ultron.param("missing")


def test_identity(env):
    env.setenv("ULTRON_TRIAL", "4")
    env.setenv("ULTRON_HPOJOB", "job")
    env.setenv("ULTRON_SEED", "99")
    assert (ultron.trial_index(), ultron.hpojob(), ultron.seed()) == (4, "job", 99)


def test_report_appends_json_lines(env, tmp_path):
    path = tmp_path / "metrics.jsonl"
    env.setenv("ULTRON_METRICS_FILE", str(path))
    ultron.report(1, val_loss=0.5, acc=0.75)
    ultron.report(2, val_loss=0.25)
    lines = [json.loads(l) for l in path.read_text().splitlines()]
    assert lines == [{"step": 1, "val_loss": 0.5, "acc": 0.75}, {"step": 2, "val_loss": 0.25}]


def test_report_prints_without_a_metrics_file(env, capsys):
    ultron.report(3, loss=1.5)
    assert json.loads(capsys.readouterr().out) == {"step": 3, "loss": 1.5}


def test_report_nan_is_null_and_warned(env, capsys):
    line = ultron.report(1, loss=float("nan"))
    assert json.loads(line) == {"step": 1, "loss": None}
    assert "reported as null" in capsys.readouterr().err
    with pytest.raises(ValueError):
        ultron.report(-1, loss=1)
    with pytest.raises(ValueError):
        ultron.report(1)


def test_checkpoint_marker_latest_and_prune(env, tmp_path):
    root = tmp_path / "ck"
    for step in (1, 2, 3):
        ultron.save_checkpoint(step, lambda p, s=step: open(os.path.join(p, "w.txt"), "w").write(str(s)))
    assert ultron.latest_checkpoint() == (3, str(root / "3"))
    assert (root / "3" / ".complete").exists()
    os.makedirs(root / "4")  # incomplete: no marker
    os.makedirs(root / "5.tmp-123")
    assert ultron.latest_checkpoint()[0] == 3
    assert ultron.prune_checkpoints(2) == [1]
    assert ultron.complete_steps() == [2, 3]
    assert ultron.prune_checkpoints(0) == [2]  # never deletes the newest complete one


def test_failed_block_leaves_no_checkpoint(env):
    with pytest.raises(RuntimeError):
        with ultron.checkpoint(7) as path:
            open(os.path.join(path, "x"), "w").close()
            raise RuntimeError("boom")
    assert ultron.latest_checkpoint() is None


def test_process_killed_mid_checkpoint_keeps_previous(env, tmp_path):
    root = tmp_path / "ck"
    code = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {os.path.join(os.path.dirname(__file__), '..')!r})
        import ultron
        ultron.save_checkpoint(1, lambda p: open(os.path.join(p, 'a'), 'w').write('1'), root={str(root)!r})
        with ultron.checkpoint(2, root={str(root)!r}) as p:
            open(os.path.join(p, 'a'), 'w').write('half')
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode == -signal.SIGKILL
    assert ultron.latest_checkpoint(str(root)) == (1, str(root / "1"))
    assert not (root / "2").exists()
