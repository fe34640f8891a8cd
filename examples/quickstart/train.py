"""Quickstart trainer: a one-hidden-layer MLP (numpy) on a generated two-spirals dataset.

Hyperparameters (from Ultron): lr, l2, hidden, batch_size. It reports train_loss, val_loss and val_acc
every epoch, checkpoints every epoch, and resumes from the newest complete checkpoint, so a trial that
is killed (pre-empted, or Ctrl-C'd in `ultron run`) continues where it stopped.

Test hook: ULTRON_TEST_CRASH_AFTER_EPOCH=N makes the first run die (os._exit(1)) in the middle of epoch
N+1, after epoch N's checkpoint — used by the resume tests.
"""
import argparse
import json
import os
import sys

import numpy as np

try:
    import ultron
except ImportError:  # run from a checkout without installing the SDK
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk", "python"))
    import ultron


def spirals(n, noise, rng):
    """Two interleaved spirals: a problem a linear model cannot solve and a small MLP can."""
    t = np.sqrt(rng.uniform(0, 1, n)) * 3 * np.pi
    label = rng.integers(0, 2, n)
    r = t / (3 * np.pi)
    angle = t + label * np.pi
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    x += rng.normal(0, noise, x.shape)
    return x.astype(np.float64), label.astype(np.float64)


def forward(w, x):
    h = np.tanh(x @ w["w1"] + w["b1"])
    z = h @ w["w2"] + w["b2"]
    return h, 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def bce(p, y):
    p = np.clip(p[:, 0], 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    args = ap.parse_args()

    lr = ultron.param("lr", 0.1, type=float)
    l2 = ultron.param("l2", 1e-4, type=float)
    hidden = ultron.param("hidden", 16, type=int)
    batch_size = ultron.param("batch_size", 32, type=int)

    data_rng = np.random.default_rng(1234)  # the dataset is the same for every trial
    x, y = spirals(1600, 0.04, data_rng)
    xt, yt, xv, yv = x[:1200], y[:1200], x[1200:], y[1200:]

    rng = np.random.default_rng(ultron.seed(0))
    w = {
        "w1": rng.normal(0, 1.0, (2, hidden)),
        "b1": np.zeros(hidden),
        "w2": rng.normal(0, 1 / np.sqrt(hidden), (hidden, 1)),
        "b2": np.zeros(1),
    }
    velocity = {k: np.zeros_like(v) for k, v in w.items()}
    start = 0
    found = ultron.latest_checkpoint()
    if found:
        start, path = found
        saved = np.load(os.path.join(path, "weights.npz"))
        w = {k: saved[k] for k in w}
        velocity = {k: saved["v_" + k] for k in w}
        with open(os.path.join(path, "rng.json")) as f:
            rng.bit_generator.state = json.load(f)
        print(f"resumed from epoch {start}", flush=True)

    crash_after = int(os.environ.get("ULTRON_TEST_CRASH_AFTER_EPOCH", "0"))
    crash_marker = os.path.join(ultron.checkpoint_root(), ".test-crashed")

    for epoch in range(start + 1, args.epochs + 1):
        order = rng.permutation(len(xt))
        losses = []
        for b, i in enumerate(range(0, len(xt), batch_size)):
            if crash_after and epoch == crash_after + 1 and b == 5 and not os.path.exists(crash_marker):
                open(crash_marker, "w").close()
                print(f"test hook: dying in the middle of epoch {epoch}", flush=True)
                os._exit(1)
            idx = order[i : i + batch_size]
            xb, yb = xt[idx], yt[idx]
            h, p = forward(w, xb)
            losses.append(bce(p, yb))
            dz = (p[:, 0] - yb)[:, None] / len(idx)
            grads = {"w2": h.T @ dz + l2 * w["w2"], "b2": dz.sum(0)}
            dh = (dz @ w["w2"].T) * (1 - h * h)
            grads["w1"] = xb.T @ dh + l2 * w["w1"]
            grads["b1"] = dh.sum(0)
            for k in w:  # SGD with momentum 0.9
                velocity[k] = 0.9 * velocity[k] - lr * grads[k]
                w[k] = w[k] + velocity[k]
        _, pv = forward(w, xv)
        val_loss = bce(pv, yv)
        if not np.isfinite(val_loss):
            val_loss = 10.0  # diverged: a large, finite loss keeps the report valid
        val_acc = float(np.mean((pv[:, 0] > 0.5) == (yv > 0.5)))
        ultron.report(epoch, train_loss=float(np.mean(losses)), val_loss=val_loss, val_acc=val_acc)

        def write(path):
            np.savez(os.path.join(path, "weights.npz"), **w, **{"v_" + k: v for k, v in velocity.items()})
            with open(os.path.join(path, "rng.json"), "w") as f:
                json.dump(rng.bit_generator.state, f)

        ultron.save_checkpoint(epoch, write)
        ultron.prune_checkpoints(keep=2)


if __name__ == "__main__":
    main()
