import json

import pytest

import ultron


def test_params_come_from_the_json_with_their_types(env):
    env.setenv("ULTRON_PARAMS", json.dumps({"lr": 0.01, "opt": "adam", "n": 3, "bn": True}))
    assert ultron.params() == {"lr": 0.01, "opt": "adam", "n": 3, "bn": True}
    assert ultron.param("lr") == 0.01
    assert ultron.param("n") == 3 and isinstance(ultron.param("n"), int)
    assert ultron.param("bn") is True


def test_per_parameter_variables_are_read_as_json_when_they_parse(env):
    env.setenv("ULTRON_PARAM_LR", "0.01")
    env.setenv("ULTRON_PARAM_HIDDEN", "64")
    env.setenv("ULTRON_PARAM_OPTIMIZER", "adam")
    env.setenv("ULTRON_PARAM_NESTEROV", "false")
    env.setenv("ULTRON_PARAM_BATCH_SIZE", "32")
    assert ultron.param("lr") == 0.01
    assert ultron.param("hidden") == 64
    assert ultron.param("optimizer") == "adam"
    assert ultron.param("nesterov") is False
    assert ultron.param("batch_size") == 32  # the name is upper-cased, underscores kept


def test_the_json_wins_over_a_per_parameter_variable(env):
    env.setenv("ULTRON_PARAMS", json.dumps({"lr": 0.5}))
    env.setenv("ULTRON_PARAM_LR", "0.1")
    env.setenv("ULTRON_PARAM_EXTRA", "7")
    assert ultron.param("lr") == 0.5
    assert ultron.param("extra") == 7  # not in the JSON: the variable is used


def test_type_converts_found_values(env):
    env.setenv("ULTRON_PARAMS", json.dumps({"n": 3, "s": 4.0, "flag": "true", "off": 0}))
    env.setenv("ULTRON_PARAM_TAG", "007")
    assert ultron.param("n", type=float) == 3.0 and isinstance(ultron.param("n", type=float), float)
    assert ultron.param("s", type=int) == 4 and isinstance(ultron.param("s", type=int), int)
    assert ultron.param("tag") == "007"  # not JSON: kept as text
    assert ultron.param("tag", type=int) == 7
    assert ultron.param("n", type=str) == "3"
    assert ultron.param("flag", type=bool) is True
    assert ultron.param("off", type=bool) is False
    env.setenv("ULTRON_PARAM_BAD", "maybe")
    with pytest.raises(ValueError, match="bad"):
        ultron.param("bad", type=bool)


def test_missing_parameters_use_the_default_or_raise(env):
    assert ultron.params() == {}
    assert ultron.param("missing", default=5) == 5
    assert ultron.param("missing", None) is None
    assert ultron.param("missing", "1e-3", type=float) == "1e-3"  # the default is returned as given
    with pytest.raises(KeyError, match="ULTRON_PARAM_MISSING"):
        ultron.param("missing")


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "3"])
def test_malformed_params_json_is_an_error(env, raw):
    env.setenv("ULTRON_PARAMS", raw)
    with pytest.raises(ValueError, match="ULTRON_PARAMS"):
        ultron.params()


def test_identity(env):
    assert (ultron.trial_index(), ultron.hpojob(), ultron.seed(), ultron.seed(5)) == (None, None, 0, 5)
    env.setenv("ULTRON_TRIAL", "4")
    env.setenv("ULTRON_HPOJOB", "job")
    env.setenv("ULTRON_SEED", "99")
    assert (ultron.trial_index(), ultron.hpojob(), ultron.seed()) == (4, "job", 99)
