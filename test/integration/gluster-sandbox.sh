#!/usr/bin/env bash
# gluster-sandbox.sh — bring up (or converge) the local GlusterFS sandbox the
# integration tests run against.
#
#   * installs glusterfs-server / fio / qemu-utils with apt if they are missing
#   * starts glusterd if it is not answering (no systemd needed)
#   * creates/repairs these volumes, all bricks under $GFTS_SANDBOX_DIR
#     (default /var/lib/gfapi-ts-sandbox):
#       gfts-single   1 brick                       started
#       gfts-dist2    2-brick distribute            started
#       gfts-dist3    3-brick distribute            started
#       gfts-stopped  1 brick                       created, never started
#       gfts-tiny     1 brick on a ~64 MiB loop-mounted ext4 (tmpfs fallback),
#                     storage.reserve 0             started  (real ENOSPC)
#       gfts-denied   1 brick, auth.reject '*'      started  (SETVOLUME fails)
#       gfts-fill2    2-brick distribute, each brick on its own ~32 MiB
#                     loop-mounted ext4 (tmpfs fallback), storage.reserve 0
#                     started  (min-free-disk: tests fill one fs outside its brick)
#       gfts-rep3     replica 3 (3 bricks)          started
#       gfts-disp     disperse 3 redundancy 1       started
#       gfts-shard    1 brick, features.shard on,   started
#                     features.shard-block-size 4MB
#       gfts-virt     replica 3, the options of `group virt`   started
#                     (shard on), features.shard-block-size 4MB
#       gfts-tls      1 brick, server.ssl on,       started
#                     client.ssl on, auth.ssl-allow gfts-sandbox
#
# TLS: a test CA and certificates made with openssl under $GFTS_SANDBOX_DIR/tls;
# the CA, the certificate (CN gfts-sandbox) and its key are installed as
# glusterfs.ca/.pem/.key in the OpenSSL directory (`openssl version -d`), where
# the bricks and the C client look. That alone turns no TLS on: management TLS
# needs /var/lib/glusterd/secure-access, which this script never creates.
# Also made, not installed: a certificate with another CN (intruder.*), one of
# another CA (otherca.*), an expired one (expired.*).
#
# stdout: exactly one JSON object describing the sandbox; all logs go to stderr.
# Exit status is non-zero (with a message on stderr) when the sandbox cannot be
# brought up. Idempotent: when everything is already in place it only inspects
# state (one `volume info` + one `volume status` call) and prints the JSON.
#
# Environment:
#   GFTS_SANDBOX_DIR    folder owned by this script (bricks, tiny fs image)
#   GFTS_VOLUME_PREFIX  volume name prefix (default "gfts-"); lets a second,
#                       independent sandbox (with its own GFTS_SANDBOX_DIR) run
#                       next to the default one, e.g. to test this script
#   GFTS_HOST           brick host name to use (default: $(hostname) if it
#                       resolves to a local IPv4 address, else 127.0.0.2)
#   GFTS_TINY_SIZE_MB   size of the tiny filesystem (default 64)
#   GFTS_TINY_FS        auto (default: loop ext4, tmpfs if that fails) | ext4 | tmpfs
#   GFTS_GLUSTERD_WAIT  seconds to wait for glusterd to answer (default 30)
set -euo pipefail

# Everything written to stdout by the commands below goes to stderr; the JSON is
# written to fd 3 (the original stdout) at the very end.
exec 3>&1 1>&2

export PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin"
export LC_ALL=C

SANDBOX_DIR="${GFTS_SANDBOX_DIR:-/var/lib/gfapi-ts-sandbox}"
TINY_SIZE_MB="${GFTS_TINY_SIZE_MB:-64}"
TINY_FS="${GFTS_TINY_FS:-auto}"
GLUSTERD_WAIT="${GFTS_GLUSTERD_WAIT:-30}"
APT_LOG=/var/log/gfapi-ts-sandbox-apt.log
GLUSTERD_PORT=24007
DENIED_AUTH_REJECT='*'
P="${GFTS_VOLUME_PREFIX:-gfts-}"

log() { printf '[gluster-sandbox] %s\n' "$*" >&2; }
# shellcheck source=brick-pidfiles.sh
. "$(dirname "${BASH_SOURCE[0]}")/brick-pidfiles.sh"
die() {
  printf '[gluster-sandbox] ERROR: %s\n' "$*" >&2
  exit 1
}
# gluster CLI, non-interactive, bounded.
gl() { timeout 120 gluster --mode=script "$@"; }

# --------------------------------------------------------------------------
# sanity
# --------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "must run as root (glusterd, brick xattrs and the loop mount need it)"
SANDBOX_DIR="${SANDBOX_DIR%/}"
case "$SANDBOX_DIR" in
  /?*) ;;
  *) die "GFTS_SANDBOX_DIR must be an absolute path other than / (got '${SANDBOX_DIR}')" ;;
esac
case "$P" in
  *[!A-Za-z0-9_-]*) die "GFTS_VOLUME_PREFIX may only contain letters, digits, '_' and '-' (got '${P}')" ;;
