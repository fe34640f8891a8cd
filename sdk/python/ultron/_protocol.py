"""The sampler protocol's names and messages, as operator/bus/subjects.ts and operator/bus/protocol.ts
define them (those files are the source of truth; tests/test_protocol.py checks these against them).

Messages are JSON objects with `v: 1` and a `kind`. The checks here mirror protocol.ts's parse
functions: they never raise and return what is wrong, so a malformed message is logged and answered,
never a crash. Standard library only.
"""

import json
import math
import re
from typing import Any, Dict, List, Optional, Tuple

PROTOCOL_VERSION = 1

SUGGEST_STREAM = "ULTRON_SUGGEST"
SUGGESTIONS_STREAM = "ULTRON_SUGGESTIONS"
OBSERVATIONS_STREAM = "ULTRON_OBSERVATIONS"
METRICS_STREAM = "ULTRON_METRICS"

ERROR_CODES = ("SpaceExhausted", "InvalidSettings", "InvalidRequest", "ObservationsIncomplete", "Internal")

# A sampler name is a DNS label (the API checks it); a job uid is hex and dashes. Neither may hold the
# subject separators `.`, `*`, `>` or spaces.
_SAMPLER_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_TOKEN = re.compile(r"^[^.*>\s]+$")


def suggest_subject(sampler: str) -> str:
    return f"ultron.suggest.{sampler}"


def suggestions_subject(job_uid: str) -> str:
    return f"ultron.suggestions.{job_uid}"


def observations_subject(job_uid: str) -> str:
    return f"ultron.obs.{job_uid}"


def sampler_consumer_name(sampler: str) -> str:
    return f"ultron-sampler-{sampler}"


def answer_msg_id(request_id: str) -> str:
    return f"answer-{request_id}"


def observation_msg_id(job_uid: str, index: int) -> str:
    return f"obs-{job_uid}-{index}"


def is_sampler_name(name: Any) -> bool:
    return isinstance(name, str) and bool(_SAMPLER_NAME.match(name))


def is_subject_token(token: Any) -> bool:
    return isinstance(token, str) and bool(_TOKEN.match(token))


# -- checks (mirror protocol.ts) ---------------------------------------------------------------------


def _is_index(v: Any) -> bool:
    # JSON has one number type: 3 and 3.0 are the same trial index to the TypeScript side.
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return math.isfinite(v) and float(v).is_integer() and v >= 0


def _is_finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_scalar(v: Any) -> bool:
    return isinstance(v, (str, bool)) or _is_finite(v)


def _is_config(v: Any) -> bool:
    return isinstance(v, dict) and all(_is_scalar(x) for x in v.values())


def _configs_ok(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(x, dict) and _is_index(x.get("index")) and _is_config(x.get("params")) for x in v
    )


def decode_json(data: bytes) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        return None, f"not JSON ({e})"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    return value, None


def _envelope(m: Dict[str, Any], kinds: Tuple[str, ...], problems: List[str]) -> None:
    if m.get("v") != PROTOCOL_VERSION or isinstance(m.get("v"), bool):
        problems.append(f"v: must be {PROTOCOL_VERSION}, got {json.dumps(m.get('v'))}")
    if m.get("kind") not in kinds:
        problems.append(f"kind: must be {' or '.join(kinds)}")


def request_problems(m: Dict[str, Any]) -> List[str]:
    """What is wrong with a suggest request (protocol.ts parseSuggestRequest); empty when it is readable."""
    p: List[str] = []
    _envelope(m, ("suggest",), p)
    if not (isinstance(m.get("id"), str) and m["id"]):
        p.append("id: must be a non-empty string")
    job = m.get("job")
    if not (isinstance(job, dict) and all(isinstance(job.get(k), str) for k in ("namespace", "name", "uid"))):
        p.append("job: must have namespace, name and uid")
    elif not is_subject_token(job["uid"]):
        p.append("job.uid: must not be empty or hold '.', '*', '>' or spaces")
    sampler = m.get("sampler")
    if not (
        isinstance(sampler, dict)
        and isinstance(sampler.get("name"), str)
        and isinstance(sampler.get("settings"), dict)
    ):
        p.append("sampler: must have name and settings")
    params = m.get("parameters")
    if not (isinstance(params, list) and all(isinstance(x, dict) for x in params)):
        p.append("parameters: must be a list")
    if m.get("direction") not in ("minimize", "maximize"):
        p.append("direction: minimize or maximize")
    if not _is_index(m.get("seed")):
        p.append("seed: must be a non-negative integer")
    indices = m.get("indices")
    if not (isinstance(indices, list) and indices and all(_is_index(i) for i in indices)):
        p.append("indices: must be a non-empty list of trial indices")
    if not _configs_ok(m.get("pending")):
        p.append("pending: must be a list of {index, params}")
    obs = m.get("observations")
    if not (isinstance(obs, dict) and _is_index(obs.get("upToSeq")) and _is_index(obs.get("count"))):
        p.append("observations: must be {upToSeq, count}")
    max_trials = m.get("maxTrials")
    if max_trials is not None and not (_is_index(max_trials) and max_trials > 0):
        p.append("maxTrials: must be a positive integer when present")
    return p


def observation_problems(m: Dict[str, Any]) -> List[str]:
    """What is wrong with an observation (protocol.ts parseObservation)."""
    p: List[str] = []
    _envelope(m, ("observation",), p)
    if not _is_index(m.get("index")):
        p.append("index: must be a trial index")
    if not _is_config(m.get("params")):
        p.append("params: must map names to values")
    state = m.get("state")
    if state not in ("complete", "failed", "pruned"):
        p.append("state: complete, failed or pruned")
    if "value" in m and not _is_finite(m["value"]):
        p.append("value: must be a finite number")
    if state == "complete" and not _is_finite(m.get("value")):
        p.append("value: required when complete")
    inter = m.get("intermediate")
    if "intermediate" in m and not (
        isinstance(inter, list)
        and all(
            isinstance(r, dict) and _is_index(r.get("step")) and _is_finite(r.get("value")) for r in inter
        )
    ):
        p.append("intermediate: must be a list of {step, value}")
    return p


# -- messages the sampler writes ---------------------------------------------------------------------


def answer(request_id: str, sampler: str, configs: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "v": PROTOCOL_VERSION,
        "kind": "suggestions",
        "requestId": request_id,
        "sampler": sampler,
        "configs": configs,
    }


def error(request_id: str, sampler: str, code: str, message: str) -> Dict[str, Any]:
    assert code in ERROR_CODES, code
    return {
        "v": PROTOCOL_VERSION,
        "kind": "error",
        "requestId": request_id,
        "sampler": sampler,
        "code": code,
        "message": message,
    }


def encode(message: Dict[str, Any]) -> bytes:
    # allow_nan=False: NaN is not JSON, and the TypeScript side could not read it.
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
