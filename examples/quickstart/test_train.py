"""The quickstart trainer learns, its hyperparameters matter, and it resumes from checkpoints."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = {"lr": 0.1, "l2": 1e-5, "hidden": 32, "batch_size": 32}


def run(tmp_path, params, epochs, name="t", extra_env=None, extra_args=(), env_params=False):
    """Runs train.py as `ultron run` would; returns (process, reported lines, checkpoint folder)."""
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ULTRON_")}
    env.update(ULTRON_METRICS_FILE=str(d / "metrics.jsonl"), ULTRON_CHECKPOINT_DIR=str(d / "ck"), ULTRON_SEED="1")
    if env_params:  # the per-parameter variables only, as a trainer reading $(ULTRON_PARAM_LR) would see
        env.update({f"ULTRON_PARAM_{k.upper()}": str(v) for k, v in params.items()})
    else:
        env["ULTRON_PARAMS"] = json.dumps(params)
    env.update(extra_env or {})
    argv = [sys.executable, os.path.join(HERE, "train.py"), "--epochs", str(epochs), *extra_args]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    metrics = d / "metrics.jsonl"
    lines = [json.loads(l) for l in metrics.read_text().splitlines()] if metrics.exists() else []
    return proc, lines, d / "ck"


def test_reports_every_epoch_and_keeps_the_newest_checkpoints(tmp_path):
    proc, lines, ck = run(tmp_path, GOOD, epochs=4, extra_args=["--train-size", "4000"])
    assert proc.returncode == 0, proc.stderr
    assert [l["step"] for l in lines] == [1, 2, 3, 4]
    assert all(set(l) == {"step", "train_loss", "val_loss", "val_acc"} for l in lines)
    assert sorted(os.listdir(ck)) == ["3", "4"]  # --keep-checkpoints 2
    assert sorted(os.listdir(ck / "4")) == [".complete", "state.json", "weights.npz"]
    state = json.loads((ck / "4" / "state.json").read_text())
    assert state["epoch"] == 4 and state["params"] == GOOD and "rng" in state


def test_the_learning_rate_matters(tmp_path):
    _, good, _ = run(tmp_path, GOOD, epochs=6, name="good")
    _, slow, _ = run(tmp_path, {**GOOD, "lr": 0.002}, epochs=6, name="slow")
    assert good[-1]["val_loss"] < 0.4 * slow[-1]["val_loss"]
    assert good[-1]["val_acc"] > 0.9 > slow[-1]["val_acc"]


def test_hidden_units_and_l2_matter(tmp_path):
    _, good, _ = run(tmp_path, GOOD, epochs=6, name="good")
    _, narrow, _ = run(tmp_path, {**GOOD, "hidden": 2}, epochs=6, name="narrow")
    _, heavy_l2, _ = run(tmp_path, {**GOOD, "l2": 0.05}, epochs=6, name="l2")
    assert good[-1]["val_loss"] < 0.4 * narrow[-1]["val_loss"]
    assert good[-1]["val_loss"] < 0.4 * heavy_l2[-1]["val_loss"]


def test_per_parameter_variables_give_the_same_run(tmp_path):
    args = ["--train-size", "4000"]
    _, from_json, _ = run(tmp_path, GOOD, epochs=2, name="json", extra_args=args)
    _, from_vars, _ = run(tmp_path, GOOD, epochs=2, name="vars", extra_args=args, env_params=True)
    assert from_json == from_vars


def test_a_diverging_run_reports_finite_losses(tmp_path):
    proc, lines, _ = run(tmp_path, {**GOOD, "lr": 1.0, "batch_size": 16}, epochs=3, extra_args=["--train-size", "4000"])
    assert proc.returncode == 0, proc.stderr
    assert all(isinstance(l["val_loss"], float) and l["val_loss"] <= 16.2 for l in lines)
    assert "ultron: metric" not in proc.stderr  # nothing was reported as null


def test_resumes_from_the_last_complete_checkpoint(tmp_path):
    params = {"lr": 0.1, "l2": 1e-5, "hidden": 16, "batch_size": 64}
    args = ["--train-size", "8000"]
    crash = {"ULTRON_TEST_CRASH_AFTER_EPOCH": "3"}
    first, lines, ck = run(tmp_path, params, epochs=6, extra_env=crash, extra_args=args)
    assert first.returncode == 1
    assert "dying in the middle of epoch 4" in first.stdout
    assert [l["step"] for l in lines] == [1, 2, 3]
    assert sorted(n for n in os.listdir(ck) if os.path.exists(ck / n / ".complete")) == ["2", "3"]

    second, lines, _ = run(tmp_path, params, epochs=6, extra_env=crash, extra_args=args)
    assert second.returncode == 0, second.stderr
    assert "resumed from epoch 3" in second.stdout
    assert [l["step"] for l in lines] == [1, 2, 3, 4, 5, 6]  # epochs 1-3 were not run again

    # Weights, momentum and the shuffling RNG were restored: the result is the uninterrupted run's.
    _, straight, _ = run(tmp_path, params, epochs=6, name="straight", extra_args=args)
    assert straight == lines


def test_runs_outside_ultron(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ULTRON_")}
    argv = [sys.executable, os.path.join(HERE, "train.py"), "--epochs", "1", "--train-size", "2000"]
    proc = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["step"] == 1  # reports go to stdout
    assert (tmp_path / "checkpoints" / "1" / ".complete").exists()
