#!/usr/bin/env bash
# Remove brick pidfiles that no longer name a brick process. Sourced by gluster-sandbox.sh (which
# runs it before glusterd starts bricks); run directly, it does just that.
#
# glusterd takes a brick as running when the pid in its pidfile exists (/proc/PID), whatever that
# process is (gf_is_service_running). After glusterd and its bricks were killed, a reused pid makes
# it skip the brick for good ("discovered already-running brick"), even on 'volume start force'.
# A pidfile whose pid is not a glusterfsd is therefore stale, and removing it is always safe.

GLUSTER_VOLS_RUN_DIR="${GLUSTER_VOLS_RUN_DIR:-/var/run/gluster/vols}"

clear_stale_brick_pidfiles() {
  local f pid comm
  for f in "$GLUSTER_VOLS_RUN_DIR"/*/*.pid; do
    [ -f "$f" ] || continue
    pid=""
    # A failed redirection reports before a trailing 2>/dev/null applies: the group silences it.
    { read -r pid <"$f"; } 2>/dev/null || true
    comm=""
    if [[ "$pid" =~ ^[0-9]+$ ]]; then { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || true; fi
    if [ "$comm" != glusterfsd ]; then
      printf '[brick-pidfiles] removing stale brick pidfile %s (pid %s is not a brick)\n' "$f" "${pid:-none}" >&2
      rm -f "$f"
    fi
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  clear_stale_brick_pidfiles
fi
