import math
import random
import statistics

import pytest

from ultron._space import InvalidConfig, Space

PARAMS = [
    {"name": "lr", "type": "float", "min": 1e-5, "max": 1e-1, "log": True},
    {"name": "layers", "type": "int", "min": 1, "max": 4},
    {"name": "dropout", "type": "float", "min": 0.0, "max": 0.5, "step": 0.1},
    {"name": "optimizer", "type": "categorical", "values": ["adam", "sgd"]},
    {"name": "momentum", "type": "float", "min": 0, "max": 0.99, "when": {"optimizer": ["sgd"]}},
    {"name": "nesterov", "type": "categorical", "values": [True, False], "when": {"optimizer": ["sgd"]}},
    {"name": "dampening", "type": "float", "min": 0, "max": 1, "when": {"nesterov": [False]}},
]


def draws(space, n=2000, seed=1):
    rng = random.Random(seed)
    return [space.sample(rng) for _ in range(n)]


def test_samples_belong_to_the_space():
    space = Space(PARAMS)
    for c in draws(space, 500):
        assert space.validate(c) == [], c


def test_log_float_is_log_uniform():
    lrs = [c["lr"] for c in draws(Space(PARAMS[:1]))]
    assert min(lrs) >= 1e-5 and max(lrs) <= 1e-1
    # Uniform on the log scale: the median is near the geometric mean 1e-3, a quarter falls below 1e-4.
    assert 10**-3.3 < statistics.median(lrs) < 10**-2.7
    assert 0.2 < sum(x < 1e-4 for x in lrs) / len(lrs) < 0.3


def test_int_and_step_grids_give_every_value_an_equal_share():
    space = Space(PARAMS[1:3])
    cs = draws(space, 4000)
    layers = [c["layers"] for c in cs]
    assert all(isinstance(v, int) for v in layers)
    for v in (1, 2, 3, 4):  # the ends are as likely as the middle (half-step cells beyond them)
        assert 0.2 < layers.count(v) / len(layers) < 0.3
    drop = [c["dropout"] for c in cs]
    assert sorted(set(drop)) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]  # no 0.30000000000000004
    for v in set(drop):
        assert 0.12 < drop.count(v) / len(drop) < 0.22


def test_int_log_with_step_and_a_max_off_the_grid():
    space = Space(
        [
            {"name": "h", "type": "int", "min": 2, "max": 64, "log": True},
            {"name": "k", "type": "int", "min": 0, "max": 10, "step": 4},
        ]
    )
    cs = draws(space, 2000)
    assert {c["k"] for c in cs} == {0, 4, 8}
    hs = [c["h"] for c in cs]
    assert min(hs) == 2 and max(hs) == 64
    assert 6 <= statistics.median(hs) <= 16  # geometric mean of 2 and 64 is ~11


def test_conditional_parameters_follow_their_parents():
    space = Space(PARAMS)
    cs = draws(space, 1000)
    for c in cs:
        assert ("momentum" in c) == (c["optimizer"] == "sgd")
        assert ("dampening" in c) == (c.get("nesterov") is False)
    assert any("dampening" in c for c in cs) and any("momentum" not in c for c in cs)


def test_validate_names_each_problem():
    space = Space(PARAMS)
    bad = {"lr": 0.5, "layers": 2.5, "dropout": 0.25, "optimizer": "adam", "momentum": 0.9, "extra": 1}
    problems = space.validate(bad)
    text = "\n".join(problems)
    assert "extra: not a parameter" in text
    assert "lr: 0.5 is outside [1e-05, 0.1]" in text
    assert "layers: must be an integer" in text
    assert "dropout: 0.25 is not on the grid" in text
    assert "momentum: must be absent" in text
    assert len(problems) == 5
    assert space.validate(
        {"lr": 1e-3, "layers": 1, "dropout": 0.1, "optimizer": "sgd", "nesterov": True}
    ) == ["momentum: missing"]
    assert space.validate([1, 2]) == ["must be a mapping of parameter names to values, got list"]


