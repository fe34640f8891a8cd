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
    try:
        value = json.loads(raw)
    except ValueError as e:
        raise ValueError(f"ULTRON_PARAMS is not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise ValueError("ULTRON_PARAMS must be a JSON object")
    return value


def param(name: str, default: Any = _MISSING, type: Optional[Callable[[Any], Any]] = None) -> Any:
    """One parameter: ULTRON_PARAMS[name], else ULTRON_PARAM_<NAME> (upper-cased name), else `default`.

    ULTRON_PARAMS keeps the JSON types, so it wins; a per-parameter variable is read as JSON when it
    parses ("0.01" → 0.01, "true" → True) and as a string otherwise. `type` converts a found value
    (int, float, str, bool — bool understands "true"/"false"); the default is returned as given.
    A missing parameter without a default raises KeyError naming both places it looked; an inactive
    conditional parameter (`when`) is missing, so give those a default.
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
    if type is bool:
        return _to_bool(name, value)
    return type(value) if type is not None else value


def _to_bool(name: str, value: Any) -> bool:
    # bool("false") is True; read the spellings a manifest or an env var would use instead.
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"parameter '{name}' is {value!r}, not a boolean")


def _parse_scalar(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def trial_index() -> Optional[int]:
    """This trial's index in its HPOJob (ULTRON_TRIAL), or None outside Ultron."""
    raw = os.environ.get("ULTRON_TRIAL")
    return int(raw) if raw is not None else None


def hpojob() -> Optional[str]:
    """The HPOJob's name (ULTRON_HPOJOB), or None outside Ultron."""
    return os.environ.get("ULTRON_HPOJOB")


def seed(default: int = 0) -> int:
    """The trial's seed (ULTRON_SEED, derived from the job's seed and the trial index), else `default`."""
    raw = os.environ.get("ULTRON_SEED")
    return int(raw) if raw is not None else default
