// Shell scripts run on the hosts with `sh -c SCRIPT deploy ARG…`. They are constants: every value from the user
// travels as a positional argument (quoted by toShellCommand) or on stdin, never spliced into script text.

/** A script for `sh -c`, whose leading positional parameters have names. */
export interface RemoteScript<Name extends string> {
  readonly parameters: readonly Name[];
  readonly source: string;
}

/**
 * The script starts by assigning its leading parameters to shell variables of those names and shifting them off, so
 * the body reads names, "$@" is what follows them, and a call site cannot pass them in the wrong order.
 */
export function remoteScript<const Name extends string>(parameters: readonly Name[], body: string): RemoteScript<Name> {
  const assignments = parameters.map((name, index) => `${name}=\${${index + 1}}`).join(' ');
  return {parameters, source: `${assignments}\nshift ${parameters.length}\n${body}`};
}

/** The argv that runs `script` with its named parameters, then `rest`. */
export function scriptArgv<Name extends string>(script: RemoteScript<Name>, values: Record<Name, string>, rest: readonly string[] = []): string[] {
  return ['sh', '-c', script.source, 'deploy', ...script.parameters.map(name => values[name]), ...rest];
}

// What runs, what nginx points at, what was released: $1 service, $2 upstream file, $3 history file. When the
// upstream file the service's last deploy wrote (recorded beside the history) is another, and $2 is not there yet,
// that one tells what serves: the input moved.
const readStateFunction = `read_state() {
  echo '## containers'
  docker ps -a --filter "label=circuitverse.deploy.service=$1" \\
    --format '{{.Names}}\t{{.Label "circuitverse.deploy.version"}}\t{{.Label "circuitverse.deploy.image"}}\t{{.State}}\t{{.Ports}}\t{{.Label "circuitverse.deploy.role"}}'
  owned=$(cat "\${3%/*}/upstream-file" 2>/dev/null || true)
  echo '## upstream'
  if [ -e "$2" ] || [ -z "$owned" ]; then cat "$2" 2>/dev/null || true; else cat "$owned" 2>/dev/null || true; fi
  echo '## upstream-file'
  printf '%s\\n' "$owned"
  echo '## history'
  tail -n 200 "$3" 2>/dev/null || true
}`;

/**
 * The password on stdin; `user` empty for none. A throwaway DOCKER_CONFIG keeps the login off the host. dash runs no
 * EXIT trap when a signal kills it (a dropped SSH connection is a SIGHUP), so the signals that can end it remove the
 * login too.
 */
export const pullScript = remoteScript(
  ['registry', 'user', 'image'],
  `set -eu
# An image pinned by digest that the host has is those bytes already: no round trip to the registry.
case $image in *@sha256:*) if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi ;; esac
if [ -n "$user" ]; then
  config=$(mktemp -d)
  trap 'rm -rf "$config"' EXIT
  trap 'rm -rf "$config"; exit 129' HUP
  trap 'rm -rf "$config"; exit 130' INT
  trap 'rm -rf "$config"; exit 141' PIPE
  trap 'rm -rf "$config"; exit 143' TERM
  DOCKER_CONFIG=$config docker login --username "$user" --password-stdin "$registry" >/dev/null
  DOCKER_CONFIG=$config docker pull -q "$image" >/dev/null
else
  docker pull -q "$image" >/dev/null
fi`,
);

/**
 * The holder's JSON on stdin. mkdir is atomic: exactly one deploy gets the lock. The winner reads the state in the
 * same round trip; anyone else gets the holder.
 */
export const lockScript = remoteScript(
  ['lock_dir', 'token', 'service', 'upstream_file', 'history'],
  `set -eu
${readStateFunction}
mkdir -p "\${lock_dir%/*}"
if mkdir "$lock_dir" 2>/dev/null; then
  # A lock without its token (a full disk) would hold out every deploy, this one's post step included.
  if ! { printf '%s' "$token" >"$lock_dir/token" && cat >"$lock_dir/holder"; }; then
    rm -rf "$lock_dir"
    exit 1
  fi
  echo acquired
  read_state "$service" "$upstream_file" "$history"
elif held=$(cat "$lock_dir/token" 2>/dev/null) && [ "$held" = "$token" ]; then
  # This deploy's own, kept by a release that failed while it waited for another host's lock.
  echo acquired
  read_state "$service" "$upstream_file" "$history"
else
  cat "$lock_dir/holder" 2>/dev/null || echo '{}'
fi`,
);

/**
 * When this deploy holds the lock, removes the service's stopped or never started containers (what a failed or
 * rolled-back switch leaves) and releases the lock.
 */
export const unlockScript = remoteScript(
  ['lock_dir', 'token', 'service'],
  `held=
read -r held 2>/dev/null <"$lock_dir/token"
if [ "$held" = "$token" ]; then
  docker ps -aq --filter "label=circuitverse.deploy.service=$service" --filter status=exited --filter status=created | xargs -r docker rm >/dev/null
  rm -rf "$lock_dir"
  echo released
fi`,
);

