// Shell scripts run on the hosts with `sh -c SCRIPT deploy ARG…`. They are constants: every value from the user
// travels as a positional argument (quoted by toShellCommand) or on stdin, never spliced into script text.

// What runs, what nginx points at, what was released: $1 service, $2 upstream file, $3 history file.
const readStateFunction = `read_state() {
  echo '## containers'
  docker ps -a --filter "label=circuitverse.deploy.service=$1" \\
    --format '{{.Names}}\t{{.Label "circuitverse.deploy.version"}}\t{{.Label "circuitverse.deploy.image"}}\t{{.State}}\t{{.Ports}}'
  echo '## upstream'
  cat "$2" 2>/dev/null || true
  echo '## history'
  tail -n 200 "$3" 2>/dev/null || true
}`;

/** $1 registry, $2 user (empty for none), $3 image; the password on stdin. A throwaway DOCKER_CONFIG keeps the
 * login off the host. */
export const pullScript = `set -eu
if [ -n "$2" ]; then
  config=$(mktemp -d)
  trap 'rm -rf "$config"' EXIT
  DOCKER_CONFIG=$config docker login --username "$2" --password-stdin "$1" >/dev/null
  DOCKER_CONFIG=$config docker pull -q "$3" >/dev/null
else
  docker pull -q "$3" >/dev/null
fi`;

/**
 * $1 lock dir, $2 token, then the state script's arguments; the holder's JSON on stdin. mkdir is atomic: exactly one
 * deploy gets the lock. The winner reads the state in the same round trip; anyone else gets the holder.
 */
export const lockScript = `set -eu
${readStateFunction}
mkdir -p "\${1%/*}"
if mkdir "$1" 2>/dev/null; then
  printf '%s' "$2" >"$1/token"
  cat >"$1/holder"
  echo acquired
  read_state "$3" "$4" "$5"
else
  cat "$1/holder" 2>/dev/null || echo '{}'
fi`;

/**
 * $1 lock dir, $2 token, $3 service: when this deploy holds the lock, removes the service's stopped or never started
 * containers (what a failed or rolled-back switch leaves) and releases the lock.
 */
export const unlockScript = `held=
read -r held 2>/dev/null <"$1/token"
if [ "$held" = "$2" ]; then
  docker ps -aq --filter "label=circuitverse.deploy.service=$3" --filter status=exited --filter status=created | xargs -r docker rm >/dev/null
  rm -rf "$1"
  echo released
fi`;

/** $1 service, $2 upstream file, $3 history file. */
export const stateScript = `set -eu
${readStateFunction}
read_state "$1" "$2" "$3"`;

/** $1 file; content on stdin. Written 0600 before any container can read it. */
export const writePrivateFileScript = `set -eu
mkdir -p "\${1%/*}"
umask 077
cat >"$1.tmp"
chmod 600 "$1.tmp"
mv -f "$1.tmp" "$1"`;

/**
 * $1 container name, $2 container port (empty: publish nothing), $3 env file to write from stdin (empty: keep the one
 * there), $4 host ports to try, space-separated; then the docker run arguments. Publishes the container port on the
 * first host port of 127.0.0.1 that is free and prints it. An explicit host port, unlike 127.0.0.1::PORT, stays the
 * same when Docker restarts the container (after a crash or a reboot), so nginx's upstream still points at it.
 */
export const startScript = `set -eu
name=$1 port=$2 env_file=$3 host_ports=$4
shift 4
if [ -n "$env_file" ]; then
  mkdir -p "\${env_file%/*}"
  (umask 077 && cat >"$env_file.tmp")
  chmod 600 "$env_file.tmp"
  mv -f "$env_file.tmp" "$env_file"
fi
# A run that fails may leave its container created but not started: it goes, and $output says why.
run() {
  if output=$(docker run --detach --name "$name" "$@" 2>&1); then return 0; fi
  docker rm --force "$name" >/dev/null 2>&1 || true
  return 1
}
if [ -z "$port" ]; then
  run "$@" && exit 0
  printf '%s\\n' "$output" >&2
  exit 1
fi
for host_port in $host_ports; do
  if run --publish "127.0.0.1:$host_port:$port" "$@"; then
    echo "$host_port"
    exit 0
  fi
  case $output in
    *'port is already allocated'* | *'address already in use'*) ;;
    *) printf '%s\\n' "$output" >&2; exit 1 ;;
  esac
done
# Docker's line that says why, out of the container's ID before it and the usage hint after it.
why=$(printf '%s\\n' "\${output:-}" | grep -m 1 -e 'port is already allocated' -e 'address already in use' || true)
printf 'none of the host ports %s is free on 127.0.0.1; the last: %s\\n' "$host_ports" "$why" >&2
exit 1`;

