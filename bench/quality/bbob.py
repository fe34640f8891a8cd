"""BBOB noiseless problems from COCO (the `coco-experiment` package, module `cocoex`).

The objective handed to every sampler is the regret f(x) - f_opt. cocoex 2.8 does not expose f_opt to
Python (its `final_target_fvalue1` property is commented out in the bindings), but it can write the
optimum's location, x_opt, to a file; f_opt = f(x_opt), and COCO's own `final_target_hit` (f <= f_opt
+ 1e-8) confirms the value before any sampler sees the problem.
"""
import os
import tempfile

import numpy as np

from space import float_param

LOWER, UPPER = -5.0, 5.0  # BBOB's region of interest, where every optimum lies


_SUITES = {}


def _suite(function, dimension):
    """One suite per (function, dimension), kept: building a suite costs ~0.1 s."""
    key = (function, dimension)
    if key not in _SUITES:
        import cocoex

        # Instances by their number (1-15), not the current year's selection of the default suite.
        _SUITES[key] = cocoex.Suite(
            "bbob", "instances: 1-15", f"function_indices: {function} dimensions: {dimension}"
        )
    return _SUITES[key]


class BbobProblem:
    def __init__(self, function, dimension, instance):
        suite = _suite(function, dimension)
        self.problem = suite.get_problem_by_function_dimension_instance(function, dimension, instance)
        self.id = self.problem.id
        self.dimension = dimension
        self.params = [float_param(f"x{i}", LOWER, UPPER) for i in range(dimension)]
        self.f_opt = self._optimum(suite)

    def _optimum(self, suite):
        probe = suite.get_problem_by_function_dimension_instance(
            self.problem.id_function, self.dimension, self.problem.id_instance
        )
        with tempfile.TemporaryDirectory() as tmp:
            cwd = os.getcwd()
            os.chdir(tmp)  # the C code writes x_opt to a fixed name in the working directory
            try:
                probe._best_parameter("print")
                x_opt = np.atleast_1d(np.loadtxt("._bbob_problem_best_parameter.txt"))
            finally:
                os.chdir(cwd)
        f_opt = float(probe(x_opt))
        if not probe.final_target_hit:
            raise RuntimeError(f"{self.id}: f(x_opt) = {f_opt} does not hit COCO's final target")
        return f_opt

    def vector(self, config):
        return np.array([float(config[f"x{i}"]) for i in range(self.dimension)])

    def regret(self, config):
        return float(self.problem(self.vector(config))) - self.f_opt