/**
 * The container runs detached, so it outlives a deploy that dies under it, where the lock finds it; the last line
 * is its exit code. Then its docker run options (memory limit, network).
 */
export const preDeployScript = remoteScript(
  ['name', 'service_label', 'role_label', 'env_file', 'image', 'command'],
  `set -eu
docker run --detach --name "$name" --label "$service_label" --label "$role_label" --env-file "$env_file" --pull never \\
  "$@" "$image" sh -c "$command" >/dev/null
code=$(docker wait "$name")
# Its output as it wrote it, stdout here and stderr there: docker logs keeps no order between the two.
docker logs "$name" || true
docker rm "$name" >/dev/null 2>&1 || true
echo "exit $code"`,
);

/**
 * A container's state in one line: status, health, exit code, restarts, OOMKilled, memory limit, and how many oom
 * events it had since it was created (Docker clears OOMKilled when its restart policy starts it again).
 */
export const inspectScript = remoteScript(
  ['name'],
  `set -eu
state=$(docker inspect --format '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}|{{.RestartCount}}|{{.State.OOMKilled}}|{{.HostConfig.Memory}}|{{.Created}}' "$name")
IFS='|' read -r status health code restarts oom memory created <<EOF
$state
EOF
ooms=0
if [ "$status" != running ] || [ "$restarts" != 0 ]; then
  ooms=$(docker events --since "$created" --until "$(date +%s)" --filter "container=$name" --filter event=oom --format x 2>/dev/null | wc -l)
fi
printf '%s|%s|%s|%s|%s|%s|%s\\n' "$status" "$health" "$code" "$restarts" "$oom" "$memory" "$ooms"`,
);

/** Quiets the container with \`quiet\` (when set), then stops it within \`seconds\`. */
export const stopScript = remoteScript(
  ['name', 'quiet', 'seconds'],
  `set -eu
if [ -n "$quiet" ]; then docker kill --signal "$quiet" "$name" >/dev/null 2>&1 || true; fi
docker stop --time "$seconds" "$name" >/dev/null`,
);

/**
 * MemAvailable in bytes, then the memory each running container named in "$@" uses, as docker stats counts it (the
 * cgroup's usage less its inactive file cache), read from its cgroup: docker stats --no-stream takes two samples, a
 * second or more.
 */
export const memoryScript = remoteScript(
  [],
  `set -eu
awk '/^MemAvailable:/ { printf "available %.0f\\n", $2 * 1024 }' /proc/meminfo
for name in "$@"; do
  pid=$(docker inspect --format '{{.State.Pid}}' "$name" 2>/dev/null) || continue
  [ "$pid" != 0 ] || continue
  v1=$(sed -n 's/^[0-9]*:[^:]*memory[^:]*:\\(.*\\)$/\\1/p' "/proc/$pid/cgroup" 2>/dev/null || true)
  v2=$(sed -n 's/^0::\\(.*\\)$/\\1/p' "/proc/$pid/cgroup" 2>/dev/null || true)
  if [ -n "$v1" ] && [ -r "/sys/fs/cgroup/memory$v1/memory.usage_in_bytes" ]; then
    used=$(cat "/sys/fs/cgroup/memory$v1/memory.usage_in_bytes")
    cache=$(awk '$1 == "total_inactive_file" { print $2 }' "/sys/fs/cgroup/memory$v1/memory.stat")
  elif [ -n "$v2" ] && [ -r "/sys/fs/cgroup$v2/memory.current" ]; then
    used=$(cat "/sys/fs/cgroup$v2/memory.current")
    cache=$(awk '$1 == "inactive_file" { print $2 }' "/sys/fs/cgroup$v2/memory.stat")
  else
    docker stats --no-stream --format '{{.Name}}\t{{.MemUsage}}' "$name"
    continue
  fi
  printf '%s\\t%s\\n' "$name" "$(( used - \${cache:-0} ))"
done`,
);

export const stateScript = remoteScript(
  ['service', 'upstream_file', 'history'],
  `set -eu
${readStateFunction}
read_state "$service" "$upstream_file" "$history"`,
);

/** The content on stdin. Written 0600 before any container can read it. */
export const writePrivateFileScript = remoteScript(
  ['file'],
  `set -eu
mkdir -p "\${file%/*}"
umask 077
cat >"$file.tmp"
chmod 600 "$file.tmp"
mv -f "$file.tmp" "$file"`,
);

/**
 * \`port\` is the container port (empty: publish nothing), \`env_file\` the env file to write from stdin (empty: keep the
 * one there), \`host_ports\` the host ports to try, space-separated; then the docker run arguments. Publishes the
 * container port on the first host port of 127.0.0.1 that is free and prints it. An explicit host port, unlike
 * 127.0.0.1::PORT, stays the same when Docker restarts the container (after a crash or a reboot), so nginx's upstream
 * still points at it.
 */
export const startScript = remoteScript(
  ['name', 'port', 'env_file', 'host_ports'],
  `set -eu
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
exit 1`,
);