esac
case "$TINY_FS" in
  auto | ext4 | tmpfs) ;;
  *) die "GFTS_TINY_FS must be auto, ext4 or tmpfs (got '${TINY_FS}')" ;;
esac
case "$TINY_SIZE_MB" in
  '' | *[!0-9]*) die "GFTS_TINY_SIZE_MB must be an integer (got '${TINY_SIZE_MB}')" ;;
esac

# --------------------------------------------------------------------------
# packages
# --------------------------------------------------------------------------
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    log "apt-get not available; cannot install: $*"
    return 1
  fi
  log "installing $* with apt-get (about a minute on a fresh machine; output in $APT_LOG)"
  # Package scripts may start daemons (glusterd): they get the log file, never our stdout/stderr,
  # which whoever runs this script waits on.
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"; } \
    </dev/null >>"$APT_LOG" 2>&1 3>&-; then
    tail -n 20 "$APT_LOG" >&2 || true
    return 1
  fi
  log "installed $*"
}

ensure_packages() {
  local pkgs=()
  if ! command -v glusterd >/dev/null 2>&1 || ! command -v gluster >/dev/null 2>&1; then
    pkgs+=(glusterfs-server)
  fi
  command -v fio >/dev/null 2>&1 || pkgs+=(fio)
  # qemu-block-extra carries qemu's gluster:// block driver (normally a Recommends).
  command -v qemu-img >/dev/null 2>&1 || pkgs+=(qemu-utils qemu-block-extra)
  # The TLS volume's certificates are made with openssl (not on minimal images); the second,
  # management-TLS glusterd runs in a network namespace (ip, from iproute2).
  command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
  command -v ip >/dev/null 2>&1 || pkgs+=(iproute2)
  [ "${#pkgs[@]}" -eq 0 ] && return 0

  if [[ " ${pkgs[*]} " == *" glusterfs-server "* ]]; then
    # glusterd missing: install the whole tool set in one go (each package named once).
    local all
    mapfile -t all < <(printf '%s\n' "${pkgs[@]}" fio qemu-utils qemu-block-extra | awk '!seen[$0]++')
    apt_install "${all[@]}" ||
      die "glusterfs-server is not installed and installing it failed (see apt output above)"
    command -v glusterd >/dev/null 2>&1 || die "glusterd still not found after installing glusterfs-server"
  else
    apt_install "${pkgs[@]}" || log "WARNING: could not install ${pkgs[*]}; the reference C-client tools will be reported as null"
  fi
}

# --------------------------------------------------------------------------
# glusterd
# --------------------------------------------------------------------------
# procps (pgrep) is not installed on minimal Debian images; read /proc directly.
process_running() {
  local f c
  for f in /proc/[0-9]*/comm; do
    read -r c <"$f" 2>/dev/null || continue
    [ "$c" = "$1" ] && return 0
  done
  return 1
}

# `volume info all --xml`; succeeds when glusterd answered (also with no volumes at all).
info_all() {
  local out rc=0
  out="$(timeout "$1" gluster --mode=script volume info all --xml 2>&1)" || rc=$?
  printf '%s\n' "$out"
  [ "$rc" = 0 ] || [[ "$out" == *"<cliOutput>"* ]] || [[ "$out" == *"No volumes present"* ]]
}
# The first successful answer is kept for read_state (saves one CLI round trip).
INFO_XML=""
glusterd_answers() { INFO_XML="$(info_all 10)"; }

ensure_glusterd() {
  glusterd_answers && return 0
  if process_running glusterd; then
    log "glusterd is running but not answering yet; waiting"
  else
    log "starting glusterd"
    mkdir -p /var/log/glusterfs /var/lib/glusterd /var/run/gluster
    # glusterd daemonizes itself; no systemd required. Its own session and stdio: a daemon holding
    # our stdout/stderr would keep whoever reads them waiting after this script has exited.
    setsid -w glusterd </dev/null >>/var/log/glusterfs/glusterd.stdio.log 2>&1 3>&- ||
      die "glusterd failed to start (exit $?); see /var/log/glusterfs/glusterd.log"
  fi
  local deadline=$((SECONDS + GLUSTERD_WAIT))
  until glusterd_answers; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 /var/log/glusterfs/glusterd.log >&2 2>/dev/null || true
      die "glusterd did not answer 'gluster volume info' within ${GLUSTERD_WAIT}s"
    fi
    sleep 0.3
  done
  log "glusterd is up"
}

# --------------------------------------------------------------------------
# brick host
# --------------------------------------------------------------------------
is_local_ipv4() {
  local a="$1"
  case "$a" in 127.*) return 0 ;; esac
  local l
  for l in $(hostname -I 2>/dev/null); do [ "$l" = "$a" ] && return 0; done
  return 1
}

pick_host() {
  if [ -n "${GFTS_HOST:-}" ]; then
    printf '%s' "$GFTS_HOST"
    return
  fi
  local h addr
  h="$(hostname 2>/dev/null || true)"
  if [ -n "$h" ] && [ "$h" != localhost ]; then
    for addr in $(getent ahostsv4 "$h" 2>/dev/null | awk '{print $1}' | sort -u); do
      if is_local_ipv4 "$addr"; then
        printf '%s' "$h"
        return
      fi
    done
  fi
  # glusterd refuses "localhost" and "127.0.0.1" as brick hosts but accepts
  # any other loopback address, which Linux answers on without configuration.
  printf '127.0.0.2'
}

