import json
import os
import subprocess
import sys

import pytest

import ultron

SDK = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def read_lines(path):
    return path.read_text().splitlines()


def test_report_appends_one_json_line_per_call(env, tmp_path):
    path = tmp_path / "metrics.jsonl"
    env.setenv("ULTRON_METRICS_FILE", str(path))
    line = ultron.report(1, val_loss=0.5, acc=0.75)
    ultron.report(2, val_loss=0.25, seen=640)
    assert line == '{"step": 1, "val_loss": 0.5, "acc": 0.75}'
    assert path.read_text() == line + "\n" + '{"step": 2, "val_loss": 0.25, "seen": 640}\n'


def test_report_appends_to_an_existing_file(env, tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "val_loss": 0.9}\n')  # an earlier attempt of the trial
    env.setenv("ULTRON_METRICS_FILE", str(path))
    ultron.report(2, val_loss=0.8)
    assert [json.loads(l)["step"] for l in read_lines(path)] == [1, 2]


def test_a_truncated_last_line_does_not_swallow_the_next_report(env, tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1, "val_loss": 0.9}\n{"step": 2, "val_lo')  # writer killed mid-line
    env.setenv("ULTRON_METRICS_FILE", str(path))
    ultron.report(3, val_loss=0.7)
    lines = read_lines(path)
    assert lines[1] == '{"step": 2, "val_lo'
    assert json.loads(lines[2]) == {"step": 3, "val_loss": 0.7}


def test_report_prints_the_same_line_without_a_metrics_file(env, capsys):
    line = ultron.report(3, loss=1.5)
    assert capsys.readouterr().out == line + "\n"
    assert json.loads(line) == {"step": 3, "loss": 1.5}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_values_are_null_and_warned(env, capsys, value):
    line = ultron.report(1, loss=value, acc=0.5)
    assert json.loads(line) == {"step": 1, "loss": None, "acc": 0.5}
    captured = capsys.readouterr()
    assert "loss" in captured.err and "null" in captured.err
    assert json.loads(captured.out) == {"step": 1, "loss": None, "acc": 0.5}  # still valid JSON


def test_numpy_scalars_are_plain_numbers(env):
    np = pytest.importorskip("numpy")
    line = ultron.report(np.int64(2), loss=np.float32(0.5), n=np.int64(7))
    assert json.loads(line) == {"step": 2, "loss": 0.5, "n": 7}


@pytest.mark.parametrize(
    "call",
    [
        lambda: ultron.report(-1, loss=1.0),
        lambda: ultron.report(1.5, loss=1.0),
        lambda: ultron.report(True, loss=1.0),
        lambda: ultron.report(1),
        lambda: ultron.report(1, loss="low"),
        lambda: ultron.report(1, loss=None),
        lambda: ultron.report(1, flag=True),
    ],
)
def test_invalid_reports_raise(env, call):
    with pytest.raises((ValueError, TypeError)):
        call()


def test_concurrent_writers_never_interleave_inside_a_line(env, tmp_path):
    path = tmp_path / "metrics.jsonl"
    code = (
        f"import sys; sys.path.insert(0, {SDK!r}); import ultron\n"
        "w = int(sys.argv[1])\n"
        "for i in range(300): ultron.report(i, writer=w, padding=0.123456789012345)\n"
    )
    e = dict(os.environ, ULTRON_METRICS_FILE=str(path))
    procs = [subprocess.Popen([sys.executable, "-c", code, str(w)], env=e) for w in (1, 2, 3)]
    assert [p.wait() for p in procs] == [0, 0, 0]
    records = [json.loads(l) for l in read_lines(path)]
    assert len(records) == 900  # no torn and no empty lines
    for w in (1, 2, 3):
        assert [r["step"] for r in records if r["writer"] == w] == list(range(300))