/**
 * The cutover, in one round trip. $1 service, $2 the new container's host port, $3 its version, $4 nginx's upstream
 * file (empty for workers: nothing to switch), $5 the service's HAProxy section file, $6 HAProxy's admin socket, $7
 * ports to try, space-separated, for the service's HAProxy listener when it has none yet, $8 the service's state dir,
 * $9 drain seconds, $10 old container to stop (empty on a first deploy), $11 history file, $12 history line, $13
 * nginx's pid file, $14 HAProxy's.
 *
 * nginx sends the service to a HAProxy listener on 127.0.0.1 that never changes, and HAProxy (TCP mode) to the live
 * container: a deploy switches HAProxy's server through the admin socket, with no reload. A reload of nginx loses
 * connections its old workers accepted but had not read; HAProxy's runtime switch loses none. nginx is reloaded (after
 * nginx -t) only when its upstream file must change otherwise than in comments: the service's first deploy on the host,
 * or a host that an earlier release pointed straight at a container. HAProxy is reloaded (after haproxy -c; seamless in
 * master-worker mode) only when the service's section is new. Both files always name the live container, so a restart
 * or a reboot serves it. The drain waits until no connection to the old container's port is left (and, after an nginx
 * reload, until the old workers exited). Then stops the old container and records the release. Prints each phase's
 * end in milliseconds since the epoch. nginx -t runs before HAProxy changes, and a runtime switch that an nginx reload
 * must follow is switched back if the reload fails. Exit 3: nothing was switched, the previous files are back.
 */