# --------------------------------------------------------------------------
# state inspection
# --------------------------------------------------------------------------
# VINFO lines:  VOL <name> <id> <statusStr>   BRICK <name> <host:path>   OPT <name> <key> <value>
# VSTAT lines:  NODE <vol> <path> <status> <pid>
VINFO=""
VSTAT=""

read_state() {
  local xml="$INFO_XML"
  INFO_XML=""
  [ -n "$xml" ] || xml="$(info_all 120)" || die "gluster volume info failed: $xml"
  VINFO="$(printf '%s\n' "$xml" | awk '
    function val(s) { sub(/^[^>]*>/, "", s); sub(/<.*$/, "", s); return s }
    /<volume>/            { vol = ""; inb = 0; ino = 0; id = ""; next }
    /<bricks>/            { inb = 1; next }
    /<\/bricks>/          { inb = 0; next }
    /<option>/            { ino = 1; k = ""; next }
    /<\/option>/          { ino = 0; next }
    inb && /<brick /      { s = $0; sub(/.*<name>/, "", s); sub(/<\/name>.*/, "", s); print "BRICK", vol, s; next }
    ino && /<name>/       { k = val($0); next }
    ino && /<value>/      { print "OPT", vol, k, val($0); next }
    !inb && !ino && vol == "" && /<name>/ { vol = val($0); next }
    vol != "" && /<id>/   { id = val($0); next }
    vol != "" && /<statusStr>/ { print "VOL", vol, id, val($0); next }
  ')" || die "gluster volume info failed"
  refresh_status
}

refresh_status() {
  VSTAT="$(gl volume status all --xml 2>/dev/null | awk '
    function val(s) { sub(/^[^>]*>/, "", s); sub(/<.*$/, "", s); return s }
    /<volName>/ { vol = val($0); next }
    /<node>/    { p = ""; st = ""; pid = ""; next }
    /<path>/    { p = val($0); next }
    /<status>/  { st = val($0); next }
    /<pid>/     { pid = val($0); next }
    /<\/node>/  { print "NODE", vol, p, st, pid; next }
  ')" || VSTAT=""
}

vol_line() { awk -v v="$1" '$1 == "VOL" && $2 == v' <<<"$VINFO"; }
vol_exists() { [ -n "$(vol_line "$1")" ]; }
vol_status() { vol_line "$1" | awk '{print $4}'; }
vol_id() { vol_line "$1" | awk '{print $3}'; }
vol_bricks() { awk -v v="$1" '$1 == "BRICK" && $2 == v {print $3}' <<<"$VINFO"; }
vol_opt() { awk -v v="$1" -v k="$2" '$1 == "OPT" && $2 == v && $3 == k {sub(/^OPT [^ ]+ [^ ]+ /, ""); print; exit}' <<<"$VINFO"; }
vol_opt_keys() { awk -v v="$1" '$1 == "OPT" && $2 == v {print $3}' <<<"$VINFO"; }
# number of bricks of a started volume that are not online
vol_offline_bricks() {
  local v="$1" b n=0 st
  for b in "${@:2}"; do
    st="$(awk -v v="$v" -v p="$b" '$1 == "NODE" && $2 == v && $3 == p {print $4; exit}' <<<"$VSTAT")"
    [ "$st" = 1 ] || n=$((n + 1))
  done
  echo "$n"
}

# number of clients connected to the bricks of a started volume
vol_clients() {
  gl volume status "$1" clients 2>/dev/null |
    awk -F: '/Clients connected/ {gsub(/ /, "", $2); n += $2; seen = 1} END {print seen ? n : "unknown"}'
}

# Does the brick directory still belong to volume $1 (exists, carries its volume-id)?
brick_belongs() {
  local vol="$1" dir="$2" want got
  [ -d "$dir" ] || return 1
  want="$(vol_id "$vol" | tr -d '-')"
  got="$(getfattr --absolute-names -n trusted.glusterfs.volume-id -e hex "$dir" 2>/dev/null |
    sed -n 's/^trusted.glusterfs.volume-id=0x//p')"
  [ -n "$want" ] && [ "$got" = "$want" ]
}

# --------------------------------------------------------------------------
# volume actions
# --------------------------------------------------------------------------
CHANGED=0

destroy_volume() {
  local v="$1"
  vol_exists "$v" || return 0
  CHANGED=1
  if [ "$(vol_status "$v")" = Started ]; then
    log "stopping $v"
    gl volume stop "$v" force >&2 || die "could not stop volume $v"
  fi
  log "deleting $v"
  gl volume delete "$v" >&2 || die "could not delete volume $v"
}