/**
 * The cutover, in one round trip. `port` is the new container's host port; `upstream` nginx's upstream file (empty
 * for workers: nothing to switch); `fragment` the service's HAProxy section file; `listen_ports` ports to try for its
 * HAProxy listener when it has none yet; `root` the service's state dir; `old` the container to stop (empty on a
 * first deploy); `moved_from` the upstream file the last deploy wrote, when the input now names another (it goes in
 * the same checked reload).
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
 * must follow is switched back if the reload fails. Exit 3: nothing was switched, the previous files are back. A
 * host without HAProxy set up is switched with an nginx reload, and a `warning` line says so. Once switched, a closed
 * SSH channel no longer ends the script, and a failure to stop the old container is a `warning` line.
 */
export const cutoverScript = remoteScript(
  [
    'service',
    'port',
    'version',
    'upstream',
    'fragment',
    'admin',
    'listen_ports',
    'root',
    'drain',
    'old',
    'quiet',
    'stop_timeout',
    'history',
    'line',
    'nginx_pid_file',
    'haproxy_pid_file',
    'moved_from',
  ],
  `set -eu
# GNU date gives milliseconds; busybox's has no %N and gives whole seconds.
now() {
  t=$(date +%s%3N)
  case $t in *[!0-9]*) echo "$(( $(date +%s) * 1000 ))" ;; *) echo "$t" ;; esac
}
echo "begin $(now)"
fail() { printf '%s\\n' "$1" >&2; exit 3; }
# One cutover of the service at a time on the host, to its end: one that an earlier deploy gave up on at its time
# limit may still be draining, and would record its release after this one's.
mkdir -p "$root"
exec 8>>"$root/cutover.lock"
flock -w 60 8 || fail "a cutover of $service that an earlier deploy gave up on still runs on this host; deploy again once it has ended."
set_server() {
  printf 'set server cv-%s/live addr 127.0.0.1 port %s\\n' "$service" "$1" | socat -t 5 - "UNIX-CONNECT:$admin" 2>&1
}
put_back() {
  if [ -e "$root/$2.previous" ]; then mv -f "$root/$2.previous" "$1"; else rm -f "$1"; fi
}
# Until traffic goes to the new container, any failure (a full disk, a refused config, a lost connection) puts the
# previous files back and exits 3: nothing was switched. A worker has nothing to switch.
# HAProxy's server port before a runtime switch that an nginx reload must still follow: put back if that fails.
switched= placed= placed_fragment= placed_moved= switched_from=
[ -n "$upstream" ] || switched=yes
on_exit() {
  code=$?
  # Every step of the way back is tried, and a closed SSH channel only loses what is said about it.
  set +e
  trap '' PIPE
  rm -f "$root/nginx-upstream.new" "$root/haproxy.new"
  if [ "$code" -ne 0 ] && [ -z "$switched" ]; then
    if [ -n "$placed" ]; then put_back "$upstream" nginx-upstream; fi
    if [ -n "$placed_fragment" ]; then put_back "$fragment" haproxy; fi
    if [ -n "$placed_moved" ]; then mv -f "$root/nginx-upstream-moved.previous" "$moved_from"; fi
    if [ -n "$switched_from" ]; then
      case $(set_server "$switched_from" 2>&1) in
        *'port changed from'* | *'no need to change the port'*) ;;
        *)
          # HAProxy may still send the traffic to the new container: it must stay, and the host be moved back.
          echo "switched $(now)"
          echo "HAProxy's admin socket did not switch cv-$service/live back to 127.0.0.1:$switched_from." >&2
          exit 1
          ;;
      esac
    fi
    exit 3
  fi
}
trap on_exit EXIT
trap 'exit 1' HUP INT TERM PIPE
nginx_workers= old_ports=
if [ -n "$upstream" ]; then
  command -v ss >/dev/null 2>&1 || fail "ss (Debian's iproute2) is not installed: the drain counts the old container's connections with it."
  mkdir -p "$root"
  # A host without HAProxy set up keeps working as the release before this one did: nginx points straight at the
  # container and reloads, which can drop a request on a fresh connection. It says so, and how to set HAProxy up.
  direct=
  read -r haproxy_master 2>/dev/null <"$haproxy_pid_file" || haproxy_master=
  if [ -z "$haproxy_master" ] || ! kill -0 "$haproxy_master" 2>/dev/null; then
    direct="HAProxy is not running (no live master in $haproxy_pid_file)"
  else
    # The files the running master loads, from its own command line: what a reload loads.
    configs=$(tr '\\0' '\\n' <"/proc/$haproxy_master/cmdline" | sed -n '/^-f$/{n;p;}')
    if ! printf '%s\\n' "$configs" | grep -Fqx -e "$fragment" -e "\${fragment%/*}" -e "\${fragment%/*}/"; then
      direct="HAProxy does not load \${fragment%/*} (it runs with -f $(echo $configs); CONFIG=\\"/etc/haproxy/haproxy.cfg -f \${fragment%/*}\\" in /etc/default/haproxy does)"
    fi
  fi
  if [ -n "$direct" ]; then
    echo "warning $direct: switched with an nginx reload, which can drop a request on a fresh connection. Set HAProxy up as the deploy README says, and deploys switch with no reload."
  fi
  # One deploy at a time on the host touches HAProxy: two first deploys would take the same listener port, and a
  # runtime switch during another service's reload could reach the worker that is leaving.
  exec 9>>"\${root%/*}/haproxy.lock"
  flock -w 60 9 || fail "another deploy on this host held \${root%/*}/haproxy.lock for 60 s; deploy again."
  listen= fresh= haproxy_port=
  if [ -z "$direct" ] && [ -e "$fragment" ]; then listen=$(sed -n 's/^  bind 127\\.0\\.0\\.1:\\([0-9][0-9]*\\)$/\\1/p' "$fragment"); fi
  if [ -z "$direct" ] && [ -z "$listen" ]; then
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
  if [ -z "$direct" ]; then haproxy_port=$(sed -n 's/^  server live 127\\.0\\.0\\.1:\\([0-9][0-9]*\\)$/\\1/p' "$fragment" 2>/dev/null || true); fi
  # Where traffic goes now, to drain: HAProxy's server, and nginx's when it points straight at a container.
  for p in $haproxy_port \\
    $(sed -n -e 's/^# container: 127\\.0\\.0\\.1:\\([0-9][0-9]*\\).*/\\1/p' -e 's/^ *server 127\\.0\\.0\\.1:\\([0-9][0-9]*\\);.*/\\1/p' "$upstream" \${moved_from:+"$moved_from"} 2>/dev/null); do
    case " $old_ports $listen $port " in *" $p "*) ;; *) old_ports="$old_ports $p" ;; esac
  done
  # Backups and new files stay out of nginx's and HAProxy's config dirs, which may load every file there.
  if [ -n "$direct" ]; then
    printf '%s\\n' "# Written by circuitverse/actions deploy: $service $version. Changes here are overwritten by the next deploy." \\
      "upstream $service {" "  server 127.0.0.1:$port;" '}' >"$root/nginx-upstream.new"
  else
    printf '%s\\n' "# Written by circuitverse/actions deploy: $service $version. Changes here are overwritten by the next deploy." \\
      "# container: 127.0.0.1:$port, through HAProxy's 127.0.0.1:$listen ($fragment)" \\
      "upstream $service {" "  server 127.0.0.1:$listen;" '}' >"$root/nginx-upstream.new"
    printf '%s\\n' "# Written by circuitverse/actions deploy: $service $version. Deploys switch the server live through the" \\
      '# admin socket and keep it here for the next start or reload; changes here are overwritten by the next deploy.' \\
      "listen cv-$service" "  bind 127.0.0.1:$listen" '  mode tcp' '  # nginx logs every request already: only failed connections here.' \\
      '  option tcplog' '  option dontlog-normal' \\
      '  timeout connect 5s' '  timeout client 1h' '  timeout server 1h' "  server live 127.0.0.1:$port" >"$root/haproxy.new"
  fi
  reload_nginx=
  if [ "$(grep -v '^#' "$root/nginx-upstream.new")" != "$(grep -v '^#' "$upstream" 2>/dev/null)" ]; then reload_nginx=yes; fi
  # nginx-upstream-file names another file than the last deploy wrote: that one goes in the same checked reload, or
  # both would define the upstream.
  moved=
  if [ -n "$moved_from" ] && [ "$moved_from" != "$upstream" ] && [ -e "$moved_from" ]; then moved=yes reload_nginx=yes; fi
  rm -f "$root/nginx-upstream.previous" "$root/haproxy.previous"
  if [ -e "$upstream" ]; then cp -p "$upstream" "$root/nginx-upstream.previous"; fi
  if [ -z "$direct" ] && [ -e "$fragment" ]; then cp -p "$fragment" "$root/haproxy.previous"; fi
  if [ -n "$moved" ]; then cp -p "$moved_from" "$root/nginx-upstream-moved.previous"; fi
  placed=yes
  if [ -z "$direct" ]; then
    placed_fragment=yes
    mv -f "$root/haproxy.new" "$fragment"
  fi
  mv -f "$root/nginx-upstream.new" "$upstream"
  if [ -n "$moved" ]; then
    placed_moved=yes
    rm -f "$moved_from"
  fi
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
  elif [ -z "$direct" ]; then
    # Set first: HAProxy may have switched even when its answer is lost or unknown, and must then be switched back.
    switched_from=$haproxy_port
    answer=$(set_server "$port") || true
    case $answer in
      *'port changed from'* | *'no need to change the port'*) ;;
      *'No such'* | *'Unknown command'* | *'Permission denied'* | *'Require '*)
        switched_from=
        fail "HAProxy's admin socket $admin refused to switch cv-$service/live to 127.0.0.1:$port: $answer"
        ;;
      *) fail "HAProxy's admin socket $admin gave no answer it knows to the switch of cv-$service/live to 127.0.0.1:$port: \${answer:-nothing}" ;;
    esac
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
  # From here the old container must be stopped and the release recorded, whether or not anyone still reads the
  # output: a closed SSH channel no longer ends the script.
  trap '' PIPE
  echo "switched $(now)" || true
  printf '%s\\n' "$upstream" >"$root/upstream-file"
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
  echo "$drained $(now)" || true
fi
# Traffic has left the old container: failing to stop it is for the next deploy to mend, not a reason to move back.
if [ -n "$old" ] && [ -n "$quiet" ]; then docker kill --signal "$quiet" "$old" >/dev/null 2>&1 || true; fi
if [ -n "$old" ] && ! result=$(docker stop --time "$stop_timeout" "$old" 2>&1 >/dev/null); then
  echo "warning could not stop $old, which no longer takes traffic: $result; the next deploy removes it." || true
fi
mkdir -p "\${history%/*}"
# Every role's cutover records the release; the host's other roles moving to the same one add no line.
last=$(tail -n 1 "$history" 2>/dev/null | cut -f 2)
if [ "$last" != "$(printf '%s' "$line" | cut -f 2)" ]; then
  printf '%s\\n' "$line" >>"$history"
  tail -n 200 "$history" >"$history.tmp" && mv -f "$history.tmp" "$history"
fi
echo "stopped $(now)" || true`,
);