def test_values_compare_by_json_type():
    space = Space(
        [
            {"name": "b", "type": "categorical", "values": [16, 32, True, "1"]},
            {"name": "n", "type": "int", "min": 0, "max": 3},
        ]
    )
    assert space.validate({"b": 16, "n": 1}) == []
    assert space.validate({"b": 16.0, "n": 1.0}) == []  # one number type in JSON
    assert space.check({"b": 16.0, "n": 1.0}) == {"b": 16, "n": 1}
    assert space.validate({"b": 1, "n": 1}) != []  # 1 is neither true nor "1"
    assert space.validate({"b": "16", "n": 1}) != []
    assert space.check({"b": True, "n": 0}) == {"b": True, "n": 0}
    assert space.validate({"b": "1", "n": True}) == ["n: must be a finite number, got True"]
    assert "n: must be a finite number, got nan" in space.validate({"b": 16, "n": math.nan})


def test_check_accepts_numpy_scalars():
    np = pytest.importorskip("numpy")
    space = Space(PARAMS[:3])
    out = space.check({"lr": np.float64(1e-3), "layers": np.int64(2), "dropout": np.float32(0.2)})
    assert out == {"lr": 1e-3, "layers": 2, "dropout": pytest.approx(0.2)}
    assert type(out["layers"]) is int and type(out["lr"]) is float


def test_check_raises_with_every_problem():
    with pytest.raises(InvalidConfig) as e:
        Space(PARAMS[:2]).check({"lr": 2, "layers": 9})
    assert len(e.value.problems) == 2


def test_perturb_stays_near_and_valid():
    space = Space(PARAMS)
    rng = random.Random(3)
    best = {"lr": 1e-3, "layers": 2, "dropout": 0.2, "optimizer": "adam"}
    near = [space.perturb(best, rng, scale=0.05) for _ in range(300)]
    for c in near:
        assert space.validate(c) == [], c
    logs = [math.log10(c["lr"]) for c in near]
    assert abs(statistics.mean(logs) + 3) < 0.1 and statistics.pstdev(logs) < 0.4
    assert sum(c["optimizer"] == "adam" for c in near) > 270
    # A categorical that flips activates its children, drawn fresh.
    flipped = [c for c in near if c["optimizer"] == "sgd"]
    assert flipped and all("momentum" in c and "nesterov" in c for c in flipped)


def test_perturb_reflects_at_the_bounds():
    space = Space([{"name": "x", "type": "float", "min": 0, "max": 1}])
    rng = random.Random(0)
    xs = [space.perturb({"x": 1.0}, rng, scale=0.3)["x"] for _ in range(500)]
    assert all(0 <= x <= 1 for x in xs)
    assert sum(x == 1.0 for x in xs) < 5  # not piled up on the bound


def test_perturb_rejects_a_config_outside_the_space():
    with pytest.raises(InvalidConfig):
        Space(PARAMS[:1]).perturb({"lr": 5.0})


@pytest.mark.parametrize(
    "param, message",
    [
        ({"name": "x", "type": "float", "min": 1, "max": 1}, "min < max"),
        ({"name": "x", "type": "float", "min": 0, "max": 1, "log": True}, "log needs min > 0"),
        ({"name": "x", "type": "float", "min": 1, "max": 2, "log": True, "step": 0.5}, "step and log"),
        ({"name": "x", "type": "int", "min": 0, "max": 2, "step": 0}, "step must be a positive"),
        ({"name": "x", "type": "bool"}, "type must be one of"),
        ({"name": "x", "type": "categorical", "values": []}, "non-empty list"),
        ({"name": "x", "type": "categorical", "values": [[1]]}, "strings, numbers or booleans"),
        (
            {"name": "x", "type": "int", "min": 0, "max": 2, "when": {"later": ["a"]}},
            "not an earlier categorical",
        ),
        ({"name": "", "type": "int", "min": 0, "max": 2}, "non-empty string"),
    ],
)
def test_definition_problems(param, message):
    with pytest.raises(ValueError, match=message):
        Space([param, {"name": "later", "type": "categorical", "values": ["a"]}])


def test_duplicate_names_are_refused():
    with pytest.raises(ValueError, match="defined twice"):
        Space([PARAMS[1], PARAMS[1]])


def test_names_and_lookup():
    space = Space(PARAMS)
    assert space.names[:2] == ["lr", "layers"] and len(space) == 7
    assert space["layers"]["max"] == 4
    assert space.is_active("momentum", {"optimizer": "sgd"})
    assert not space.is_active("dampening", {"optimizer": "adam", "nesterov": False})  # parent inactive
