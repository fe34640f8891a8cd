#!/usr/bin/env bash
# npm run cluster:images — rebuilds the images whose inputs changed (e.g. the ultron image after
# `npm run build`) and imports them into every node of the running bed; unchanged images are kept.
source "$(dirname "$0")/lib.sh"
[ -f "$BED_DIR/bed.env" ] || die "no bed is running (npm run cluster:up first)"
bash "$E2E_CLUSTER_DIR/images.sh" build
for sock in "$BED_DIR"/nodes/*/containerd.sock; do
  [ -S "$sock" ] || continue
  bash "$E2E_CLUSTER_DIR/images.sh" import "$sock"
done
log "images imported into $(ls -d "$BED_DIR"/nodes/*/ | wc -l) node(s)"