/**
 * After a successful deploy, in one round trip; then env file names to keep, `--`, and images to remove. Removes the
 * service's stopped containers (the one the cutover stopped, off the switch's critical path), then the env files and
 * images of releases no longer kept (an image still in use stays), and releases the lock last.
 */
export const finishScript = remoteScript(
  ['lock_dir', 'token', 'service', 'env_dir'],
  `docker ps -aq --filter "label=circuitverse.deploy.service=$service" --filter status=exited --filter status=created | xargs -r docker rm >/dev/null 2>&1
keep=
while [ $# -gt 0 ] && [ "$1" != -- ]; do keep="$keep $1"; shift; done
[ $# -gt 0 ] && shift
if [ -d "$env_dir" ]; then
  for file in "$env_dir"/*.env; do
    [ -e "$file" ] || continue
    case " $keep " in *" \${file##*/} "*) ;; *) rm -f "$file" ;; esac
  done
fi
for image in "$@"; do docker image rm "$image" >/dev/null 2>&1 || true; done
held=
read -r held 2>/dev/null <"$lock_dir/token"
if [ "$held" = "$token" ]; then rm -rf "$lock_dir"; fi`,
);

/**
 * What `plan: true` reads on a host beside the state, in one round trip, changing nothing: whether `image` and
 * `serving_image` are present (ID and repo digests), Docker's root dir and the bytes free there, the Engine's
 * platform, the keys (never the values) of the serving and target releases' env files (after `#keys`; or `#missing`,
 * `#unreadable`),
 * the lock's holder, and when `pull` is non-empty and the image not present, the registry's manifest, whose layers
 * say how much a pull fetches. `image` empty: a rollback with no target, nothing to look for. The password on stdin; `user` empty for the host's own login; `insecure` non-empty for a registry the Engine talks
 * plain HTTP to (loopback). The login goes to a throwaway DOCKER_CONFIG, as the pull's does, removed however the
 * script ends; it is the only thing written, and only for an image not present.
 */
