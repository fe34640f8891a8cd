#!/usr/bin/env bash
# Prints what the bed runs and how to use it.
source "$(dirname "$0")/lib.sh"
[ -f "$BED_DIR/bed.env" ] || { echo "the bed is not up (npm run cluster:up)"; exit 1; }
for f in "$BED_DIR"/pids/*.pid; do
  name=$(basename "$f" .pid)
  if pid_alive "$name"; then printf '  %-28s running (pid %s)\n' "$name" "$(cat "$f")"; else printf '  %-28s NOT RUNNING (log: %s)\n' "$name" "$BED_DIR/logs/$name.log"; fi
done
echo
echo "use it:  eval \"\$(npm run --silent cluster:env)\"  then  kubectl get nodes"
