import os
import sys

import pytest

# The tests run against this checkout's sources, installed or not.
SDK = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
if SDK not in sys.path:
    sys.path.insert(0, SDK)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean trainer environment: no ULTRON_* variables except a checkpoint folder in tmp_path."""
    for k in list(os.environ):
        if k.startswith("ULTRON_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("ULTRON_CHECKPOINT_DIR", str(tmp_path / "ck"))
    return monkeypatch
