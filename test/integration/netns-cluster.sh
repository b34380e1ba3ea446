#!/usr/bin/env bash
# netns-cluster.sh — a private three-host GlusterFS trusted pool on this machine, for the
# partition tests (three-hosts.test.ts). The shared glusterd (root namespace, port 24007) is
# never probed, stopped or asked anything: this pool is three other glusterd.
#
#   root ns:  bridge gfc3br0 198.18.32.1/24      (the clients run here)
#   gfc3_nsN: veth gfc3vNb 198.18.32.1N/24       (N = 1..3; its peer gfc3vNa is on the bridge)
#             glusterd, its brick and its self-heal daemon, in that network namespace and in a
#             mount namespace of their own where /run, /var/lib/glusterd and /var/log/glusterfs
#             are bind mounts of $GFTS_CLUSTER_DIR/hostN/{run,lib,log}: each glusterd has its own
#             UUID, state, sockets (/run/glusterd.socket) and pid files.
#
# 198.18.0.0/15 is the RFC 2544 benchmarking range; these addresses exist only on the bridge and
# in the namespaces (198.18.16.x is netns-glusterd.sh's). Volume gfts-i14-3hosts: replica 3, one
# brick per host ($GFTS_CLUSTER_DIR/hostN/brick/b), network.ping-timeout 5, quorum-type auto.
#
#   up                 build whatever is missing, start what is stopped (idempotent); prints the
#                      pool as one JSON line (below)
#   status             the same JSON when the pool is complete and running, else exit 1
#   down               kill every process of the three namespaces, delete them, the veths, the
#                      bridge and $GFTS_CLUSTER_DIR (its mounts live only in those processes'
#                      mount namespaces and go with them)
#   cut N...           each host N's link drops every packet, both ways (iptables DROP inside
#                      its namespace): its peers see silence, never a reset
#   restore N...       undo cut N
#   stop-glusterd N    kill host N's glusterd only (its brick and self-heal daemon stay)
#   gluster N ARGS...  the gluster CLI of host N (its unix socket, inside its namespaces)
#   exec N CMD...      run CMD inside host N's network and mount namespaces
#
# JSON: {"volume","bridge","rootAddress","dir","pingTimeout",
#        "hosts":[{"index","namespace","address","dir","brick","glusterdPid"}...]}
# Logs go to stderr; glusterd and its bricks keep none of this script's descriptors open (a caller
# waiting for EOF on stdout would wait forever).
set -euo pipefail
exec 3>&1 1>&2
export PATH="$PATH:/usr/sbin:/sbin"

D="${GFTS_CLUSTER_DIR:-/var/lib/gfapi-ts-sandbox/netns-cluster}"
VOL=gfts-i14-3hosts
BR=gfc3br0
ROOT_ADDR=198.18.32.1
NET_PREFIX=198.18.32
PING_TIMEOUT=5
HOSTS=(1 2 3)
APT_LOG=/var/log/gfapi-ts-sandbox-apt.log

log() { printf '[netns-cluster] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ns() { echo "gfc3_ns$1"; }
addr() { echo "$NET_PREFIX.1$1"; }
hdir() { echo "$D/host$1"; }
gd_pid() { cat "$(hdir "$1")/run/glusterd.pid" 2>/dev/null || true; }
gd_alive() { local p; p="$(gd_pid "$1")"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
# Processes of this pool: whatever runs in its network namespaces.
ns_pids() { ip netns pids "$(ns "$1")" 2>/dev/null || true; }
# inside host N's namespaces, network and private mounts: glusterd's, or with glusterd stopped,
# those of a process it started (its brick, its self-heal daemon)
in_host() {
  local n=$1 p
  shift
  if gd_alive "$n"; then p="$(gd_pid "$n")"; else p="$(ns_pids "$n" | head -n 1)"; fi
  [ -n "$p" ] || die "nothing runs on host $n"
  nsenter -t "$p" -n -m "$@"
}
G() { local n=$1; shift; gd_alive "$n" || die "glusterd of host $n is not running"; in_host "$n" timeout 120 gluster --mode=script "$@"; }
# retried while another transaction (of this pool) holds the lock
Gretry() {
  local n=$1 i out
  shift
  for i in $(seq 1 30); do
    if out="$(G "$n" "$@" 2>&1)"; then printf '%s\n' "$out"; return 0; fi
    case "$out" in *"Another transaction"* | *"Locking failed"* | *"try again"*) sleep 1 ;; *) printf '%s\n' "$out" >&2; return 1 ;; esac
  done
  printf '%s\n' "$out" >&2
  return 1
}

check_index() { case "${1:-}" in 1 | 2 | 3) ;; *) die "host index must be 1, 2 or 3 (got '${1:-}')" ;; esac; }

