"""Quickstart trainer: a one-hidden-layer MLP (numpy) on a generated two-spirals dataset.

Hyperparameters (from Ultron, via the SDK): lr, l2, hidden, batch_size; --epochs from the command line.
Each epoch it reports train_loss, val_loss and val_acc, then checkpoints the weights, the momentum
buffers, the epoch and the random generator's state. On start it resumes from the newest complete
checkpoint, so a trial that is killed (preempted, retried, or Ctrl-C'd in `ultron run`) continues at
the next epoch and ends exactly where an uninterrupted run would.

Why these sizes: two spirals of two turns need enough hidden units and a well-chosen learning rate,
so the hyperparameters matter (val_loss ≈ 0.05 for good ones, ≈ 0.65 for poor ones, more when
training diverges), and 60,000 training points make one 12-epoch trial take about 1 s (0.6–2.3 s) on a core.

Test hook: ULTRON_TEST_CRASH_AFTER_EPOCH=N makes a run that did not resume past epoch N die with
os._exit(1) halfway through epoch N+1, after epoch N's checkpoint. The run that resumes from epoch N
goes on normally, so a retry completes. Used by the resume tests here and by the local runner's.
"""
import argparse
import json
import os
import sys

# One trial, one core: parallel trials should not fight over BLAS threads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

try:
    import ultron
except ImportError:  # run from a checkout without installing the SDK
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk", "python"))
    import ultron

DATA_SEED = 1234  # the dataset is the same for every trial; only the initialisation and order vary
VAL_SIZE = 4000
MAX_LOSS = float(-np.log(1e-7))  # the loss of a confidently wrong prediction, after clipping


def spirals(n, rng, turns=2.0, noise=0.05):
    """Two interleaved spirals in [-2, 2]²: a linear model cannot separate them, a small MLP can."""
    t = np.sqrt(rng.uniform(0, 1, n)) * turns * 2 * np.pi
    label = rng.integers(0, 2, n)
    r = t / (turns * 2 * np.pi)
    angle = t + label * np.pi
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1) + rng.normal(0, noise, (n, 2))
    return 2 * x, label.astype(np.float64)


def init_weights(hidden, rng):
    return {
        "w1": rng.normal(0, 1.0, (2, hidden)),
        "b1": rng.normal(0, 1.0, hidden),  # spread the units' boundaries over the plane
        "w2": rng.normal(0, 1 / np.sqrt(hidden), (hidden, 1)),
        "b2": np.zeros(1),
    }


def forward(w, x):
    h = np.tanh(x @ w["w1"] + w["b1"])
    z = h @ w["w2"] + w["b2"]
    return h, 1 / (1 + np.exp(-np.clip(z, -30, 30)))[:, 0]


def bce(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return loss if np.isfinite(loss) else MAX_LOSS  # diverged weights: report the worst loss, not NaN


def sgd_step(w, velocity, xb, yb, lr, l2):
    """One minibatch of SGD with momentum 0.9 and L2 on the weight matrices; returns the batch loss."""
    h, p = forward(w, xb)
    dz = (p - yb)[:, None] / len(yb)
    grads = {"w2": h.T @ dz + l2 * w["w2"], "b2": dz.sum(0)}
    dh = (dz @ w["w2"].T) * (1 - h * h)
    grads["w1"] = xb.T @ dh + l2 * w["w1"]
    grads["b1"] = dh.sum(0)
    for k in w:
        velocity[k] = 0.9 * velocity[k] - lr * grads[k]
        w[k] = w[k] + velocity[k]
    return bce(p, yb)


def save(path, epoch, w, velocity, rng, hp):
    np.savez(os.path.join(path, "weights.npz"), **w, **{"v_" + k: v for k, v in velocity.items()})
    with open(os.path.join(path, "state.json"), "w") as f:
        json.dump({"epoch": epoch, "rng": rng.bit_generator.state, "params": hp}, f)


def load(path, w, velocity, rng):
    """Restores weights, momentum and RNG state in place; returns the epoch saved."""
    with np.load(os.path.join(path, "weights.npz")) as saved:
        for k in w:
            w[k] = saved[k]
            velocity[k] = saved["v_" + k]
    with open(os.path.join(path, "state.json")) as f:
        state = json.load(f)
    rng.bit_generator.state = state["rng"]
    return int(state["epoch"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--train-size", type=int, default=60000)
    ap.add_argument("--keep-checkpoints", type=int, default=2)
    args = ap.parse_args()
    np.seterr(all="ignore")  # a diverging lr overflows; bce() turns that into MAX_LOSS

    hp = {
        "lr": ultron.param("lr", 0.1, type=float),
        "l2": ultron.param("l2", 1e-5, type=float),
        "hidden": ultron.param("hidden", 32, type=int),
        "batch_size": ultron.param("batch_size", 32, type=int),
    }
    x, y = spirals(args.train_size + VAL_SIZE, np.random.default_rng(DATA_SEED))
    xt, yt, xv, yv = x[: args.train_size], y[: args.train_size], x[args.train_size :], y[args.train_size :]

    rng = np.random.default_rng(ultron.seed(0))
    w = init_weights(hp["hidden"], rng)
    velocity = {k: np.zeros_like(v) for k, v in w.items()}
    start = 0
    found = ultron.latest_checkpoint()
    if found:
        start = load(found[1], w, velocity, rng)
        print(f"resumed from epoch {start}", flush=True)

    crash_after = int(os.environ.get("ULTRON_TEST_CRASH_AFTER_EPOCH", "0") or 0)
    batch = hp["batch_size"]
    for epoch in range(start + 1, args.epochs + 1):
        order = rng.permutation(len(xt))
        batches = range(0, len(xt), batch)
        losses = []
        for b, i in enumerate(batches):
            if crash_after and start < crash_after and epoch == crash_after + 1 and b == len(batches) // 2:
                print(f"test hook: dying in the middle of epoch {epoch}", flush=True)
                os._exit(1)
            idx = order[i : i + batch]
            losses.append(sgd_step(w, velocity, xt[idx], yt[idx], hp["lr"], hp["l2"]))
        _, pv = forward(w, xv)
        line = ultron.report(
            epoch,
            train_loss=min(float(np.mean(losses)), MAX_LOSS),
            val_loss=bce(pv, yv),
            val_acc=float(np.mean((pv > 0.5) == (yv > 0.5))),
        )
        # The trainer's own log (kubectl logs POD -c trainer) when the report went to the metrics file;
        # it is not a metric line, so readers of stdout ignore it.
        if os.environ.get("ULTRON_METRICS_FILE"):
            print(f"epoch {epoch}/{args.epochs}: {line}", flush=True)
        ultron.save_checkpoint(epoch, lambda path: save(path, epoch, w, velocity, rng, hp))
        ultron.prune_checkpoints(args.keep_checkpoints)


if __name__ == "__main__":
    main()
