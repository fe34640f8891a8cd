"""The Python side of the sampler protocol against its source of truth, operator/bus/*.ts."""

import json
import re

import pytest

from natsbed import PROTOCOL_TS, SUBJECTS_TS, request, ts_error_codes, ts_streams
from ultron import _protocol as proto


def test_stream_and_subject_names_match_subjects_ts():
    streams = {s["name"]: s for s in ts_streams()}
    assert streams[proto.SUGGEST_STREAM]["subjects"] == ["ultron.suggest.>"]
    assert streams[proto.SUGGEST_STREAM]["retention"] == "workqueue"
    assert streams[proto.SUGGESTIONS_STREAM]["subjects"] == ["ultron.suggestions.>"]
    assert streams[proto.OBSERVATIONS_STREAM]["subjects"] == ["ultron.obs.>"]
    assert proto.METRICS_STREAM in streams
    text = SUBJECTS_TS.read_text()
    # Each subject and id template, written as in TypeScript, with the Python function's output.
    for ts, py in [
        ("`ultron.suggest.${sampler}`", proto.suggest_subject("${sampler}")),
        ("`ultron.suggestions.${jobUid}`", proto.suggestions_subject("${jobUid}")),
        ("`ultron.obs.${jobUid}`", proto.observations_subject("${jobUid}")),
        ("`ultron-sampler-${sampler}`", proto.sampler_consumer_name("${sampler}")),
        ("`answer-${requestId}`", proto.answer_msg_id("${requestId}")),
        ("`obs-${jobUid}-${index}`", proto.observation_msg_id("${jobUid}", "${index}")),
    ]:
        assert ts in text and ts == f"`{py}`"


def test_error_codes_and_version_match_protocol_ts():
    assert tuple(ts_error_codes()) == proto.ERROR_CODES
    assert re.search(r"PROTOCOL_VERSION = (\d+);", PROTOCOL_TS.read_text()).group(1) == str(
        proto.PROTOCOL_VERSION
    )


def good():
    return request("r1", "u-1", "mine", [{"name": "x", "type": "float", "min": 0, "max": 1}], [3, 4], 7, 2)


def test_a_good_request_has_no_problems():
    assert proto.request_problems(good()) == []
    assert proto.request_problems({**good(), "indices": [3.0]}) == []  # 3.0 is 3 in JSON


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"v": 2}, "v: must be 1, got 2"),
        ({"v": True}, "v: must be 1, got true"),
        ({"kind": "suggestions"}, "kind: must be suggest"),
        ({"id": ""}, "id: must be a non-empty string"),
        ({"job": {"namespace": "a", "name": "b"}}, "job: must have namespace, name and uid"),
        ({"job": {"namespace": "a", "name": "b", "uid": "x.y"}}, "job.uid: must not"),
        ({"sampler": {"name": "mine"}}, "sampler: must have name and settings"),
        ({"parameters": {}}, "parameters: must be a list"),
        ({"direction": "up"}, "direction: minimize or maximize"),
        ({"seed": -1}, "seed: must be a non-negative integer"),
        ({"seed": True}, "seed: must be a non-negative integer"),
        ({"indices": []}, "indices: must be a non-empty list"),
        ({"indices": [1.5]}, "indices: must be a non-empty list"),
        ({"pending": [{"index": 1, "params": {"x": [1]}}]}, "pending: must be a list of {index, params}"),
        ({"observations": {"upToSeq": 3}}, "observations: must be {upToSeq, count}"),
        ({"maxTrials": 0}, "maxTrials: must be a positive integer"),
        ({"maxTrials": "50"}, "maxTrials: must be a positive integer"),
    ],
)
def test_request_problems(change, problem):
    problems = proto.request_problems({**good(), **change})
    assert len(problems) == 1 and problems[0].startswith(problem), problems


@pytest.mark.parametrize(
    "obs, ok",
    [
        ({"state": "complete", "value": 0.5}, True),
        ({"state": "failed"}, True),
        ({"state": "pruned", "value": 0.9, "intermediate": [{"step": 1, "value": 0.9}]}, True),
        ({"state": "complete"}, False),
        ({"state": "failed", "value": None}, False),
        ({"state": "done", "value": 1}, False),
        ({"state": "pruned", "intermediate": [{"step": -1, "value": 1}]}, False),
    ],
)
def test_observation_problems(obs, ok):
    m = {"v": 1, "kind": "observation", "index": 0, "params": {"x": 1}, **obs}
    assert (proto.observation_problems(m) == []) is ok


def test_messages_are_compact_json_without_nan():
    a = proto.answer("r1", "mine", [{"index": 3, "params": {"x": 0.5}}])
    assert json.loads(proto.encode(a)) == {
        "v": 1,
        "kind": "suggestions",
        "requestId": "r1",
        "sampler": "mine",
        "configs": [{"index": 3, "params": {"x": 0.5}}],
    }
    e = proto.error("r1", "mine", "Internal", "boom")
    assert json.loads(proto.encode(e))["code"] == "Internal"
    with pytest.raises(ValueError):
        proto.encode({"x": float("nan")})


def test_names():
    assert proto.is_sampler_name("my-sampler") and not proto.is_sampler_name("My_Sampler")
    assert not proto.is_sampler_name("a" * 64) and not proto.is_sampler_name("-a")
    assert proto.decode_json(b"[1]") == (None, "not a JSON object")
    assert proto.decode_json(b"\xff")[0] is None
