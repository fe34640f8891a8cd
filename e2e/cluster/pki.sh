#!/usr/bin/env bash
# Certificates and tokens of the bed (idempotent): a CA, the API server's serving cert for every
# address it is reached at, the ServiceAccount signing key, and static tokens.
source "$(dirname "$0")/lib.sh"
PKI="$BED_DIR/pki"
mkdir -p "$PKI"
cd "$PKI"
HOST_IP=$1
[ -f ca.crt ] || openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=ultron-bed-ca" 2>/dev/null
if [ ! -f apiserver.crt ] || ! openssl x509 -in apiserver.crt -noout -text | grep -q "IP Address:$HOST_IP"; then
  cat > apiserver.cnf <<CNF
[req]
distinguished_name = dn
[dn]
[ext]
subjectAltName = DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:10.96.0.1,IP:$HOST_IP
extendedKeyUsage = serverAuth
CNF
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile apiserver.cnf -extensions ext 2>/dev/null
fi
[ -f sa.key ] || { openssl genrsa -out sa.key 2048 2>/dev/null; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null; }
if [ ! -f tokens.csv ]; then
  admin=$(openssl rand -hex 16)
  {
    echo "$admin,admin,admin,system:masters"
    for n in 1 2 3 4; do echo "$(openssl rand -hex 16),system:node:node-$n,node-$n,system:nodes"; done
  } > tokens.csv
fi