export const cutoverScript = `set -eu
service=$1 port=$2 version=$3 upstream=$4 fragment=$5 admin=$6 listen_ports=$7 root=$8 drain=$9 old=\${10}
history=\${11} line=\${12} nginx_pid_file=\${13} haproxy_pid_file=\${14}
# GNU date gives milliseconds; busybox's has no %N and gives whole seconds.
now() {
  t=$(date +%s%3N)
  case $t in *[!0-9]*) echo "$(( $(date +%s) * 1000 ))" ;; *) echo "$t" ;; esac
}
echo "begin $(now)"
fail() { printf '%s\\n' "$1" >&2; exit 3; }
set_server() {
  printf 'set server cv-%s/live addr 127.0.0.1 port %s\\n' "$service" "$1" | socat -t 5 - "UNIX-CONNECT:$admin" 2>&1
}
put_back() {
  if [ -e "$root/$2.previous" ]; then mv -f "$root/$2.previous" "$1"; else rm -f "$1"; fi
}
# Until traffic goes to the new container, any failure (a full disk, a refused config, a lost connection) puts the
# previous files back and exits 3: nothing was switched. A worker has nothing to switch.
# HAProxy's server port before a runtime switch that an nginx reload must still follow: put back if that fails.
switched= placed= switched_from=
[ -n "$upstream" ] || switched=yes
on_exit() {
  code=$?
  rm -f "$root/nginx-upstream.new" "$root/haproxy.new"
  if [ "$code" -ne 0 ] && [ -z "$switched" ]; then
    if [ -n "$placed" ]; then put_back "$upstream" nginx-upstream; put_back "$fragment" haproxy; fi
    if [ -n "$switched_from" ]; then set_server "$switched_from" >/dev/null 2>&1 || true; fi
    exit 3
  fi
}
trap on_exit EXIT
trap 'exit 1' HUP INT TERM
nginx_workers= old_ports=
if [ -n "$upstream" ]; then
  mkdir -p "$root"
  read -r haproxy_master 2>/dev/null <"$haproxy_pid_file" || haproxy_master=
  if [ -z "$haproxy_master" ] || ! kill -0 "$haproxy_master" 2>/dev/null; then
    fail "HAProxy is not running (no live master in $haproxy_pid_file); set it up as the deploy README says, then deploy again."
  fi
  # The files the running master loads, from its own command line: what a reload loads.
  configs=$(tr '\\0' '\\n' <"/proc/$haproxy_master/cmdline" | sed -n '/^-f$/{n;p;}')
  if ! printf '%s\\n' "$configs" | grep -Fqx -e "$fragment" -e "\${fragment%/*}" -e "\${fragment%/*}/"; then
    fail "HAProxy does not load \${fragment%/*} (it runs with -f $(echo $configs)); add CONFIG=\\"/etc/haproxy/haproxy.cfg -f \${fragment%/*}\\" to /etc/default/haproxy and restart it, as the deploy README says."
  fi
  # One deploy at a time on the host touches HAProxy: two first deploys would take the same listener port, and a
  # runtime switch during another service's reload could reach the worker that is leaving.
  exec 9>>"\${root%/*}/haproxy.lock"
  flock -w 60 9 || fail "another deploy on this host held \${root%/*}/haproxy.lock for 60 s; deploy again."
  listen=
  if [ -e "$fragment" ]; then listen=$(sed -n 's/^  bind 127\\.0\\.0\\.1:\\([0-9][0-9]*\\)$/\\1/p' "$fragment"); fi
  fresh=
  if [ -z "$listen" ]; then
    fresh=yes
    for candidate in $listen_ports; do
      # Free now, and not promised to another service's section that HAProxy has not loaded.
      if [ -z "$(ss -Hltn "sport = :$candidate")" ] && ! grep -qs "^  bind 127\\.0\\.0\\.1:$candidate\\$" "\${fragment%/*}"/*.cfg; then
        listen=$candidate
        break
      fi
    done
    [ -n "$listen" ] || fail "none of the ports $listen_ports is free on 127.0.0.1 for HAProxy's listener of $service; deploy again to draw others."
  fi
  haproxy_port=$(sed -n 's/^  server live 127\\.0\\.0\\.1:\\([0-9][0-9]*\\)$/\\1/p' "$fragment" 2>/dev/null || true)
  # Where traffic goes now, to drain: HAProxy's server, and nginx's when it points straight at a container.
  for p in $haproxy_port \\
    $(sed -n -e 's/^# container: 127\\.0\\.0\\.1:\\([0-9][0-9]*\\).*/\\1/p' -e 's/^ *server 127\\.0\\.0\\.1:\\([0-9][0-9]*\\);.*/\\1/p' "$upstream" 2>/dev/null); do
    case " $old_ports $listen $port " in *" $p "*) ;; *) old_ports="$old_ports $p" ;; esac
  done
  # Backups and new files stay out of nginx's and HAProxy's config dirs, which may load every file there.
  printf '%s\\n' "# Written by circuitverse/actions deploy: $service $version. Changes here are overwritten by the next deploy." \\
    "# container: 127.0.0.1:$port, through HAProxy's 127.0.0.1:$listen ($fragment)" \\
    "upstream $service {" "  server 127.0.0.1:$listen;" '}' >"$root/nginx-upstream.new"
  printf '%s\\n' "# Written by circuitverse/actions deploy: $service $version. Deploys switch the server live through the" \\
    '# admin socket and keep it here for the next start or reload; changes here are overwritten by the next deploy.' \\
    "listen cv-$service" "  bind 127.0.0.1:$listen" '  mode tcp' '  # nginx logs every request already: only failed connections here.' \\
    '  option tcplog' '  option dontlog-normal' \\
    '  timeout connect 5s' '  timeout client 1h' '  timeout server 1h' "  server live 127.0.0.1:$port" >"$root/haproxy.new"
  reload_nginx=
  if [ "$(grep -v '^#' "$root/nginx-upstream.new")" != "$(grep -v '^#' "$upstream" 2>/dev/null)" ]; then reload_nginx=yes; fi
  rm -f "$root/nginx-upstream.previous" "$root/haproxy.previous"
  if [ -e "$upstream" ]; then cp -p "$upstream" "$root/nginx-upstream.previous"; fi
  if [ -e "$fragment" ]; then cp -p "$fragment" "$root/haproxy.previous"; fi
  placed=yes
  mv -f "$root/haproxy.new" "$fragment"
  mv -f "$root/nginx-upstream.new" "$upstream"
  # Checked before HAProxy changes: a broken nginx config leaves everything as it was.
  if [ -n "$reload_nginx" ]; then
    result=$(nginx -t 2>&1) || fail "$result
nginx -t rejected the new upstream file; the previous files are back in place."
  fi
  if [ -n "$fresh" ]; then
    set --
    for config in $configs; do set -- "$@" -f "$config"; done
    result=$(haproxy -c -q "$@" 2>&1) || fail "$result
haproxy -c rejected $fragment; the previous files are back in place."
    # /run/systemd/system exists only while systemd runs (sd_booted): elsewhere there is no unit to ask about.
    if [ -d /run/systemd/system ] && systemctl is-active --quiet haproxy 2>/dev/null; then
      systemctl reload haproxy
    else
      kill -USR2 "$haproxy_master"
    fi
    # Loaded once a worker serves the new container's port: a section left loaded by a failed deploy serves another,
    # and so does a leaving worker that still answers the socket.
    polls=0
    until printf 'show servers state cv-%s\\n' "$service" | socat -t 2 - "UNIX-CONNECT:$admin" 2>/dev/null |
      awk -v port="$port" '$4 == "live" && $19 == port { found = 1 } END { exit !found }'; do
      polls=$(( polls + 1 ))
      [ "$polls" -lt 500 ] || fail "HAProxy did not load $fragment within 10 s of its reload (see its log); the previous files are back in place."
      sleep 0.02
    done
  else
    answer=$(set_server "$port") || true
    case $answer in
      *'port changed from'* | *'no need to change the port'*) ;;
      *) fail "HAProxy's admin socket $admin refused to switch cv-$service/live to 127.0.0.1:$port: $answer" ;;
    esac
    switched_from=$haproxy_port
  fi
  if [ -n "$reload_nginx" ]; then
    read -r nginx_master 2>/dev/null <"$nginx_pid_file" || nginx_master=
    if [ -z "$nginx_master" ] || ! kill -0 "$nginx_master" 2>/dev/null; then
      fail "nginx is not running (no live master in $nginx_pid_file); the previous files are back in place."
    fi
    # nginx -s reload returns before the master tells old workers to quit: remember them now.
    nginx_workers=$(pgrep -P "$nginx_master" || true)
    if [ -d /run/systemd/system ] && systemctl is-active --quiet nginx 2>/dev/null; then
      result=$(systemctl reload nginx 2>&1) || fail "$result
systemctl reload nginx failed; the previous files are back in place."
    else
      result=$(nginx -s reload 2>&1) || fail "$result
nginx -s reload failed; the previous files are back in place."
    fi
  fi
  switched=yes
  echo "switched $(now)"
  # Where the release before HAProxy kept its backup and new file: beside the upstream, where conf.d/* would load them.
  rm -f "$upstream.cv-previous" "$upstream.cv-new"
  # The drain and the stop may take minutes: other services' deploys on the host need not wait for them.
  exec 9>&-
  # Polls every 20 ms and looks at the clock on the first poll and every 50th after: one process a poll, the deadline
  # kept to the second.
  deadline=$(( $(date +%s) + drain ))
  polls=0
  drained=drained
  wait_while() {
    while [ "$drained" = drained ] && "$@"; do
      polls=$(( polls + 1 ))
      if [ $(( polls % 50 )) -eq 1 ] && [ "$(date +%s)" -ge "$deadline" ]; then drained=timeout; return 0; fi
      sleep 0.02
    done
  }
  for pid in $nginx_workers; do wait_while kill -0 "$pid" 2>/dev/null; done
  filter=
  for p in $old_ports; do filter="\${filter:+$filter or }dport = :$p"; done
  # Connections to the old container, from HAProxy or old nginx workers, in any state but TIME-WAIT: being set up,
  # established, or closing while the last bytes go out.
  connected() { [ -n "$(ss -Htn exclude time-wait "dst 127.0.0.1 and ( $filter )")" ]; }
  if [ -n "$filter" ]; then wait_while connected; fi
  echo "$drained $(now)"
fi
if [ -n "$old" ]; then docker stop --time "$drain" "$old" >/dev/null; fi
mkdir -p "\${history%/*}"
printf '%s\\n' "$line" >>"$history"
tail -n 200 "$history" >"$history.tmp" && mv -f "$history.tmp" "$history"
echo "stopped $(now)"`;

/**
 * After a successful deploy, in one round trip: $1 lock dir, $2 token, $3 the container the cutover stopped (empty on a
 * first deploy), $4 env dir, then env file names to keep, `--`, and images to remove. Removes that container (off the
 * switch's critical path), then the env files and images of releases no longer kept (an image still in use stays),
 * and releases the lock last. Other stopped containers of the service were removed before the switch.
 */
export const finishScript = `lock=$1 token=$2 stopped=$3 dir=$4
shift 4
if [ -n "$stopped" ]; then docker rm "$stopped" >/dev/null 2>&1; fi
keep=
while [ $# -gt 0 ] && [ "$1" != -- ]; do keep="$keep $1"; shift; done
[ $# -gt 0 ] && shift
if [ -d "$dir" ]; then
  for file in "$dir"/*.env; do
    [ -e "$file" ] || continue
    case " $keep " in *" \${file##*/} "*) ;; *) rm -f "$file" ;; esac
  done
fi
for image in "$@"; do docker image rm "$image" >/dev/null 2>&1 || true; done
held=
read -r held 2>/dev/null <"$lock/token"
if [ "$held" = "$token" ]; then rm -rf "$lock"; fi`;
