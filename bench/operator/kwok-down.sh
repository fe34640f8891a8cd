#!/usr/bin/env bash
# Undoes bench/operator/kwok-up.sh (idempotent): deletes the benchmark's namespaces (kwok-bench-*) while
# kwok still runs, so the pods on fake nodes are removed, then the fake nodes, the stages, and stops kwok.
# The Stage CRD goes too when no other Stage is left. The bed itself is not touched.
source "$(dirname "$0")/../../e2e/cluster/lib.sh"
export KUBECONFIG="$BED_DIR/kubeconfig" PATH="$BIN_DIR:$PATH"
[ -f "$KUBECONFIG" ] || { log "no bed: nothing to do"; exit 0; }
kubectl get --raw /readyz >/dev/null 2>&1 || {
  pid_alive kwok-bench && stop_proc kwok-bench 10
  log "the bed's API server does not answer: kwok stopped; run this again once the bed is up (fake nodes stay in etcd)"
  exit 1
}

nss=$(kubectl get ns -o name 2>/dev/null | grep '^namespace/kwok-bench-' || true)
if [ -n "$nss" ]; then
  log "deleting $(echo "$nss" | wc -w) benchmark namespace(s)"
  if ! pid_alive kwok-bench; then
    # No kwok to confirm the pods' deletion on fake nodes (it was killed): delete them without waiting.
    for ns in $nss; do
      kubectl -n "${ns#namespace/}" delete pods --all --force --grace-period=0 --wait=false --request-timeout=60s >/dev/null 2>&1 || true
    done
  fi
  # shellcheck disable=SC2086
  kubectl delete $nss --wait=true --timeout=300s >/dev/null || log "namespaces still terminating"
fi
log "deleting the fake nodes"
kubectl delete nodes -l kwok.x-k8s.io/node=fake --ignore-not-found --wait=true --timeout=120s >/dev/null
if kubectl get crd stages.kwok.x-k8s.io >/dev/null 2>&1; then
  kubectl delete stages.kwok.x-k8s.io -l app.kubernetes.io/part-of=ultron-bench --ignore-not-found >/dev/null
  if [ -z "$(kubectl get stages.kwok.x-k8s.io -o name 2>/dev/null)" ]; then
    kubectl delete crd stages.kwok.x-k8s.io --ignore-not-found >/dev/null
  fi
fi
if pid_alive kwok-bench; then
  log "stopping kwok"
  stop_proc kwok-bench 10
fi
rm -f "$BED_DIR/pids/kwok-bench.pid"
log "kwok and its fake nodes are gone"