export const planScript = remoteScript(
  ['image', 'serving_image', 'serving_env', 'target_env', 'lock_dir', 'pull', 'registry', 'user', 'insecure'],
  `set -u
image_line() {
  docker image inspect --format 'present {{.Id}}{{range .RepoDigests}} {{.}}{{end}}' "$1" 2>/dev/null || echo absent
}
# Only lines that start with a key as the env and secrets inputs allow: a value is never printed, not even in part.
env_keys() {
  if [ ! -e "$1" ]; then echo '#missing'
  elif [ ! -r "$1" ]; then echo '#unreadable'
  else echo '#keys'; sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*$/\\1/p' "$1"
  fi
}
echo '## image'
present=none
if [ -n "$image" ]; then present=$(image_line "$image"); printf '%s\\n' "$present"; fi
echo '## serving-image'
if [ -n "$serving_image" ]; then image_line "$serving_image"; fi
echo '## platform'
docker version --format '{{.Server.Os}}/{{.Server.Arch}}' 2>/dev/null || true
echo '## disk'
root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null || true)
if [ -n "$root" ]; then
  printf '%s\\n' "$root"
  # -P keeps a long device name from wrapping the line; -k, as busybox's df has no -B.
  df -Pk "$root" | awk 'NR == 2 { printf "%.0f\\n", $4 * 1024 }'
fi
echo '## serving-env'
if [ -n "$serving_env" ]; then env_keys "$serving_env"; fi
echo '## target-env'
if [ -n "$target_env" ]; then env_keys "$target_env"; fi
echo '## lock'
if [ -d "$lock_dir" ]; then cat "$lock_dir/holder" 2>/dev/null || echo '{}'; echo; fi
echo '## manifest'
[ -n "$pull" ] || exit 0
case $present in present* | none) exit 0 ;; esac
flags=\${insecure:+--insecure}
if [ -z "$user" ]; then
  DOCKER_CLI_EXPERIMENTAL=enabled docker manifest inspect --verbose $flags "$image" 2>/dev/null || echo unavailable
  exit 0
fi
config=$(mktemp -d) || { echo unavailable; exit 0; }
trap 'rm -rf "$config"' EXIT
trap 'rm -rf "$config"; exit 129' HUP
trap 'rm -rf "$config"; exit 130' INT
trap 'rm -rf "$config"; exit 141' PIPE
trap 'rm -rf "$config"; exit 143' TERM
if DOCKER_CONFIG=$config docker login --username "$user" --password-stdin "$registry" >/dev/null 2>&1; then
  DOCKER_CONFIG=$config DOCKER_CLI_EXPERIMENTAL=enabled docker manifest inspect --verbose $flags "$image" 2>/dev/null || echo unavailable
else
  echo unavailable
fi`,
);

