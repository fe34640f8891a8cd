"""Reading the trial's parameters and identity from the environment."""
import json
import os
from typing import Any, Callable, Dict, Optional

_MISSING = object()


def params() -> Dict[str, Any]:
    """All parameters of this trial, from ULTRON_PARAMS (JSON); {} outside Ultron."""
    raw = os.environ.get("ULTRON_PARAMS")
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("ULTRON_PARAMS must be a JSON object")
    return value


def param(name: str, default: Any = _MISSING, type: Optional[Callable[[Any], Any]] = None) -> Any:
    """One parameter: ULTRON_PARAMS[name], else ULTRON_PARAM_<NAME>, else `default`.

    `type` converts the value (e.g. int, float). A missing parameter without a default raises KeyError
    naming it; an inactive conditional parameter is missing.
    """
    all_params = params()
    if name in all_params:
        value = all_params[name]
    else:
        env = os.environ.get("ULTRON_PARAM_" + name.upper())
        if env is not None:
            value = _parse_scalar(env)
        elif default is not _MISSING:
            return default
        else:
            raise KeyError(f"parameter '{name}' is not set (no ULTRON_PARAMS entry or ULTRON_PARAM_{name.upper()})")
    return type(value) if type is not None else value


def _parse_scalar(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def trial_index() -> Optional[int]:
    raw = os.environ.get("ULTRON_TRIAL")
    return int(raw) if raw is not None else None


def hpojob() -> Optional[str]:
    return os.environ.get("ULTRON_HPOJOB")


def seed(default: int = 0) -> int:
    """The trial's seed (a function of the job seed and the trial index)."""
    raw = os.environ.get("ULTRON_SEED")
    return int(raw) if raw is not None else default
