# Shared by sandbox/up, down, exec and check-clean. Sourced, never executed.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings below are used by the scripts sourcing this

# CVSB_TRACE=1 sandbox/up: timestamped xtrace, for finding what is slow.
if [[ -n ${CVSB_TRACE:-} ]]; then
  PS4='+ ${EPOCHREALTIME} '
  set -x
fi

SANDBOX_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(cd "$SANDBOX_SRC/.." && pwd)

D=$(realpath -m "${CV_SANDBOX_DIR:-/var/lib/cv-sandbox}")
# Hosts get fresh tmpfs on /run and /tmp, so a state dir there would be
# invisible inside them (the registry socket, keys, logs live in it).
case "$D/" in
  / | /run/* | /tmp/* | /proc/* | /sys/* | /dev/*)
    echo "CV_SANDBOX_DIR=$D: must not be /, or under /run, /tmp, /proc, /sys, /dev" >&2
    exit 2
    ;;
esac

export PATH="$REPO/.tools/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

HOSTS=(host1 host2 host3)
BRIDGE=cvsb0
ROOT_IP=198.18.0.1
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_USER=sandbox
PG_PORT=55432
PG_BIN=/usr/lib/postgresql/15/bin
S3_PORT=4568
TESTAPP_IMAGE=$REGISTRY_ADDR/testapp
TESTAPP_TAG=v1
RAILSAPP_IMAGE=$REGISTRY_ADDR/railsapp
RAILSAPP_RELEASES=(1 2 3)
# The app's PostgreSQL and Redis run on this host, as on the first users'
# server; containers on every host reach them over the sandbox network.
APP_DB_HOST=host1
APP_PG_PORT=5432
APP_REDIS_PORT=6379
# /usr/local/bin/docker is a newer client that wants a buildx plugin to build;
# the Debian one matches the engines.
DOCKER=/usr/bin/docker
ROOT_DOCKER_HOST=unix:///var/run/docker.sock
DEPLOY_STATE_DIR=/var/lib/circuitverse-deploy

# What a login on a host would see; keeps the caller's DOCKER_HOST, proxies,
# NODE_* and the like out of the hosts' daemons and commands.
HOST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOST_ENV_VARS=("PATH=$HOST_PATH" HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8)
HOST_ENV=(env -i "${HOST_ENV_VARS[@]}")

host_ip() { echo "198.18.0.1${1#host}"; }      # host1 -> 198.18.0.11
host_netns() { echo "cvsb-$1"; }
host_dir() { echo "$D/hosts/$1"; }

say() { echo "cv-sandbox: $*" >&2; }
die() {
  echo "cv-sandbox: ERROR: $*" >&2
  exit 1
}

# The last lines of a log, indented, for error messages.
log_tail() {
  local f=$1 n=${2:-25}
  if [[ -s $f ]]; then
    echo "--- last $n lines of $f:"
    tail -n "$n" "$f" | sed 's/^/    /'
  else
    echo "--- $f is empty or missing"
  fi
}

# fail SERVICE LOG MESSAGE: abort naming the service, with its log's tail.
fail() {
  local service=$1 log=$2
  shift 2
  {
    echo "cv-sandbox: ERROR: $service: $*"
    log_tail "$log"
  } >&2
  exit 1
}

# wait_until SECONDS CMD...: poll CMD four times a second, never longer than
# SECONDS.
wait_until() {
  local tries=$(($1 * 4))
  shift
  while ((tries-- > 0)); do
    "$@" && return 0
    sleep 0.25
  done
  return 1
}

# wait_for SECONDS PID CMD...: like wait_until, but gives up at once when the
# daemon PID has exited, so a crash on start-up fails fast instead of after
# the whole timeout.
wait_for() {
  local tries=$(($1 * 4)) pid=$2
  shift 2
  while ((tries-- > 0)); do
    "$@" && return 0
    if proc_gone "$pid"; then
      "$@"
      return
    fi
    sleep 0.25
  done
  return 1
}

# pid_alive PIDFILE [CMDLINE-SUBSTRING]: the process is running and, if asked,
# still the one we started (pids get reused after a reboot or crash).
pid_alive() {
  local pidfile=$1 want=${2:-} pid cmd
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null && ! proc_gone "$pid" || return 1
  [[ -z $want ]] && return 0
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$want"* ]]
}

# proc_gone PID: the process has exited. Zombies count as gone: exited
# daemons are reparented to PID 1 here, which reaps them only lazily.
proc_gone() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
  stat=${stat##*) }
  [[ ${stat%% *} == Z ]]
}

# stop_pidfile PIDFILE [CMDLINE-SUBSTRING] [GRACE-SECONDS]: SIGTERM, then
# SIGKILL after the grace period; removes the pidfile.
stop_pidfile() {
  local pidfile=$1 want=${2:-} grace=${3:-10} pid
  if pid_alive "$pidfile" "$want"; then
    pid=$(<"$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$grace" proc_gone "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      wait_until 5 proc_gone "$pid" || true
    fi
  fi
  rm -f "$pidfile"
}

# Closes every inherited descriptor above 2 before exec'ing "$@": daemons
# must not keep the caller's pipes (a test runner would wait for EOF forever)
# or the sandbox lock open.
# shellcheck disable=SC2016  # expanded by the inner bash
_CLOSE_FDS_AND_EXEC='
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-"; fi
  done
  if [[ $0 != - ]]; then echo $$ >"$0"; fi
  exec "$@"'

# spawn PIDFILE|- LOG CMD...: start a daemon that stays in the foreground, in
# its own session, stdin from /dev/null, output appended to LOG. The pidfile
# and SPAWNED_PID get the daemon's own pid (setsid and the wrapper exec it).
spawn() {
  local pidfile=$1 log=$2
  shift 2
  setsid bash -c "$_CLOSE_FDS_AND_EXEC" "$pidfile" "$@" </dev/null >>"$log" 2>&1 &
  SPAWNED_PID=$!
  # Written here too so callers can read it right away.
  if [[ $pidfile != - ]]; then echo "$SPAWNED_PID" >"$pidfile"; fi
}

# detached LOG CMD...: like spawn but waits for CMD; for daemons that fork
# themselves (nginx, sshd, pg_ctl) and report start-up errors in their status.
detached() {
  local log=$1
  shift
  setsid -w bash -c "$_CLOSE_FDS_AND_EXEC" - "$@" </dev/null >>"$log" 2>&1
}

# write_if_changed FILE MODE: stdin becomes FILE only if the content differs,
# so a re-run of `up` leaves files (and their mtimes) alone.
write_if_changed() {
  local f=$1 mode=$2 tmp
  tmp=$(mktemp "$f.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -f $f ]] && cmp -s "$tmp" "$f"; then
    rm -f "$tmp"
    chmod "$mode" "$f"
  else
    mv -f "$tmp" "$f"
  fi
}

curl_local() { curl --noproxy '*' -sS --max-time 5 "$@"; }

# http_code URL [CURL-ARGS...]: status code, 000 when nothing answers.
http_code() {
  local url=$1
  shift
  curl --noproxy '*' -s --max-time 5 -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null || true
}

# Registry password never goes on a command line: curl reads it from a
# config on stdin.
registry_curl() {
  printf 'user = "%s:%s"\n' "$REGISTRY_USER" "$(<"$D/secrets/registry-password")" |
    curl --noproxy '*' -s --max-time 5 -K - "$@"
}

# ssh_args HOST: the ssh argv (NUL-separated) tests are expected to use:
# the sandbox key, strict checking against the sandbox known_hosts, no user
# or system ssh config.
ssh_args() {
  printf '%s\0' ssh -F none -i "$D/ssh/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$D/ssh/known_hosts" \
    -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR \
    "root@$(host_ip "$1")"
}

# ssh_cmd [-t SECONDS] HOST CMD...: run CMD on HOST over ssh, bounded in time.
ssh_cmd() {
  local secs=120 args
  if [[ $1 == -t ]]; then secs=$2; shift 2; fi
  mapfile -d '' args < <(ssh_args "$1")
  shift
  timeout -k 5 "$secs" "${args[@]}" "$@"
}

host_nsenter_args() {  # the nsenter prefix that puts a command inside a host
  local h=$1
  printf '%s\0' nsenter "--net=/run/netns/$(host_netns "$h")" \
    "--mount=$D/ns/$h.mnt" "--uts=$D/ns/$h.uts" --
}

# in_host [-t SECONDS] HOST CMD...: run CMD inside HOST with a login-like
# environment, bounded in time.
in_host() {
  local secs=120 ns
  if [[ $1 == -t ]]; then secs=$2; shift 2; fi
  mapfile -d '' ns < <(host_nsenter_args "$1")
  shift
  timeout -k 5 "$secs" "${ns[@]}" "${HOST_ENV[@]}" "$@"
}

# ns_ids HOST: "net:[ino]" style ids of the host's live namespaces, one per
# line, as /proc/PID/ns/* links read.
ns_ids() {
  local h=$1 ino
  if [[ -e /run/netns/$(host_netns "$h") ]] && ino=$(stat -L -c %i "/run/netns/$(host_netns "$h")" 2>/dev/null); then
    echo "net:[$ino]"
  fi
  if mountpoint -q "$D/ns/$h.mnt" && ino=$(stat -L -c %i "$D/ns/$h.mnt"); then echo "mnt:[$ino]"; fi
  if mountpoint -q "$D/ns/$h.uts" && ino=$(stat -L -c %i "$D/ns/$h.uts"); then echo "uts:[$ino]"; fi
}

# host_pids HOST: every process that belongs to the host: in its net, mount
# or uts namespace (daemons, shims, ssh sessions, sandbox/exec commands) or in
# its container cgroups (containers have namespaces of their own).
host_pids() {
  local h=$1 ids
  ids=$(ns_ids "$h" | paste -sd' ')
  {
    if [[ -n $ids ]]; then
      find /proc/[0-9]*/ns/ -maxdepth 1 -type l \( -name net -o -name mnt -o -name uts \) \
        -printf '%h %l\n' 2>/dev/null |
        awk -v ids="$ids" 'BEGIN { n = split(ids, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
          want[$2] { split($1, p, "/"); print p[3] }'
    fi
    find /sys/fs/cgroup/*/"cvsb-$h" -name cgroup.procs -exec cat {} + 2>/dev/null || true
  } | sort -un | grep -vxF -e "$$" -e "$BASHPID" || true
}

# host_teardown HOST [keep-keys]: kill everything of the host, drop its
# namespaces, veth, cgroups and state. With keep-keys the ssh host keys stay
# so known_hosts need not change when `up` recreates a broken host.
host_teardown() {
  local h=$1 keep=${2:-} H pids tries=50 f
  H=$(host_dir "$h")
  # SIGKILL straight away: the host's state is thrown away, and a graceful
  # dockerd shutdown would spend seconds stopping containers for nothing.
  while ((tries-- > 0)); do
    pids=$(host_pids "$h")
    [[ -z $pids ]] && break
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
  [[ -z $(host_pids "$h") ]] || say "warning: $h: processes survived SIGKILL: $(host_pids "$h" | paste -sd' ')"
  for f in "$D/ns/$h.mnt" "$D/ns/$h.uts"; do
    if mountpoint -q "$f"; then umount "$f" || umount -l "$f"; fi
    rm -f "$f"
  done
  if [[ -e /run/netns/$(host_netns "$h") ]]; then ip netns del "$(host_netns "$h")"; fi
  if ip link show "cvsb-$h" &>/dev/null; then ip link del "cvsb-$h"; fi
  # Container cgroups made by the host's dockerd (--cgroup-parent), deepest first.
  find /sys/fs/cgroup/*/"cvsb-$h" -depth -type d -exec rmdir {} + 2>/dev/null || true
  if [[ -d $H ]]; then
    if [[ $keep == keep-keys ]]; then
      find "$H" -mindepth 1 -maxdepth 1 ! -name ssh -exec rm -rf --one-file-system {} +
      find "$H/ssh" -mindepth 1 ! -name 'ssh_host_*' -exec rm -rf {} + 2>/dev/null || true
    else
      rm -rf --one-file-system "$H"
    fi
  fi
}
