#!/usr/bin/env bash
# Fake nodes for `npm run bench:operator -- --kwok`, on the running test bed (idempotent):
#   - builds kwok (e2e/cluster/build.sh kwok) if it is not in the bed's bin dir yet;
#   - applies kwok's Stage CRD (from the kwok module the build downloaded) and our stages
#     (bench/operator/kwok-stages.yaml: node ready, pod running, Job pod Succeeded after a delay, delete);
#   - starts the kwok controller against the bed's API server with the bed's admin kubeconfig, managing
#     only nodes labelled kwok.x-k8s.io/node=fake (logs/kwok-bench.log, pids/kwok-bench.pid in the bed dir);
#   - creates KWOK_BENCH_NODES (20) such nodes with a big capacity and the taint
#     kwok.x-k8s.io/node=fake:NoSchedule, so no pod lands there without tolerating it, and waits until
#     they are Ready.
# Delays (ms): KWOK_BENCH_START_MS (100) .. KWOK_BENCH_START_JITTER_MS (300) from binding to running,
# KWOK_BENCH_COMPLETE_MS (1000) .. KWOK_BENCH_COMPLETE_JITTER_MS (1500) from running to Succeeded.
# bench/operator/kwok-down.sh undoes all of it.
source "$(dirname "$0")/../../e2e/cluster/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
NODES="${KWOK_BENCH_NODES:-20}"
KWOK_DIR="$BED_DIR/kwok-bench"
export KUBECONFIG="$BED_DIR/kubeconfig" PATH="$BIN_DIR:$PATH"
[ -f "$KUBECONFIG" ] || die "no running bed (no $KUBECONFIG): npm run cluster:up first"
kubectl get --raw /readyz >/dev/null || die "the bed's API server does not answer"

[ -x "$BIN_DIR/kwok" ] || bash "$E2E_CLUSTER_DIR/build.sh" kwok
crd="$(GOFLAGS=-mod=mod go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/crd/bases/kwok.x-k8s.io_stages.yaml"
if [ ! -f "$crd" ]; then
  (cd "$(mktemp -d)" && GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download "sigs.k8s.io/kwok@$KWOK_VERSION")
fi
[ -f "$crd" ] || die "kwok's Stage CRD is not at $crd"

log "kwok $KWOK_VERSION: Stage CRD and the benchmark's stages"
kubectl apply --server-side -f "$crd" >/dev/null
kubectl wait --for=condition=Established crd/stages.kwok.x-k8s.io --timeout=60s >/dev/null
sed -e "s/@START_MS@/${KWOK_BENCH_START_MS:-100}/" -e "s/@START_JITTER_MS@/${KWOK_BENCH_START_JITTER_MS:-300}/" \
  -e "s/@COMPLETE_MS@/${KWOK_BENCH_COMPLETE_MS:-1000}/" \
  -e "s/@COMPLETE_JITTER_MS@/${KWOK_BENCH_COMPLETE_JITTER_MS:-1500}/" \
  "$HERE/kwok-stages.yaml" | kubectl apply --server-side -f - >/dev/null

mkdir -p "$KWOK_DIR"
cat > "$KWOK_DIR/kwok.yaml" <<YAML
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  enableCRDs: [Stage]
  manageNodesWithLabelSelector: kwok.x-k8s.io/node=fake
  # Node heartbeats through Leases, renewed every quarter of this: the bed's node-monitor grace is 10 s.
  nodeLeaseDurationSeconds: 12
  # Fake pod IPs, outside the bed's 10.244.0.0/16 (pods) and 10.96.0.0/16 (services).
  cidr: 10.250.0.0/16
  podPlayStageParallelism: 8
  nodePlayStageParallelism: 4
  nodeLeaseParallelism: 4
YAML

if pid_alive kwok-bench; then
  log "kwok already running (pid $(cat "$BED_DIR/pids/kwok-bench.pid"))"
else
  log "starting kwok (log: $BED_DIR/logs/kwok-bench.log)"
  start_proc kwok-bench "$BIN_DIR/kwok" --kubeconfig "$KUBECONFIG" --config "$KWOK_DIR/kwok.yaml"
  sleep 1
  pid_alive kwok-bench || { tail -20 "$BED_DIR/logs/kwok-bench.log" >&2; die "kwok exited"; }
fi

log "$NODES fake nodes"
for i in $(seq 1 "$NODES"); do
  name=$(printf 'kwok-bench-node-%02d' "$i")
  cat <<YAML
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  labels:
    kwok.x-k8s.io/node: fake
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
spec:
  taints:
    - {key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}
status:
  addresses:
    - {type: InternalIP, address: 10.250.255.$i}
    - {type: Hostname, address: $name}
  capacity: {cpu: "1000", memory: 4Ti, pods: "1000", ephemeral-storage: 100Ti}
  allocatable: {cpu: "1000", memory: 4Ti, pods: "1000", ephemeral-storage: 100Ti}
YAML
done | kubectl apply -f - >/dev/null
ready=0
for _ in $(seq 120); do
  ready=$(kubectl get nodes -l kwok.x-k8s.io/node=fake --no-headers 2>/dev/null | awk '$2=="Ready"' | wc -l)
  [ "$ready" -ge "$NODES" ] && break
  sleep 1
done
[ "$ready" -ge "$NODES" ] || die "only $ready of $NODES fake nodes Ready after 120 s (log: $BED_DIR/logs/kwok-bench.log)"
log "kwok ready: $(kubectl get nodes -l kwok.x-k8s.io/node=fake --no-headers | wc -l) fake nodes"
