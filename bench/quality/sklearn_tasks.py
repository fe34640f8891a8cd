"""Real model tuning on scikit-learn's bundled datasets (no download), scored by stratified k-fold CV.

The objective is the CV error rate, 1 - mean accuracy (minimised). Folds and model seeds are fixed, so a
configuration always scores the same: the only randomness in a run is the sampler's. Each evaluation is
kept cheap (3 folds, small iteration caps) so that 30 seeds of every sampler fit the time budget; the
scores are those of small models, not the best these datasets allow.
"""
import warnings

import numpy as np

from space import categorical_param, float_param, int_param


def _svc_digits():
    from sklearn.svm import SVC

    params = [
        float_param("C", 1e-2, 1e3, log=True),
        float_param("gamma", 1e-5, 1.0, log=True),
        categorical_param("kernel", ["rbf", "sigmoid", "poly"]),
        int_param("degree", 2, 4),
        float_param("coef0", -1.0, 1.0),
    ]

    def model(c):
        return SVC(
            C=c["C"], gamma=c["gamma"], kernel=c["kernel"], degree=c["degree"], coef0=c["coef0"],
            max_iter=20000,
        )

    return "digits", params, model


def _hgb_breast_cancer():
    from sklearn.ensemble import HistGradientBoostingClassifier

    params = [
        float_param("learning_rate", 1e-3, 1.0, log=True),
        int_param("max_iter", 10, 100, log=True),
        int_param("max_leaf_nodes", 4, 64, log=True),
        int_param("min_samples_leaf", 1, 64, log=True),
        float_param("l2_regularization", 1e-6, 10.0, log=True),
        float_param("max_features", 0.2, 1.0),
        categorical_param("max_bins", [15, 63, 255]),
    ]

    def model(c):
        return HistGradientBoostingClassifier(
            learning_rate=c["learning_rate"], max_iter=c["max_iter"], max_leaf_nodes=c["max_leaf_nodes"],
            min_samples_leaf=c["min_samples_leaf"], l2_regularization=c["l2_regularization"],
            max_features=c["max_features"], max_bins=c["max_bins"], early_stopping=False, random_state=0,
        )

    return "breast_cancer", params, model


def _mlp_wine():
    from sklearn.neural_network import MLPClassifier

    params = [
        int_param("units", 4, 128, log=True),
        int_param("layers", 1, 3),
        categorical_param("activation", ["relu", "tanh", "logistic"]),
        float_param("alpha", 1e-6, 1e-1, log=True),
        float_param("learning_rate_init", 1e-4, 1e-1, log=True),
        categorical_param("batch_size", [32, 64, 128]),
    ]

    def model(c):
        return MLPClassifier(
            hidden_layer_sizes=(c["units"],) * c["layers"], activation=c["activation"], alpha=c["alpha"],
            learning_rate_init=c["learning_rate_init"], batch_size=c["batch_size"], max_iter=30,
            random_state=0,
        )

    return "wine", params, model


TASKS = {"svc-digits": _svc_digits, "hgb-breast_cancer": _hgb_breast_cancer, "mlp-wine": _mlp_wine}


def _dataset(name):
    from sklearn import datasets

    return {
        "digits": datasets.load_digits,
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
    }[name](return_X_y=True)


class SklearnTask:
    def __init__(self, name, folds=3):
        from sklearn.model_selection import StratifiedKFold
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        dataset, self.params, self._model = TASKS[name]()
        self.id = name
        self.X, self.y = _dataset(dataset)
        self.splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(self.X, self.y))
        self._pipeline = lambda c: make_pipeline(StandardScaler(), self._model(c))

    def regret(self, config):
        """The CV error rate; called `regret` for the bridge's one objective, but the optimum is unknown."""
        scores = []
        with warnings.catch_warnings():
            # Small iteration caps are deliberate: convergence warnings are expected, not news.
            warnings.simplefilter("ignore")
            for train, test in self.splits:
                m = self._pipeline(config).fit(self.X[train], self.y[train])
                scores.append(np.mean(m.predict(self.X[test]) == self.y[test]))
        return 1.0 - float(np.mean(scores))