ensure_tools() {
  local pkgs=()
  command -v ip >/dev/null 2>&1 || pkgs+=(iproute2)
  command -v nsenter >/dev/null 2>&1 || pkgs+=(util-linux)
  command -v iptables >/dev/null 2>&1 || pkgs+=(iptables)
  command -v getfattr >/dev/null 2>&1 || pkgs+=(attr)
  [ "${#pkgs[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get to install them"
  log "installing ${pkgs[*]} with apt-get (output in $APT_LOG)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}"; } \
    </dev/null >>"$APT_LOG" 2>&1 3>&-; then
    tail -n 20 "$APT_LOG" >&2 || true
    die "could not install ${pkgs[*]}"
  fi
}

# iptables of host N's namespace. The nft backend needs nf_tables in the kernel; some kernels
# have only the legacy x_tables: use whichever works here.
IPT=
ipt() {
  local n=$1
  shift
  if [ -z "$IPT" ]; then
    local c
    for c in iptables iptables-legacy; do
      if command -v "$c" >/dev/null 2>&1 && ip netns exec "$(ns "$n")" "$c" -w -S INPUT >/dev/null 2>&1; then IPT=$c; break; fi
    done
    [ -n "$IPT" ] || die "no working iptables in $(ns "$n")"
  fi
  ip netns exec "$(ns "$n")" "$IPT" -w "$@"
}

network() {
  if ! ip link show "$BR" >/dev/null 2>&1; then
    ip link add "$BR" type bridge
  fi
  ip addr replace "$ROOT_ADDR/24" dev "$BR"
  ip link set "$BR" up
  local n
  for n in "${HOSTS[@]}"; do
    ip netns list | grep -qw "$(ns "$n")" || ip netns add "$(ns "$n")"
    if ! ip link show "gfc3v${n}a" >/dev/null 2>&1; then
      ip link add "gfc3v${n}a" type veth peer name "gfc3v${n}b"
      ip link set "gfc3v${n}b" netns "$(ns "$n")"
      ip link set "gfc3v${n}a" master "$BR"
    fi
    ip link set "gfc3v${n}a" up
    ip netns exec "$(ns "$n")" sh -c "
      ip addr replace $(addr "$n")/24 dev gfc3v${n}b
      ip link set gfc3v${n}b up && ip link set lo up"
  done
}

start_glusterd() {
  local n=$1 h
  h="$(hdir "$n")"
  gd_alive "$n" && return 0
  mkdir -p "$h"/{lib,log,run,brick}
  rm -f "$h/run/glusterd.pid"
  log "starting glusterd of host $n ($(addr "$n")) in $(ns "$n")"
  ip netns exec "$(ns "$n")" unshare -m --propagation private sh -c "
    mount --bind $h/run /run && mkdir -p /run/gluster &&
    mount --bind $h/lib /var/lib/glusterd &&
    mount --bind $h/log /var/log/glusterfs &&
    exec glusterd -p /run/glusterd.pid --log-file=/var/log/glusterfs/glusterd.log" </dev/null >/dev/null 2>&1 3>&-
  for _ in $(seq 1 150); do gd_alive "$n" && G "$n" volume list >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "glusterd of host $n did not start; see $h/log/glusterd.log"
}

connected_peers() { G 1 peer status 2>/dev/null | grep -c 'Peer in Cluster (Connected)' || true; }

pool() {
  local n
  for n in 2 3; do
    G 1 pool list 2>/dev/null | grep -qw "$(addr "$n")" || Gretry 1 peer probe "$(addr "$n")" >/dev/null
  done
  for _ in $(seq 1 150); do [ "$(connected_peers)" = 2 ] && return 0; sleep 0.2; done
  G 1 peer status >&2 || true
  die "the three glusterd did not form a connected pool"
}

# bricks (the nodes with a path; the self-heal daemons have none) that are online
online_bricks() {
  G 1 volume status "$VOL" --xml 2>/dev/null |
    awk 'BEGIN { RS = "</node>" } /<path>\// && /<status>1<\/status>/ { n++ } END { print n + 0 }'
}

volume() {
  local n bricks=()
  for n in "${HOSTS[@]}"; do bricks+=("$(addr "$n"):$(hdir "$n")/brick/b"); done
  if ! G 1 volume info "$VOL" >/dev/null 2>&1; then
    log "creating $VOL (replica 3)"
    # bricks on the root filesystem: force
    Gretry 1 volume create "$VOL" replica 3 "${bricks[@]}" force >/dev/null
    Gretry 1 volume set "$VOL" network.ping-timeout "$PING_TIMEOUT" >/dev/null
    Gretry 1 volume set "$VOL" cluster.quorum-type auto >/dev/null
    Gretry 1 volume set "$VOL" nfs.disable on >/dev/null
  fi
  # `start force` also restarts bricks that died (a host whose glusterd was stopped and restarted)
  if ! G 1 volume info "$VOL" | grep -q '^Status: Started' || [ "$(online_bricks)" != 3 ]; then
    Gretry 1 volume start "$VOL" force >/dev/null
  fi
  for _ in $(seq 1 150); do [ "$(online_bricks)" = 3 ] && return 0; sleep 0.2; done
  G 1 volume status "$VOL" >&2 || true
  die "the bricks of $VOL did not all come online"
}

