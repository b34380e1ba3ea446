#!/usr/bin/env bash
# netns-glusterd.sh up|down — a second, private glusterd with management TLS
# (/var/lib/glusterd/secure-access) for the management-TLS tests, isolated from the shared
# glusterd, which is never touched and never gets secure-access:
#
#   root ns: veth gftls0a 198.18.16.1/24        (the clients run here)
#   gftls_ns: veth gftls0b 198.18.16.2/24       glusterd + its bricks, in their own network
#             namespace and their own mount namespace, where /run, /var/lib/glusterd and
#             /var/log/glusterfs are bind mounts of $GFTS_TLSNS_DIR/{run,lib,log}
#
# secure-access is created in that private /var/lib/glusterd only. Certificates: the sandbox's
# (gluster-sandbox.sh installs glusterfs.pem/.key/.ca in the OpenSSL directory).
# Volumes (one brick each, on 198.18.16.2):
#   gfts-i16-mtls       management TLS only (bricks plain TCP)
#   gfts-i16-mtls-io    management TLS and client.ssl/server.ssl on
#
# up   prints one JSON line {"host","dir","libDir","volumes":{...}}; idempotent. glusterd and its
#      bricks keep none of this script's stdio open (a caller waiting for EOF would wait forever).
# down stops the volumes' bricks and glusterd, deletes the namespace, the veth and the folder.
# Addresses are from 198.18.0.0/15 (RFC 2544 benchmarking), distinct from netns_cluster.sh's.
set -euo pipefail
exec 3>&1 1>&2
export PATH="$PATH:/usr/sbin:/sbin"

D="${GFTS_TLSNS_DIR:-/var/lib/gfapi-ts-sandbox/tlsns}"
NS=gftls_ns
HOST=198.18.16.2
VOL=gfts-i16-mtls
VOL_IO=gfts-i16-mtls-io

log() { printf '[netns-glusterd] %s\n' "$*" >&2; }
gd_pid() { cat "$D/run/glusterd.pid" 2>/dev/null || true; }
alive() { local p; p="$(gd_pid)"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
# gluster CLI inside glusterd's namespaces (over its unix socket, never TLS)
G() { nsenter -t "$(gd_pid)" -n -m timeout 120 gluster --mode=script "$@"; }
Gretry() {
  local i out
  for i in $(seq 1 30); do
    if out="$(G "$@" 2>&1)"; then printf '%s\n' "$out"; return 0; fi
    case "$out" in *"Another transaction"* | *"Locking failed"*) sleep 1 ;; *) printf '%s\n' "$out" >&2; return 1 ;; esac
  done
  return 1
}

up() {
  [ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }
  [ -s "$(openssl version -d | sed -e 's|OPENSSLDIR: "\(.*\)".*|\1|')/glusterfs.pem" ] ||
    { log "no glusterfs.pem installed: run gluster-sandbox.sh first"; exit 1; }
  ip netns list | grep -qw "$NS" || ip netns add "$NS"
  if ! ip link show gftls0a >/dev/null 2>&1; then
    ip link add gftls0a type veth peer name gftls0b
    ip link set gftls0b netns "$NS"
    ip addr add 198.18.16.1/24 dev gftls0a
    ip link set gftls0a up
    ip netns exec "$NS" ip addr add "$HOST/24" dev gftls0b
    ip netns exec "$NS" ip link set gftls0b up
    ip netns exec "$NS" ip link set lo up
  fi
  mkdir -p "$D"/{lib,log,run,bricks}
  touch "$D/lib/secure-access"
  if ! alive; then
    log "starting glusterd in $NS with secure-access"
    ip netns exec "$NS" unshare -m --propagation private sh -c "
      mount --bind $D/run /run && mkdir -p /run/gluster &&
      mount --bind $D/lib /var/lib/glusterd &&
      mount --bind $D/log /var/log/glusterfs &&
      exec glusterd -p /run/glusterd.pid --log-file=/var/log/glusterfs/glusterd.log" </dev/null >/dev/null 2>&1 3>&-
    for _ in $(seq 1 100); do alive && G volume list >/dev/null 2>&1 && break; sleep 0.2; done
    alive || { log "glusterd did not start; see $D/log/glusterd.log"; exit 1; }
  fi
  local v
  for v in "$VOL" "$VOL_IO"; do
    if ! G volume info "$v" >/dev/null 2>&1; then
      mkdir -p "$D/bricks/$v"
      Gretry volume create "$v" "$HOST:$D/bricks/$v/b0" force >/dev/null
      Gretry volume set "$v" nfs.disable on >/dev/null
      if [ "$v" = "$VOL_IO" ]; then
        Gretry volume set "$v" server.ssl on >/dev/null
        Gretry volume set "$v" client.ssl on >/dev/null
      fi
    fi
    G volume info "$v" | grep -q '^Status: Started' || Gretry volume start "$v" force >/dev/null
  done
  for _ in $(seq 1 100); do
    # a brick's row may wrap after its long path: its last fields are "<port> <rdma> Y <pid>"
    [ "$(G volume status "$VOL" 2>/dev/null | grep -cE ' Y +[0-9]+ *$')" = 1 ] &&
      [ "$(G volume status "$VOL_IO" 2>/dev/null | grep -cE ' Y +[0-9]+ *$')" = 1 ] && break
    sleep 0.2
  done
  printf '{"host":"%s","dir":"%s","libDir":"%s","volumes":{"mgmt":"%s","mgmtIo":"%s"}}\n' "$HOST" "$D" "$D/lib" "$VOL" "$VOL_IO" >&3
}

down() {
  local p
  if alive; then
    G volume stop "$VOL" force >/dev/null 2>&1 || true
    G volume stop "$VOL_IO" force >/dev/null 2>&1 || true
  fi
  # bricks of this namespace (their pid files are in the private /run)
  for p in $(cat "$D"/run/gluster/vols/*/*.pid 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  p="$(gd_pid)"
  [ -n "$p" ] && kill "$p" 2>/dev/null || true
  for _ in $(seq 1 50); do alive || break; sleep 0.1; done
  ip link del gftls0a 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$D"
}

case "${1:-}" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