/**
 * Maintenance mode, behind the same HAProxy switch as the cutover. `mode` is `status` (only reads it), `on` (the page
 * on stdin) or `off`; `fragment` is the service's section file, `section_file` its maintenance section's, `health` the
 * health path, `listen_ports` ports to try for the maintenance listener when it has none yet. Prints `was on` or
 * `was off`: the state before.
 *
 * The maintenance section is an HTTP-mode `listen` on 127.0.0.1 that answers 503 with the page and a Retry-After, and
 * sends the health path on to the container (its `server app`). On turns the service's `server live` to that listener,
 * off back to the container, through the admin socket: no reload, so no request in flight is lost. HAProxy reads the
 * page when it loads its configuration, so the first `on` on a host, and one with another page or health path, place
 * both files and reload instead (checked with haproxy -c, seamless in master-worker mode). The files always say what
 * serves, so a restart or a reload for another service keeps the mode; a cutover's switch names the new container in
 * both and so ends maintenance. Anything that fails before the switch puts the previous files back.
 */
export const maintenanceScript = remoteScript(
  ['service', 'mode', 'fragment', 'section_file', 'admin', 'listen_ports', 'root', 'health', 'haproxy_pid_file'],
  `set -eu
fail() { printf '%s\\n' "$1" >&2; exit 1; }
section="cv-$service.maintenance"
port_of() { sed -n "s/^  $1 127\\\\.0\\\\.0\\\\.1:\\\\([0-9][0-9]*\\\\)\\$/\\\\1/p" "$2" 2>/dev/null || true; }
live=$(port_of 'server live' "$fragment")
listen=$(port_of bind "$section_file")
was=off
if [ -n "$listen" ] && [ "$live" = "$listen" ]; then was=on; fi
if [ "$mode" = status ] || { [ "$mode" = off ] && [ "$was" = off ]; }; then
  echo "was $was"
  exit 0
fi
[ -n "$live" ] || fail "$service has no HAProxy section on this host ($fragment): deploy it here first."
read -r haproxy_master 2>/dev/null <"$haproxy_pid_file" || haproxy_master=
if [ -z "$haproxy_master" ] || ! kill -0 "$haproxy_master" 2>/dev/null; then
  fail "maintenance mode needs HAProxy, which is not running (no live master in $haproxy_pid_file)."
fi
configs=$(tr '\\0' '\\n' <"/proc/$haproxy_master/cmdline" | sed -n '/^-f$/{n;p;}')
# One change of HAProxy at a time on the host, and none beside a cutover of the service an earlier deploy gave up on.
mkdir -p "$root"
exec 8>>"$root/cutover.lock"
flock -w 60 8 || fail "a cutover of $service still runs on this host; try again once it has ended."
exec 9>>"\${root%/*}/haproxy.lock"
flock -w 60 9 || fail "another deploy on this host held \${root%/*}/haproxy.lock for 60 s; try again."
ask() { printf '%s\\n' "$1" | socat -t 5 - "UNIX-CONNECT:$admin" 2>&1; }
# The answers of a set server that moved it (or found it there): anything else leaves it where it was, or unknown.
set_server() {
  case $(ask "set server $1 addr 127.0.0.1 port $2") in
    *'port changed from'* | *'no need to change the port'*) return 0 ;;
    *) return 1 ;;
  esac
}
placed= switched_from=
on_exit() {
  code=$?
  set +e
  rm -f "$root/maintenance.html.new" "$root/maintenance-section.new" "$root/maintenance-fragment.new"
  if [ "$code" -ne 0 ] && [ -n "$placed" ]; then
    for name in maintenance.html:"$root/maintenance.html" maintenance-section:"$section_file" maintenance-fragment:"$fragment"; do
      if [ -e "$root/\${name%%:*}.previous" ]; then mv -f "$root/\${name%%:*}.previous" "\${name#*:}"; else rm -f "\${name#*:}"; fi
    done
    if [ -n "$switched_from" ]; then set_server "cv-$service/live" "$switched_from" || echo "HAProxy's admin socket did not switch cv-$service/live back to 127.0.0.1:$switched_from." >&2; fi
  fi
  exit "$code"
}
trap on_exit EXIT
trap 'exit 1' HUP INT TERM PIPE
app=$live
if [ "$was" = on ]; then app=$(port_of 'server app' "$section_file"); fi
reload=
if [ "$mode" = on ]; then
  cat >"$root/maintenance.html.new"
  if [ -z "$listen" ]; then
    for candidate in $listen_ports; do
      # Free now, and not promised to a section HAProxy has not loaded yet.
      if [ -z "$(ss -Hltn "sport = :$candidate")" ] && ! grep -qs "^  bind 127\\\\.0\\\\.0\\\\.1:$candidate\\$" "\${fragment%/*}"/*.cfg; then
        listen=$candidate
        break
      fi
    done
    [ -n "$listen" ] || fail "none of the ports $listen_ports is free on 127.0.0.1 for $service's maintenance listener; try again to draw others."
  fi
  printf '%s\\n' "# Written by circuitverse/actions deploy: $service's maintenance page. maintenance: on points the server live of" \\
    "# cv-$service here, off back at the container; changes here are overwritten by the next switch." \\
    "listen $section" "  bind 127.0.0.1:$listen" '  mode http' '  option dontlog-normal' \\
    '  # No idle connection to the container stays open: a cutover drains it by counting them.' '  option http-server-close' \\
    '  timeout connect 5s' '  timeout client 1m' '  timeout server 1h' \\
    "  http-request return status 503 content-type \\"text/html; charset=utf-8\\" file $root/maintenance.html hdr Retry-After 60 hdr Cache-Control no-store unless { path $health }" \\
    "  server app 127.0.0.1:$app" >"$root/maintenance-section.new"
  # Only what HAProxy reads at load time needs a reload: the server app line is switched at run time.
  if [ "$(grep -v '^  server app ' "$root/maintenance-section.new")" != "$(grep -v '^  server app ' "$section_file" 2>/dev/null)" ] ||
    ! cmp -s "$root/maintenance.html.new" "$root/maintenance.html"; then
    reload=yes
  fi
  target=$listen
else
  target=$app
fi
if [ -z "$reload" ] && [ "$mode" = "$was" ]; then
  echo "was $was"
  exit 0
fi
sed "s/^  server live 127\\\\.0\\\\.0\\\\.1:[0-9]*\\$/  server live 127.0.0.1:$target/" "$fragment" >"$root/maintenance-fragment.new"
rm -f "$root/maintenance.html.previous" "$root/maintenance-section.previous" "$root/maintenance-fragment.previous"
if [ -e "$root/maintenance.html" ]; then cp -p "$root/maintenance.html" "$root/maintenance.html.previous"; fi
if [ -e "$section_file" ]; then cp -p "$section_file" "$root/maintenance-section.previous"; fi
cp -p "$fragment" "$root/maintenance-fragment.previous"
placed=yes
if [ "$mode" = on ]; then
  mv -f "$root/maintenance.html.new" "$root/maintenance.html"
  mv -f "$root/maintenance-section.new" "$section_file"
fi
mv -f "$root/maintenance-fragment.new" "$fragment"
if [ -n "$reload" ]; then
  set --
  for config in $configs; do set -- "$@" -f "$config"; done
  result=$(haproxy -c -q "$@" 2>&1) || fail "$result
haproxy -c rejected $section_file; the previous files are back in place."
  before=$(ask 'show info' | sed -n 's/^Pid: //p')
  [ -n "$before" ] || fail "HAProxy's admin socket $admin did not answer show info."
  if [ -d /run/systemd/system ] && systemctl is-active --quiet haproxy 2>/dev/null; then
    systemctl reload haproxy
  else
    kill -USR2 "$haproxy_master"
  fi
  # Loaded once another worker answers and the leaving one, which sends to the container still, has let go of the
  # service's listener: the files already say where the traffic goes, no runtime switch follows.
  service_listen=$(port_of bind "$fragment")
  polls=0
  until pid=$(ask 'show info' | sed -n 's/^Pid: //p') && [ -n "$pid" ] && [ "$pid" != "$before" ] &&
    ! ss -Hltnp "sport = :$service_listen" 2>/dev/null | grep -q "pid=$before,"; do
    polls=$(( polls + 1 ))
    [ "$polls" -lt 500 ] || fail "HAProxy did not load $section_file within 10 s of its reload (see its log); the previous files are back in place."
    sleep 0.02
  done
else
  if [ "$mode" = on ] && [ "$app" != "$(port_of 'server app' "$root/maintenance-section.previous")" ]; then
    set_server "$section/app" "$app" || fail "HAProxy's admin socket $admin refused to point $section/app at 127.0.0.1:$app."
  fi
  # Set first: HAProxy may have switched even when its answer is lost, and must then be switched back.
  switched_from=$live
  set_server "cv-$service/live" "$target" || fail "HAProxy's admin socket $admin did not switch cv-$service/live to 127.0.0.1:$target."
fi
placed=
rm -f "$root/maintenance.html.previous" "$root/maintenance-section.previous" "$root/maintenance-fragment.previous"
echo "was $was"`,
);