json() {
  local n sep='' hosts=''
  for n in "${HOSTS[@]}"; do
    hosts+="$sep{\"index\":$n,\"namespace\":\"$(ns "$n")\",\"address\":\"$(addr "$n")\",\"dir\":\"$(hdir "$n")\",\"brick\":\"$(hdir "$n")/brick/b\",\"glusterdPid\":$(gd_pid "$n")}"
    sep=,
  done
  printf '{"volume":"%s","bridge":"%s","rootAddress":"%s","dir":"%s","pingTimeout":%s,"hosts":[%s]}\n' \
    "$VOL" "$BR" "$ROOT_ADDR" "$D" "$PING_TIMEOUT" "$hosts" >&3
}

up() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  command -v glusterd >/dev/null 2>&1 || die "glusterd not installed: run gluster-sandbox.sh first"
  ensure_tools
  network
  local n
  for n in "${HOSTS[@]}"; do
    restore "$n" # a run that died mid-partition leaves no host cut off
    start_glusterd "$n"
  done
  pool
  volume
  json
}

status() {
  local n
  for n in "${HOSTS[@]}"; do gd_alive "$n" || { log "glusterd of host $n is not running"; exit 1; }; done
  [ "$(connected_peers)" = 2 ] || { log "the pool is not fully connected"; exit 1; }
  [ "$(online_bricks)" = 3 ] || { log "not every brick of $VOL is online"; exit 1; }
  json
}

down() {
  local n p left
  for n in "${HOSTS[@]}"; do
    ip netns list | grep -qw "$(ns "$n")" || continue
    for p in $(ns_pids "$n"); do kill "$p" 2>/dev/null || true; done
  done
  for _ in $(seq 1 50); do
    left=
    for n in "${HOSTS[@]}"; do left+="$(ns_pids "$n")"; done
    [ -z "$left" ] && break
    sleep 0.1
  done
  for n in "${HOSTS[@]}"; do
    for p in $(ns_pids "$n"); do kill -KILL "$p" 2>/dev/null || true; done
  done
  for n in "${HOSTS[@]}"; do
    ip link del "gfc3v${n}a" 2>/dev/null || true
    ip netns del "$(ns "$n")" 2>/dev/null || true
  done
  ip link del "$BR" 2>/dev/null || true
  rm -rf "$D"
  log "down"
}

cut() {
  check_index "$1"
  local v="gfc3v$1b"
  ipt "$1" -C INPUT -i "$v" -j DROP 2>/dev/null || ipt "$1" -I INPUT -i "$v" -j DROP
  ipt "$1" -C OUTPUT -o "$v" -j DROP 2>/dev/null || ipt "$1" -I OUTPUT -o "$v" -j DROP
  log "host $1 cut off (packets dropped)"
}

restore() {
  check_index "$1"
  ip netns list | grep -qw "$(ns "$1")" || return 0
  command -v iptables >/dev/null 2>&1 || command -v iptables-legacy >/dev/null 2>&1 || return 0
  local v="gfc3v$1b"
  while ipt "$1" -C INPUT -i "$v" -j DROP 2>/dev/null; do ipt "$1" -D INPUT -i "$v" -j DROP; done
  while ipt "$1" -C OUTPUT -o "$v" -j DROP 2>/dev/null; do ipt "$1" -D OUTPUT -o "$v" -j DROP; done
}

stop_glusterd() {
  check_index "$1"
  local p
  p="$(gd_pid "$1")"
  gd_alive "$1" || return 0
  kill "$p"
  for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || { log "glusterd of host $1 stopped"; return 0; }; sleep 0.1; done
  die "glusterd of host $1 (pid $p) did not exit"
}

case "${1:-}" in
up) up ;;
status) status ;;
down) down ;;
cut)
  shift
  for n in "${@:-}"; do cut "$n"; done ;;
restore)
  shift
  for n in "${@:-}"; do restore "$n" && log "host $n restored"; done ;;
stop-glusterd) stop_glusterd "${2:-}" ;;
gluster) check_index "${2:-}"; n=$2; shift 2; G "$n" "$@" >&3 ;;
exec) check_index "${2:-}"; n=$2; shift 2; in_host "$n" "$@" >&3 ;;
*) echo "usage: $0 up|status|down|cut N...|restore N...|stop-glusterd N|gluster N ARGS...|exec N CMD..." >&2; exit 2 ;;
esac
