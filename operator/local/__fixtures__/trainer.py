"""A test trainer for the local runner (standard library only).

Loss = (x - 0.3)^2 + 1/step, reported each step via ULTRON_METRICS_FILE; checkpoints every step in
ULTRON_CHECKPOINT_DIR/<step>/ with .complete written last, and resumes from the newest complete one.
Flags: --steps N, --sleep S (per step), --fail-first K (exit 3 on the first K attempts), --malformed
(print malformed metric lines too), --crash-at STEP (SIGKILL itself mid-step once, after the checkpoint
of STEP-1), --ignore-term (ignore SIGTERM). Every start appends a line to <trial dir>/starts.log.
"""
import argparse, json, os, signal, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=3)
ap.add_argument("--sleep", type=float, default=0.0)
ap.add_argument("--fail-first", type=int, default=0)
ap.add_argument("--malformed", action="store_true")
ap.add_argument("--crash-at", type=int, default=0)
ap.add_argument("--ignore-term", action="store_true")
a = ap.parse_args()

params = json.loads(os.environ["ULTRON_PARAMS"])
ckdir = os.environ["ULTRON_CHECKPOINT_DIR"]
trial_dir = os.path.dirname(ckdir)
metrics = os.environ["ULTRON_METRICS_FILE"]
if a.ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

def latest():
    steps = [int(d) for d in os.listdir(ckdir) if d.isdigit() and os.path.exists(os.path.join(ckdir, d, ".complete"))]
    return max(steps) if steps else 0

start = latest()
with open(os.path.join(trial_dir, "starts.log"), "a") as f:
    f.write(f"{start}\n")
attempts = sum(1 for _ in open(os.path.join(trial_dir, "starts.log")))
if attempts <= a.fail_first:
    print("failing on purpose", file=sys.stderr)
    sys.exit(3)

x = float(params.get("x", 0.5))
for step in range(start + 1, a.steps + 1):
    time.sleep(a.sleep)
    if a.crash_at == step and not os.path.exists(os.path.join(trial_dir, "crashed")):
        open(os.path.join(trial_dir, "crashed"), "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    loss = (x - 0.3) ** 2 + 1.0 / step
    with open(metrics, "a") as f:
        f.write(json.dumps({"step": step, "loss": loss}) + "\n")
    if a.malformed:
        print("step=%d loss=oops" % step, flush=True)
        print('{"step": 1, "loss": ', flush=True)
        print("epoch done, lr=%s" % x, flush=True)
    d = os.path.join(ckdir, str(step))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "state.json"), "w") as f:
        json.dump({"step": step}, f)
    open(os.path.join(d, ".complete"), "w").close()
print(f"text metrics line: step={a.steps} loss={(x - 0.3) ** 2 + 1.0 / a.steps}", flush=True)
