#!/usr/bin/env bash
# Exits non-zero, listing them, if the bed left anything behind: processes, mounts, network
# namespaces, bridges, iptables chains, cgroups.
source "$(dirname "$0")/lib.sh"
left=()
while read -r pid cmd; do left+=("process $pid: $cmd"); done < <(pgrep -af -- "$BIN_DIR/|$BED_DIR/nodes/|redis-server .*6379" | grep -v -e pgrep -e check-clean || true)
while read -r m; do left+=("mount $m"); done < <(grep -F "$BED_DIR" /proc/mounts | awk '{print $2}' || true)
while read -r ns; do left+=("netns $ns"); done < <(ip netns list 2>/dev/null | awk '/^cni-/{print $1}' || true)
while read -r br; do left+=("bridge $br"); done < <(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep '^ultron[0-9]' || true)
while read -r c; do left+=("iptables chain $c"); done < <(iptables -t nat -S 2>/dev/null | awk '/^-N (KUBE-|CNI-)/{print $2}' || true)
while read -r cg; do left+=("cgroup $cg"); done < <(ls -d /sys/fs/cgroup/*/ultron-node-* 2>/dev/null || true)
if [ ${#left[@]} -gt 0 ]; then
  printf 'left behind: %s\n' "${left[@]}"
  exit 1
fi
echo "clean: no process, mount, network namespace, bridge, iptables chain or cgroup left"
