#!/usr/bin/env bash
# npm run cluster:down — stops exactly what cluster:up started (by pid), kills the nodes' containers,
# removes their network namespaces, iptables rules, bridges, cgroups and mounts. Also cleans the
# leftovers of a killed run. Data (etcd, images, caches) stays unless --purge.
source "$(dirname "$0")/lib.sh"
quiet=false; purge=false
for a in "$@"; do case "$a" in --quiet) quiet=true ;; --purge) purge=true ;; esac; done
$quiet || log "stopping the bed"
[ -f "$E2E_CLUSTER_DIR/servers.sh" ] && bash "$E2E_CLUSTER_DIR/servers.sh" down || true
if [ -d "$BED_DIR/nodes" ]; then
  for d in "$BED_DIR"/nodes/*/; do
    [ -d "$d" ] && bash "$E2E_CLUSTER_DIR/node.sh" stop "$(basename "$d")"
  done
fi
for p in kube-proxy coredns kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_proc "$p" 10; done
# Anything left from a killed run: processes still running from the bed's binaries or sockets.
pkill -KILL -f -- "$BED_DIR/nodes/" 2>/dev/null || true
if [ -d "$BIN_DIR" ]; then pkill -KILL -f -- "^$BIN_DIR/" 2>/dev/null || true; fi
# iptables rules of kube-proxy and of the CNI bridge plugin (masquerade chains).
if [ -x "$BIN_DIR/kube-proxy" ] && iptables -t nat -S 2>/dev/null | grep -q 'KUBE-'; then
  "$BIN_DIR/kube-proxy" --cleanup >/dev/null 2>&1 || true
fi
for chain in $(iptables -t nat -S 2>/dev/null | awk '/^-N CNI-/{print $2}'); do
  { iptables -t nat -S POSTROUTING | grep -- "-j $chain" || true; } | sed 's/^-A/-D/' | while read -r rule; do eval "iptables -t nat $rule" 2>/dev/null || true; done
  iptables -t nat -F "$chain" 2>/dev/null || true
  iptables -t nat -X "$chain" 2>/dev/null || true
done
# Chains the kubelet and kube-proxy leave (KUBE-KUBELET-CANARY, KUBE-FIREWALL, …) in every table.
remove_kube_chains() {
  set +e +o pipefail
  local table=$1 rule chain
  iptables -t "$table" -S 2>/dev/null | grep '^-A' | grep -E -- '-j KUBE-' | sed 's/^-A/-D/' | while read -r rule; do
    eval "iptables -t $table $rule" 2>/dev/null
  done
  for chain in $(iptables -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do iptables -t "$table" -F "$chain" 2>/dev/null; done
  for chain in $(iptables -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do iptables -t "$table" -X "$chain" 2>/dev/null; done
  return 0
}
for table in nat filter mangle; do remove_kube_chains "$table"; done
# Network namespaces made by CNI, mounts under the bed, bridges and cgroups.
for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
{ grep -F "$BED_DIR" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep '^ultron[0-9]' || true); do ip link delete "$br" 2>/dev/null || true; done
for sub in /sys/fs/cgroup/*/; do
  for cg in "$sub"ultron-node-*; do [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
done
rm -rf "$BED_DIR/pids" "$BED_DIR/bed.env" "$BED_DIR/nodes"/*/images-imported
if $purge; then rm -rf "$BED_DIR"; fi
$quiet || log "the bed is down"
