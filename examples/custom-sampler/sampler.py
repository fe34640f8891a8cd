"""A custom sampler in Python: random search around the best trial so far (a (1+λ) evolution strategy).

The first `startup` trials are uniform; after that each new trial is the best configuration perturbed
(`scale`: the step, as a fraction of each parameter's range on its log scale for `log`), and one in ten
is uniform again so the search never stops exploring. An HPOJob uses it with
`sampler: {name: around-the-best, settings: {startup: 5, scale: 0.15}}`.
"""

from ultron.sampler import Sampler, serve


class AroundTheBest(Sampler):
    def __init__(self):
        self.best, self.best_score, self.finished = None, None, 0

    def update(self, configs, scores):  # trials finished since the last call; a score is None if failed
        for params, score in zip(configs, scores):
            self.finished += 1
            if self.better(score, self.best_score):
                self.best, self.best_score = params, score

    def sample(self, n, space, context):
        startup, scale = self.settings.get("startup", 5), self.settings.get("scale", 0.15)
        out = []
        for index in context.indices:
            rng = context.rng(index)  # depends on (job seed, index) only: any replica answers the same
            if self.best is None or self.finished < startup or rng.random() < 0.1:
                out.append(space.sample(rng))
            else:
                out.append(space.perturb(self.best, rng, scale=scale))
        return out


if __name__ == "__main__":
    serve("around-the-best", AroundTheBest)  # NATS at $ULTRON_NATS_URL; SIGTERM finishes the request in hand
