"""The search space of a job, for custom samplers: check, sample and perturb configurations.

It follows operator/core/space/space.ts so that a configuration this module accepts is one the operator
accepts: numeric parameters are sampled uniformly on their (log) scale, int and stepped parameters on
their grid with every grid value owning an equal cell, categorical values compare by JSON type (`1`,
`true` and `"1"` are three different values, as in JavaScript), and a parameter whose `when` condition
does not hold is absent. Standard library only.
"""

import math
import numbers
import random
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

Config = Dict[str, Any]

_TYPES = ("float", "int", "categorical")


class InvalidConfig(ValueError):
    """A configuration that does not belong to the space; `problems` name the parameters."""

    def __init__(self, problems: List[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _is_number(v: Any) -> bool:
    # bool is an int in Python but not a number in JSON; numpy scalars register as numbers.Real.
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _same_value(a: Any, b: Any) -> bool:
    """JavaScript's `===` on JSON scalars: equal and of the same JSON type."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return _is_number(a) and _is_number(b) and a == b


def _decimals(x: float) -> int:
    exponent = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


class Space:
    """The ordered parameters of an HPOJob (its `spec.parameters`, as a request carries them)."""

    def __init__(self, parameters: Sequence[Mapping[str, Any]]):
        problems: List[str] = []
        self.parameters: List[Dict[str, Any]] = []
        self._by_name: Dict[str, Dict[str, Any]] = {}
        for i, raw in enumerate(parameters):
            p = dict(raw)
            problems += [f"parameters[{i}]: {e}" for e in self._definition_problems(p)]
            self.parameters.append(p)
            if isinstance(p.get("name"), str):
                self._by_name[p["name"]] = p
        if problems:
            raise ValueError("invalid space: " + "; ".join(problems))

    def _definition_problems(self, p: Dict[str, Any]) -> List[str]:
        name, kind = p.get("name"), p.get("type")
        if not isinstance(name, str) or not name:
            return ["name: must be a non-empty string"]
        if name in self._by_name:
            return [f"{name}: defined twice"]
        out: List[str] = []
        if kind not in _TYPES:
            return [f"{name}: type must be one of {', '.join(_TYPES)}"]
        if kind == "categorical":
            values = p.get("values")
            if not isinstance(values, list) or not values:
                out.append(f"{name}: values must be a non-empty list")
            elif not all(isinstance(v, (str, bool)) or (_is_number(v) and math.isfinite(v)) for v in values):
                out.append(f"{name}: values must be strings, numbers or booleans")
        else:
            lo, hi, step = p.get("min"), p.get("max"), p.get("step")
            if not (
                _is_number(lo) and _is_number(hi) and math.isfinite(lo) and math.isfinite(hi) and lo < hi
            ):
                out.append(f"{name}: needs finite numbers min < max")
            elif p.get("log") and lo <= 0:
                out.append(f"{name}: log needs min > 0")
            if step is not None and not (_is_number(step) and math.isfinite(step) and step > 0):
                out.append(f"{name}: step must be a positive number")
            if kind == "float" and step is not None and p.get("log"):
                out.append(f"{name}: step and log do not go together")
        when = p.get("when")
        if when is not None:
            if not isinstance(when, Mapping):
                out.append(f"{name}: when must map earlier categoricals to lists of values")
            else:
                for parent, allowed in when.items():
                    pp = self._by_name.get(parent)
                    if pp is None or pp.get("type") != "categorical":
                        out.append(f"{name}: when refers to {parent!r}, which is not an earlier categorical")
                    elif not isinstance(allowed, list):
                        out.append(f"{name}: when.{parent} must be a list of values")
        return out

    @property
    def names(self) -> List[str]:
        return [p["name"] for p in self.parameters]

    def __len__(self) -> int:
        return len(self.parameters)

    def __getitem__(self, name: str) -> Dict[str, Any]:
        return self._by_name[name]

    def is_active(self, name: str, config: Mapping[str, Any]) -> bool:
        """Whether parameter `name` is active given the values chosen for the parameters before it."""
        when = self._by_name[name].get("when")
        if not when:
            return True
        for parent, allowed in when.items():
            if parent not in config or not self.is_active(parent, config):
                return False
            if not any(_same_value(config[parent], a) for a in allowed):
                return False
        return True

    # -- checking ------------------------------------------------------------------------------------

    def validate(self, config: Any) -> List[str]:
        """Problems with a configuration, each naming the parameter; empty when it belongs to the space."""
        return self._check(config)[1]

    def check(self, config: Any) -> Config:
        """The configuration as plain JSON values (ints for int parameters, the listed categorical value),
        or InvalidConfig naming every problem."""
        out, problems = self._check(config)
        if problems:
            raise InvalidConfig(problems)
        return out

    def _check(self, config: Any) -> Tuple[Config, List[str]]:
        if not isinstance(config, Mapping):
            return {}, [f"must be a mapping of parameter names to values, got {type(config).__name__}"]
        problems = [f"{k}: not a parameter of this space" for k in config if k not in self._by_name]
        out: Config = {}
        for p in self.parameters:
            name = p["name"]
            if not self.is_active(name, config):
                if name in config:
                    problems.append(f"{name}: must be absent because its 'when' condition is not met")
                continue
            if name not in config:
                problems.append(f"{name}: missing")
                continue
            value, problem = _canonical(p, config[name])
            if problem:
                problems.append(f"{name}: {problem}")
            else:
                out[name] = value
        return out, problems

    # -- sampling ------------------------------------------------------------------------------------

    def sample(self, rng: Optional[random.Random] = None) -> Config:
        """One configuration drawn uniformly: log-uniform for `log`, every int/step grid value and every
        categorical value equally likely, conditional parameters only where their `when` holds."""
        rng = rng or random.Random()
        out: Config = {}
        for p in self.parameters:
            if self.is_active(p["name"], out):
                out[p["name"]] = _decode(p, rng.random())
        return out

    def perturb(
        self, config: Mapping[str, Any], rng: Optional[random.Random] = None, scale: float = 0.1
    ) -> Config:
        """A neighbour of `config`: each numeric value moves by a normal step of `scale` (a fraction of
        its range, on its log scale for `log`), each categorical is redrawn with probability `scale`, and
        a parameter that becomes active is drawn uniformly."""
        rng = rng or random.Random()
        base = self.check(config)
        out: Config = {}
        for p in self.parameters:
            name = p["name"]
            if not self.is_active(name, out):
                continue
            if name not in base:
                out[name] = _decode(p, rng.random())
            elif p["type"] == "categorical":
                out[name] = rng.choice(p["values"]) if rng.random() < scale else base[name]
            else:
                u = _encode(p, base[name]) + rng.gauss(0.0, scale)
                u = abs(u) % 2.0  # reflect at the bounds rather than pile up on them
                out[name] = _decode(p, 2.0 - u if u > 1.0 else u)
        return out


# -- one parameter -----------------------------------------------------------------------------------


def _step_of(p: Mapping[str, Any]) -> Optional[float]:
    step = p.get("step")
    if step is not None:
        return step
    return 1 if p["type"] == "int" else None


def _to_internal(p: Mapping[str, Any], v: float) -> float:
    return math.log(v) if p.get("log") else v


def _from_internal(p: Mapping[str, Any], x: float) -> float:
    return math.exp(x) if p.get("log") else x


def _internal_range(p: Mapping[str, Any]) -> Tuple[float, float]:
    lo, hi, step = p["min"], p["max"], _step_of(p)
    if step is None:
        return _to_internal(p, lo), _to_internal(p, hi)
    # Half a step beyond each end of the grid, so the end values are as likely as the others.
    top = lo + math.floor((hi - lo) / step + 1e-9) * step
    return _to_internal(p, lo - step / 2), _to_internal(p, top + step / 2)


def _encode(p: Mapping[str, Any], v: Any) -> float:
    """A value's position in [0, 1] (its cell's centre for a categorical)."""
    if p["type"] == "categorical":
        i = next(i for i, c in enumerate(p["values"]) if _same_value(c, v))
        return (i + 0.5) / len(p["values"])
    lo, hi = _internal_range(p)
    return (_to_internal(p, v) - lo) / (hi - lo)


def _decode(p: Mapping[str, Any], u: float) -> Any:
    x = min(1.0, max(0.0, u))
    if p["type"] == "categorical":
        values = p["values"]
        return values[min(len(values) - 1, int(x * len(values)))]
    lo, hi = _internal_range(p)
    return _snap(p, _from_internal(p, lo + x * (hi - lo)))


def _snap(p: Mapping[str, Any], v: float) -> Any:
    """Rounds to the int/step grid and clamps into [min, max]."""
    lo, hi, step = p["min"], p["max"], _step_of(p)
    if step is not None:
        v = lo + round((v - lo) / step) * step
        if v > hi + 1e-12:
            v -= step
    v = min(hi, max(lo, v))
    if p["type"] == "int":
        return int(round(v))
    if p.get("step") is not None:
        # Drop binary noise (0.30000000000000004) so values print and compare as the grid's.
        return round(v, min(15, max(_decimals(p["step"]), _decimals(lo))))
    return float(v)


def _canonical(p: Mapping[str, Any], v: Any) -> Tuple[Any, Optional[str]]:
    """(the value as JSON will carry it, None) or (None, what is wrong)."""
    if p["type"] == "categorical":
        for c in p["values"]:
            if _same_value(c, v):
                return c, None
        return None, f"{v!r} is not one of {p['values']!r}"
    if not _is_number(v) or not math.isfinite(v):
        return None, f"must be a finite number, got {v!r}"
    if v < p["min"] or v > p["max"]:
        return None, f"{v} is outside [{p['min']}, {p['max']}]"
    if p["type"] == "int" and not float(v).is_integer():
        return None, f"must be an integer, got {v}"
    step = p.get("step")
    if step is not None:
        k = (v - p["min"]) / step
        if abs(k - round(k)) > 1e-6:
            return None, f"{v} is not on the grid min + k*{step}"
    return (int(v) if p["type"] == "int" else float(v)), None