/**
 * Monit's part in a deploy; `mode`:
 * - `status`: `monit -B status`, or `#no-monit` when the host has no monit command;
 * - `unmonitor`, `monitor`: asks Monit to, for each check named in "$@", and waits until its status says so. The
 *   daemon acts on a request between its cycles, and drops one that comes while it reloads (or cannot be reached
 *   then): so it is asked again each second, for 10 seconds at most;
 * - `write`: `file` becomes the check file on stdin, which defines the checks named in "$@", checked with `monit -t`
 *   (a rejected one puts the previous file back, as does a reload that fails or takes over 30 s, which then reloads
 *   Monit with it); then Monit reloads, and the script waits until it has. Monit reloads
 *   at the end of its cycle, and a request that comes before acts on the checks as they were: so a file that changes
 *   is first emptied, until Monit has dropped the old checks, then put in, until Monit lists the new ones.
 * With `token` set (the post step), it prints `not held` and does nothing unless this run still holds the lock in
 * `lock_dir`: a deploy that took the lock since keeps its checks quiet.
 */
export const monitScript = remoteScript(
  ['mode', 'file', 'lock_dir', 'token'],
  `if [ -n "$token" ]; then
  held=
  read -r held 2>/dev/null <"$lock_dir/token"
  if [ "$held" != "$token" ]; then
    echo 'not held'
    exit 0
  fi
fi
if ! command -v monit >/dev/null 2>&1; then
  echo '#no-monit'
  exit 0
fi
# until_listed yes|no NAME...: until Monit has (or no longer has) every check named, 30 s at most.
until_listed() {
  want=$1
  shift
  tries=0
  while :; do
    left=
    # The whole listing: asking for a check it lacks would log an error in Monit's log at each look. While Monit
    # reloads, its CLI socket is gone: nothing is known until it answers again.
    if listing=$(monit -B status 2>&1); then
      listed=$(printf '%s\\n' "$listing" | sed -n "s/^[A-Z][A-Za-z ]* '\\(.*\\)'\\$/\\1/p")
      for name; do
        if printf '%s\\n' "$listed" | grep -qxF "$name"; then has=yes; else has=no; fi
        [ "$has" = "$want" ] || left="$left $name"
      done
    else
      left=" $*"
    fi
    [ -z "$left" ] && return 0
    tries=$((tries + 1))
    if [ "$tries" -ge 300 ]; then
      echo "Monit did not reload within 30 s: it still $([ "$want" = yes ] && echo lacks || echo has)$left" >&2
      return 1
    fi
    sleep 0.1
  done
}
case $mode in
  status) exec monit -B status ;;
  write)
    set -e
    # Beside the lock, not in Monit's include directory, where Monit would read them as checks too.
    new=\${lock_dir%/*}/monit-check.new previous=\${lock_dir%/*}/monit-check.previous
    cat >"$new"
    if [ ! -e "$previous" ] && [ -e "$file" ] && cmp -s "$file" "$new"; then
      rm -f "$new"
      exit 0
    fi
    # A previous file left by a write that was cut off is the one Monit last had in full: it goes back first.
    if [ -e "$previous" ]; then mv -f "$previous" "$file"; fi
    if [ -e "$file" ]; then mv -f "$file" "$previous"; fi
    set +e
    # From here on, every way out but success puts the previous file back (or none, if there was none), and reloads
    # Monit with it once it had been asked to reload: so the next write never takes an emptied file for the previous.
    reloaded=
    restore() {
      trap - HUP INT PIPE TERM
      if [ -e "$previous" ]; then mv -f "$previous" "$file"; else rm -f "$file"; fi
      rm -f "$new"
      if [ -n "$reloaded" ]; then monit reload >/dev/null || :; fi
      exit 1
    }
    trap restore HUP INT PIPE TERM
    cp "$new" "$file" || restore
    if ! said=$(monit -t 2>&1); then
      printf '%s\\n' "$said" >&2
      restore
    fi
    if [ -e "$previous" ]; then
      : >"$file" || restore
      reloaded=yes
      monit reload >/dev/null || restore
      until_listed no "$@" || restore
      cp "$new" "$file" || restore
    fi
    reloaded=yes
    monit reload >/dev/null || restore
    until_listed yes "$@" || restore
    trap - HUP INT PIPE TERM
    rm -f "$previous" "$new"
    exit 0
    ;;
esac
tries=0
while :; do
  if [ $((tries % 10)) -eq 0 ]; then
    for name; do
      # A check it does not have fails at once; a daemon reloading is asked again.
      if ! said=$(monit "$mode" "$name" 2>&1); then
        case $said in *'no service named'*) printf '%s\\n' "$said" >&2 && exit 1 ;; esac
      fi
    done
  fi
  pending=
  for name; do
    state=$(monit -B status "$name" 2>&1 | sed -n 's/^  monitoring status  *//p')
    case $mode:$state in
      'unmonitor:Not monitored' | monitor:Monitored | monitor:Initializing | monitor:Waiting) ;;
      *) pending="$pending $name (\${state:-no status})" ;;
    esac
  done
  [ -z "$pending" ] && exit 0
  tries=$((tries + 1))
  if [ "$tries" -ge 100 ]; then
    echo "Monit did not $mode$pending within 10 s" >&2
    exit 1
  fi
  sleep 0.1
done`,
);