# Fresh, empty brick directory: no trusted.glusterfs.volume-id, no trusted.gfid,
# no .glusterfs left over from an earlier incarnation.
wipe_brick_dir() {
  local d="$1"
  case "$d" in "$SANDBOX_DIR"/*) ;; *) die "refusing to wipe $d (outside $SANDBOX_DIR)" ;; esac
  rm -rf --one-file-system "$d"
  mkdir -p "$d"
}

# ensure_volume NAME STARTED(yes|no) OPTIONS("k=v;k=v") KIND("" | "replica 3" | ...) BRICKDIR...
ensure_volume() {
  local v="$1" want_started="$2" opts="$3" kind="$4"
  shift 4
  local dirs=("$@") specs=() d ok=1
  for d in "${dirs[@]}"; do specs+=("${HOST}:${d}"); done

  if vol_exists "$v"; then
    if [ "$(vol_bricks "$v" | tr '\n' ' ')" != "${specs[*]} " ]; then
      log "$v exists with different bricks ($(vol_bricks "$v" | tr '\n' ' ')); recreating"
      ok=0
    else
      for d in "${dirs[@]}"; do
        if ! brick_belongs "$v" "$d"; then
          log "$v: brick $d is missing or no longer carries the volume id; recreating"
          ok=0
          break
        fi
      done
    fi
    [ "$ok" = 1 ] || destroy_volume "$v"
  else
    ok=0
  fi

  if [ "$ok" = 0 ]; then
    CHANGED=1
    for d in "${dirs[@]}"; do wipe_brick_dir "$d"; done
    log "creating $v (${#dirs[@]} brick(s))"
    # shellcheck disable=SC2086 # KIND is several words: "replica 3", "disperse 3 redundancy 1"
    gl volume create "$v" $kind "${specs[@]}" force >&2 || die "could not create volume $v"
    read_state
  fi

  # options: desired ones set, anything a test left behind reset.
  local kv k val want_keys=" "
  IFS=';' read -r -a kvs <<<"$opts"
  for kv in "${kvs[@]}"; do
    [ -n "$kv" ] || continue
    k="${kv%%=*}"
    val="${kv#*=}"
    want_keys+="$k "
    if [ "$(vol_opt "$v" "$k")" != "$val" ]; then
      log "$v: set $k $val"
      CHANGED=1
      gl volume set "$v" "$k" "$val" >&2 || die "could not set $k on $v"
    fi
  done
  for k in $(vol_opt_keys "$v"); do
    # set by glusterd itself at create time (the last two for replica volumes)
    case "$k" in storage.fips-mode-rchecksum | transport.address-family | nfs.disable) continue ;; esac
    case "$kind:$k" in replica*:cluster.granular-entry-heal | replica*:performance.client-io-threads) continue ;; esac
    [[ "$want_keys" == *" $k "* ]] && continue
    log "$v: resetting leftover option $k"
    CHANGED=1
    gl volume reset "$v" "$k" >&2 || die "could not reset $k on $v"
  done

  local status
  status="$(vol_status "$v")"
  if [ "$want_started" = yes ]; then
    if [ "$status" != Started ]; then
      log "starting $v"
      CHANGED=1
      gl volume start "$v" >&2 || die "could not start volume $v"
    elif [ "$(vol_offline_bricks "$v" "${dirs[@]}")" != 0 ]; then
      log "$v: some bricks are offline; start force"
      CHANGED=1
        gl volume start "$v" force >&2 || die "could not restart bricks of $v"
    fi
  elif [ "$status" = Started ]; then
    log "stopping $v (must stay stopped)"
    CHANGED=1
    gl volume stop "$v" force >&2 || die "could not stop volume $v"
  fi
}

# --------------------------------------------------------------------------
# tiny filesystem (~64 MiB): loop-mounted ext4 image, tmpfs as fallback
# --------------------------------------------------------------------------
TINY_DIR="$SANDBOX_DIR/tiny"
TINY_IMG="$TINY_DIR/fs.img"
TINY_MNT="$TINY_DIR/mnt"
TINY_FSTYPE=""

tiny_mounted() { mountpoint -q "$TINY_MNT" 2>/dev/null; }

# A mounted tiny fs is usable if it is our ext4 image (backing file still
# present) or a tmpfs; a loop device whose image was deleted is not.
tiny_mount_healthy() {
  tiny_mounted || return 1
  local src fstype back
  src="$(findmnt -n -o SOURCE --mountpoint "$TINY_MNT" 2>/dev/null | tail -n 1)"
  fstype="$(findmnt -n -o FSTYPE --mountpoint "$TINY_MNT" 2>/dev/null | tail -n 1)"
  [ "$TINY_FS" = auto ] || [ "$TINY_FS" = "$fstype" ] || return 1
  case "$fstype" in
    tmpfs) return 0 ;;
    ext4)
      back="$(losetup -n -O BACK-FILE "$src" 2>/dev/null | sed 's/[[:space:]]*$//')"
      [ "$back" = "$TINY_IMG" ] && [ -f "$TINY_IMG" ]
      ;;
    *) return 1 ;;
  esac
}

tiny_fstype() { findmnt -n -o FSTYPE --mountpoint "$TINY_MNT" 2>/dev/null | tail -n 1; }

tiny_teardown() {
  destroy_volume "${P}tiny"
  read_state
  while tiny_mounted; do
    umount "$TINY_MNT" 2>/dev/null || umount -l "$TINY_MNT" || die "cannot unmount $TINY_MNT"
  done
  local dev
  for dev in $(losetup -j "$TINY_IMG" -O NAME -n 2>/dev/null); do losetup -d "$dev" 2>/dev/null || true; done
}

xattrs_work() {
  local f="$1/.gfts-xattr-probe"
  : >"$f" || return 1
  if setfattr -n trusted.gfts.probe -v 1 "$f" 2>/dev/null &&
    getfattr --absolute-names -n trusted.gfts.probe "$f" >/dev/null 2>&1; then
    rm -f "$f"
    return 0
  fi
  rm -f "$f"
  return 1
}

ensure_tiny_fs() {
  if tiny_mounted && ! tiny_mount_healthy; then
    log "tiny fs at $TINY_MNT is stale or of the wrong type; remounting"
    tiny_teardown
  fi
  if ! tiny_mounted; then
    CHANGED=1
    mkdir -p "$TINY_MNT"
    # loop devices left attached to our image by an earlier run
    local dev
    for dev in $(losetup -j "$TINY_IMG" -O NAME -n 2>/dev/null); do losetup -d "$dev" 2>/dev/null || true; done
    local mounted=0
    if [ "$TINY_FS" != tmpfs ] && command -v mkfs.ext4 >/dev/null 2>&1; then
      if [ ! -f "$TINY_IMG" ]; then
        log "creating ${TINY_SIZE_MB} MiB ext4 image $TINY_IMG"
        rm -f "$TINY_IMG"
        truncate -s "${TINY_SIZE_MB}M" "$TINY_IMG"
        # -m 0: no root reservation (bricks run as root and should hit the real end)
        mkfs.ext4 -q -F -m 0 -L gfts-tiny "$TINY_IMG" >&2 || { rm -f "$TINY_IMG"; log "mkfs.ext4 failed"; }
      fi
      if [ -f "$TINY_IMG" ] && mount -o loop "$TINY_IMG" "$TINY_MNT" 2>/dev/null; then
        mounted=1
      elif [ -f "$TINY_IMG" ]; then
        log "loop mount of $TINY_IMG failed; trying tmpfs"
      fi
    fi
    if [ "$mounted" = 0 ]; then
      [ "$TINY_FS" != ext4 ] || die "cannot loop-mount an ext4 image at $TINY_MNT (GFTS_TINY_FS=ext4)"
      mount -t tmpfs -o "size=${TINY_SIZE_MB}m,mode=0755" "${P}tiny" "$TINY_MNT" ||
        die "cannot create the size-limited filesystem for ${P}tiny (neither loop ext4 nor tmpfs mount works)"
      if ! xattrs_work "$TINY_MNT"; then
        umount "$TINY_MNT" || true
        die "tmpfs at $TINY_MNT does not support trusted.* xattrs; ${P}tiny cannot be created"
      fi
    fi
    log "tiny fs mounted at $TINY_MNT ($(tiny_fstype))"
  fi
  TINY_FSTYPE="$(tiny_fstype)"
}

# A previous run (or a crashed test) may have left the tiny volume full; a fresh
# volume is cheaper and more reliable than deleting files on the brick.
tiny_too_full() {
  local pct
  pct="$(df -P "$TINY_MNT" 2>/dev/null | awk 'NR == 2 {gsub("%", "", $5); print $5}')"
  [ -n "$pct" ] && [ "$pct" -gt 50 ]
}

# --------------------------------------------------------------------------
# fill2: two small filesystems, one brick each (tests fill one outside its brick)
# --------------------------------------------------------------------------
FILL2_DIR="$SANDBOX_DIR/fill2"
FILL2_SIZE_MB=32
FILL2_MNTS=("$FILL2_DIR/m0" "$FILL2_DIR/m1")

fill2_healthy() { # MNT IMG
  mountpoint -q "$1" 2>/dev/null || return 1
  local src fstype
  src="$(findmnt -n -o SOURCE --mountpoint "$1" 2>/dev/null | tail -n 1)"
  fstype="$(findmnt -n -o FSTYPE --mountpoint "$1" 2>/dev/null | tail -n 1)"
  case "$fstype" in
    tmpfs) return 0 ;;
    ext4) [ "$(losetup -n -O BACK-FILE "$src" 2>/dev/null | sed 's/[[:space:]]*$//')" = "$2" ] && [ -f "$2" ] ;;
    *) return 1 ;;
  esac
}

ensure_fill2_fs() {
  local i mnt img dev
  for i in 0 1; do
    mnt="${FILL2_MNTS[$i]}"
    img="$FILL2_DIR/fs$i.img"
    fill2_healthy "$mnt" "$img" && continue
    CHANGED=1
    destroy_volume "${P}fill2"
    read_state
    while mountpoint -q "$mnt" 2>/dev/null; do
      umount "$mnt" 2>/dev/null || umount -l "$mnt" || die "cannot unmount $mnt"
    done
    for dev in $(losetup -j "$img" -O NAME -n 2>/dev/null); do losetup -d "$dev" 2>/dev/null || true; done
    mkdir -p "$mnt"
    if [ ! -f "$img" ] && command -v mkfs.ext4 >/dev/null 2>&1; then
      log "creating ${FILL2_SIZE_MB} MiB ext4 image $img"
      truncate -s "${FILL2_SIZE_MB}M" "$img"
      mkfs.ext4 -q -F -m 0 -L "gfts-fill2-$i" "$img" >&2 || { rm -f "$img"; log "mkfs.ext4 failed"; }
    fi
    if ! { [ -f "$img" ] && mount -o loop "$img" "$mnt" 2>/dev/null; }; then
      log "loop mount of $img failed; using tmpfs"
      mount -t tmpfs -o "size=${FILL2_SIZE_MB}m,mode=0755" "${P}fill2-$i" "$mnt" || die "cannot mount a small filesystem at $mnt"
      xattrs_work "$mnt" || die "tmpfs at $mnt does not support trusted.* xattrs; ${P}fill2 cannot be created"
    fi
    log "fill2 fs $i mounted at $mnt ($(findmnt -n -o FSTYPE --mountpoint "$mnt" | tail -n 1))"
  done
}

# --------------------------------------------------------------------------
# TLS material
# --------------------------------------------------------------------------
TLS_CN=gfts-sandbox
SSL_DIR=""
TLS_DIR=""

# sign_cert NAME CN CA_PREFIX [openssl ca date args...]: NAME.key + NAME.pem signed by CA_PREFIX.
# No extendedKeyUsage: GlusterFS uses one certificate as client and server (X509_PURPOSE_ANY).
sign_cert() {
  local name="$1" cn="$2" ca="$3"
  shift 3
  openssl req -new -newkey rsa:2048 -nodes -keyout "$TLS_DIR/$name.key" -subj "/CN=$cn" -out "$TLS_DIR/$name.csr" 2>/dev/null
  openssl ca -batch -notext -config "$TLS_DIR/ca.cnf" -name "ca_$(basename "$ca")" -in "$TLS_DIR/$name.csr" -out "$TLS_DIR/$name.pem" "$@" 2>/dev/null
  rm -f "$TLS_DIR/$name.csr"
}

make_ca() { # PREFIX CN
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR/$1.key" -subj "/CN=$2" -days 3650 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$TLS_DIR/$1.pem" 2>/dev/null
  mkdir -p "$TLS_DIR/$1.db"
  : >"$TLS_DIR/$1.db/index"
  echo 01 >"$TLS_DIR/$1.db/serial"
}

ensure_tls_material() {
  SSL_DIR="$(openssl version -d | sed -e 's|OPENSSLDIR: "\(.*\)".*|\1|')"
  TLS_DIR="$SANDBOX_DIR/tls"
  if [ ! -s "$TLS_DIR/glusterfs.pem" ] || [ ! -s "$TLS_DIR/expired.pem" ] || [ ! -s "$TLS_DIR/otherca-cert.pem" ] || [ ! -s "$TLS_DIR/intruder.pem" ]; then
    CHANGED=1
    log "making the test CA and certificates in $TLS_DIR"
    rm -rf "$TLS_DIR"
    mkdir -p "$TLS_DIR"
    local ca
    {
      for ca in ca otherca; do
        printf '[ca_%s]\ndir = %s\ncertificate = %s/%s.pem\nprivate_key = %s/%s.key\n' "$ca" "$TLS_DIR" "$TLS_DIR" "$ca" "$TLS_DIR" "$ca"
        printf 'database = %s/%s.db/index\nserial = %s/%s.db/serial\nnew_certs_dir = %s/%s.db\n' "$TLS_DIR" "$ca" "$TLS_DIR" "$ca" "$TLS_DIR" "$ca"
        printf 'default_md = sha256\ndefault_days = 3650\npolicy = any\nunique_subject = no\nx509_extensions = leaf\n\n'
      done
      printf '[any]\ncommonName = supplied\n\n[leaf]\nbasicConstraints = CA:FALSE\n'
    } >"$TLS_DIR/ca.cnf"
    make_ca ca "gfts-sandbox test CA"
    make_ca otherca "gfts-sandbox other CA"
    sign_cert glusterfs "$TLS_CN" ca
    sign_cert intruder gfts-intruder ca
    sign_cert otherca-cert "$TLS_CN" otherca
    sign_cert expired "$TLS_CN" ca -startdate 20200101000000Z -enddate 20200102000000Z
    cp "$TLS_DIR/ca.pem" "$TLS_DIR/glusterfs.ca"
    [ -s "$TLS_DIR/expired.pem" ] && [ -s "$TLS_DIR/otherca-cert.pem" ] || die "openssl could not make the test certificates in $TLS_DIR"
  fi
  # Installed where the bricks and libgfapi look; someone else's files there are left alone.
  local ext
  for ext in pem key ca; do
    if [ -e "$SSL_DIR/glusterfs.$ext" ] && ! cmp -s "$SSL_DIR/glusterfs.$ext" "$TLS_DIR/glusterfs.$ext"; then
      grep -q "$TLS_DIR" "$SSL_DIR/.gfts-sandbox-tls" 2>/dev/null ||
        die "$SSL_DIR/glusterfs.$ext exists and is not the sandbox's; remove it or run the sandbox elsewhere"
    fi
  done
  for ext in pem key ca; do
    if ! cmp -s "$SSL_DIR/glusterfs.$ext" "$TLS_DIR/glusterfs.$ext" 2>/dev/null; then
      CHANGED=1
      install -m "$([ "$ext" = key ] && echo 600 || echo 644)" "$TLS_DIR/glusterfs.$ext" "$SSL_DIR/glusterfs.$ext"
    fi
  done
  echo "$TLS_DIR" >"$SSL_DIR/.gfts-sandbox-tls"
}

# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------
json_str() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}
json_or_null() { if [ -n "$1" ]; then json_str "$1"; else printf 'null'; fi; }

json_volume() { # key name started extra-json brickdirs...
  local key="$1" name="$2" started="$3" extra="$4"
  shift 4
  local out sep="" d
  out="$(json_str "$key"):{\"name\":$(json_str "$name"),\"bricks\":["
  for d in "$@"; do
    out+="$sep$(json_str "$d")"
    sep=","
  done
  out+="],\"started\":$started$extra}"
  printf '%s' "$out"
}

# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
ensure_packages
# Before glusterd (re)starts bricks, or is asked to with 'start force' below.
clear_stale_brick_pidfiles
ensure_glusterd
HOST="$(pick_host)"

mkdir -p "$SANDBOX_DIR"
read_state

SINGLE=("$SANDBOX_DIR/single/b0")
DIST2=("$SANDBOX_DIR/dist2/b0" "$SANDBOX_DIR/dist2/b1")
DIST3=("$SANDBOX_DIR/dist3/b0" "$SANDBOX_DIR/dist3/b1" "$SANDBOX_DIR/dist3/b2")
STOPPED=("$SANDBOX_DIR/stopped/b0")
TINY=("$TINY_MNT/b0")
FILL2=("${FILL2_MNTS[0]}/b0" "${FILL2_MNTS[1]}/b1")
DENIED=("$SANDBOX_DIR/denied/b0")
REP3=("$SANDBOX_DIR/rep3/b0" "$SANDBOX_DIR/rep3/b1" "$SANDBOX_DIR/rep3/b2")
DISP=("$SANDBOX_DIR/disp/b0" "$SANDBOX_DIR/disp/b1" "$SANDBOX_DIR/disp/b2")
SHARD=("$SANDBOX_DIR/shard/b0")
TLS=("$SANDBOX_DIR/tls-vol/b0")
VIRT=("$SANDBOX_DIR/virt/b0" "$SANDBOX_DIR/virt/b1" "$SANDBOX_DIR/virt/b2")
# `gluster volume set VOL group virt` is the file /var/lib/glusterd/groups/virt (GlusterFS 10):
# its options are listed here one by one, so ensure_volume keeps them and resets anything else.
VIRT_OPTS="performance.quick-read=off;performance.read-ahead=off;performance.io-cache=off"
VIRT_OPTS+=";performance.low-prio-threads=32;network.remote-dio=disable;performance.strict-o-direct=on"
VIRT_OPTS+=";cluster.eager-lock=enable;cluster.quorum-type=auto;cluster.server-quorum-type=server"
VIRT_OPTS+=";cluster.data-self-heal-algorithm=full;cluster.locking-scheme=granular;cluster.shd-max-threads=8"
VIRT_OPTS+=";cluster.shd-wait-qlength=10000;features.shard=on;user.cifs=off;cluster.choose-local=off"
VIRT_OPTS+=";client.event-threads=4;server.event-threads=4;performance.client-io-threads=on"
VIRT_OPTS+=";network.ping-timeout=20;server.tcp-user-timeout=20;server.keepalive-time=10"
VIRT_OPTS+=";server.keepalive-interval=2;server.keepalive-count=5;cluster.lookup-optimize=off"
VIRT_OPTS+=";features.shard-block-size=4MB"

ensure_volume "${P}single" yes "" "" "${SINGLE[@]}"
ensure_volume "${P}dist2" yes "" "" "${DIST2[@]}"
ensure_volume "${P}dist3" yes "" "" "${DIST3[@]}"
ensure_volume "${P}stopped" no "" "" "${STOPPED[@]}"

ensure_tiny_fs
if tiny_too_full; then
  if [ "$(vol_status "${P}tiny")" = Started ] && [ "$(vol_clients "${P}tiny")" != 0 ]; then
    log "WARNING: tiny fs is more than half full but ${P}tiny has connected clients; leaving it alone"
  else
    log "tiny fs is more than half full (left over from an earlier run); recreating ${P}tiny"
    destroy_volume "${P}tiny"
    read_state
  fi
fi
ensure_volume "${P}tiny" yes "storage.reserve=0" "" "${TINY[@]}"

ensure_fill2_fs
ensure_volume "${P}fill2" yes "storage.reserve=0" "" "${FILL2[@]}"

ensure_volume "${P}denied" yes "auth.reject=${DENIED_AUTH_REJECT}" "" "${DENIED[@]}"
ensure_volume "${P}rep3" yes "" "replica 3" "${REP3[@]}"
ensure_volume "${P}disp" yes "" "disperse 3 redundancy 1" "${DISP[@]}"
ensure_volume "${P}shard" yes "features.shard=on;features.shard-block-size=4MB" "" "${SHARD[@]}"
ensure_volume "${P}virt" yes "$VIRT_OPTS" "replica 3" "${VIRT[@]}"
ensure_tls_material
ensure_volume "${P}tls" yes "server.ssl=on;client.ssl=on;auth.ssl-allow=${TLS_CN}" "" "${TLS[@]}"

# After any change, wait (bounded) until every started brick is online, then
# check that the final state is what we promise in the JSON.
if [ "$CHANGED" = 1 ]; then
  deadline=$((SECONDS + 30))
  while :; do
    read_state
    offline=0
    for spec in "${P}single:${SINGLE[*]}" "${P}dist2:${DIST2[*]}" "${P}dist3:${DIST3[*]}" \
      "${P}tiny:${TINY[*]}" "${P}fill2:${FILL2[*]}" "${P}denied:${DENIED[*]}" "${P}rep3:${REP3[*]}" "${P}disp:${DISP[*]}" \
      "${P}shard:${SHARD[*]}" "${P}virt:${VIRT[*]}" "${P}tls:${TLS[*]}"; do
      v="${spec%%:*}"
      read -r -a bs <<<"${spec#*:}"
      [ "$(vol_status "$v")" = Started ] || die "$v is not started after converging"
      n="$(vol_offline_bricks "$v" "${bs[@]}")"
      offline=$((offline + n))
    done
    [ "$offline" = 0 ] && break
    [ "$SECONDS" -ge "$deadline" ] && die "$offline brick(s) still offline after 30s; see /var/log/glusterfs/bricks/"
    sleep 0.5
  done
  [ "$(vol_status "${P}stopped")" = Created ] || [ "$(vol_status "${P}stopped")" = Stopped ] ||
    die "${P}stopped is in state '$(vol_status ${P}stopped)'"
  log "sandbox ready"
fi

if [ "$CHANGED" = 1 ] &&
  [ "$(gl volume get all cluster.brick-multiplex 2>/dev/null | awk '$1 == "cluster.brick-multiplex" {print $2}')" = enable ]; then
  log "WARNING: cluster.brick-multiplex is enabled; killing one brick process will take down all bricks"
fi

FIO="$(command -v fio 2>/dev/null || true)"
QEMU_IMG="$(command -v qemu-img 2>/dev/null || true)"
GLUSTER_VERSION="$(gluster --version 2>/dev/null | awk 'NR == 1 {print $2}')"
TINY_BYTES="$(df -P -B1 "$TINY_MNT" | awk 'NR == 2 {print $2}')"

{
  printf '{"host":%s,"port":%d,"sandboxDir":%s,"glusterVersion":%s,"volumes":{' \
    "$(json_str "$HOST")" "$GLUSTERD_PORT" "$(json_str "$SANDBOX_DIR")" "$(json_or_null "$GLUSTER_VERSION")"
  json_volume single "${P}single" true "" "${SINGLE[@]}"
  printf ','
  json_volume dist2 "${P}dist2" true "" "${DIST2[@]}"
  printf ','
  json_volume dist3 "${P}dist3" true "" "${DIST3[@]}"
  printf ','
  json_volume stopped "${P}stopped" false "" "${STOPPED[@]}"
  printf ','
  json_volume tiny "${P}tiny" true ",\"mountPoint\":$(json_str "$TINY_MNT"),\"fsType\":$(json_str "$TINY_FSTYPE"),\"sizeBytes\":${TINY_BYTES:-0}" "${TINY[@]}"
  printf ','
  json_volume fill2 "${P}fill2" true ",\"mountPoints\":[$(json_str "${FILL2_MNTS[0]}"),$(json_str "${FILL2_MNTS[1]}")]" "${FILL2[@]}"
  printf ','
  json_volume denied "${P}denied" true ",\"authReject\":$(json_str "$DENIED_AUTH_REJECT")" "${DENIED[@]}"
  printf ','
  json_volume rep3 "${P}rep3" true ",\"kind\":\"replica 3\"" "${REP3[@]}"
  printf ','
  json_volume disp "${P}disp" true ",\"kind\":\"disperse 3 redundancy 1\"" "${DISP[@]}"
  printf ','
  json_volume shard "${P}shard" true ",\"kind\":\"features.shard on, shard-block-size 4MB\"" "${SHARD[@]}"
  printf ','
  json_volume virt "${P}virt" true ",\"kind\":\"replica 3, group virt, shard-block-size 4MB\"" "${VIRT[@]}"
  printf ','
  json_volume tls "${P}tls" true ",\"tlsDir\":$(json_str "$TLS_DIR"),\"sslDir\":$(json_str "$SSL_DIR"),\"allowedCn\":$(json_str "$TLS_CN")" "${TLS[@]}"
  printf '},"fio":%s,"qemuImg":%s}\n' "$(json_or_null "$FIO")" "$(json_or_null "$QEMU_IMG")"
} >&3
