"""The quickstart trainer learns, its hyperparameters matter, and it resumes from checkpoints."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(tmp_path, params, epochs=8, extra_env=None, name="t"):
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(
        ULTRON_PARAMS=json.dumps(params),
        ULTRON_METRICS_FILE=str(d / "metrics.jsonl"),
        ULTRON_CHECKPOINT_DIR=str(d / "ck"),
        ULTRON_SEED="1",
    )
    env.update(extra_env or {})
    proc = subprocess.run([sys.executable, os.path.join(HERE, "train.py"), "--epochs", str(epochs)], env=env, capture_output=True, text=True)
    lines = [json.loads(l) for l in (d / "metrics.jsonl").read_text().splitlines()] if (d / "metrics.jsonl").exists() else []
    return proc, lines


def test_good_hyperparameters_beat_bad_ones(tmp_path):
    _, good = run(tmp_path, {"lr": 0.3, "l2": 1e-5, "hidden": 32, "batch_size": 32}, name="good")
    _, bad = run(tmp_path, {"lr": 0.002, "l2": 0.05, "hidden": 2, "batch_size": 128}, name="bad")
    assert len(good) == 8 and good[-1]["step"] == 8
    assert good[-1]["val_loss"] < 0.8 * bad[-1]["val_loss"]
    assert good[-1]["val_acc"] > 0.8


def test_resumes_from_the_last_complete_checkpoint(tmp_path):
    params = {"lr": 0.3, "l2": 1e-5, "hidden": 16, "batch_size": 64}
    first, lines = run(tmp_path, params, epochs=6, extra_env={"ULTRON_TEST_CRASH_AFTER_EPOCH": "3"})
    assert first.returncode == 1
    assert [l["step"] for l in lines] == [1, 2, 3]
    second, lines = run(tmp_path, params, epochs=6, extra_env={"ULTRON_TEST_CRASH_AFTER_EPOCH": "3"})
    assert second.returncode == 0, second.stderr
    assert "resumed from epoch 3" in second.stdout
    assert [l["step"] for l in lines] == [1, 2, 3, 4, 5, 6]  # epochs 1-3 were not run again
    # The resumed run ends where an uninterrupted one does: same weights, same RNG stream.
    _, straight = run(tmp_path, params, epochs=6, name="straight")
    assert abs(straight[-1]["val_loss"] - lines[-1]["val_loss"]) < 1e-9
