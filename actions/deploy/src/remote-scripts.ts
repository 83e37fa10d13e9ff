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

// What runs, what nginx points at, what was released: $1 service, $2 upstream file, $3 history file.
const readStateFunction = `read_state() {
  echo '## containers'
  docker ps -a --filter "label=circuitverse.deploy.service=$1" \\
    --format '{{.Names}}\t{{.Label "circuitverse.deploy.version"}}\t{{.Label "circuitverse.deploy.image"}}\t{{.State}}\t{{.Ports}}\t{{.Label "circuitverse.deploy.role"}}'
  echo '## upstream'
  cat "$2" 2>/dev/null || true
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
 * is its exit code.
 */
export const preDeployScript = remoteScript(
  ['name', 'service_label', 'role_label', 'env_file', 'image', 'command'],
  `set -eu
docker run --detach --name "$name" --label "$service_label" --label "$role_label" --env-file "$env_file" --pull never \\
  "$image" sh -c "$command" >/dev/null
code=$(docker wait "$name")
docker logs "$name" 2>&1 || true
docker rm "$name" >/dev/null 2>&1 || true
echo "exit $code"`,
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
 * The cutover, in one round trip: $1 upstream file (empty for workers: nothing to switch) with the new content on
 * stdin, $2 drain seconds, $3 old container to stop (empty on a first deploy), $4 history file, $5 history line.
 *
 * Writes the upstream file and checks it with nginx -t (restoring the old file when the test fails: exit 3), remembers
 * the master's worker PIDs, reloads gracefully, then waits until every old worker has finished its requests and
 * exited: that is the drain. nginx -s reload returns before the master tells old workers to quit, so looking for
 * "shutting down" workers after it can find none. Then stops the old container and records the release. Prints each
 * phase's end in milliseconds since the epoch. Exit 3 and 4 mean nothing was switched; other failures come after.
 */
export const cutoverScript = `set -eu
file=$1 drain=$2 old=$3 history=$4 line=$5
now() { date +%s%3N; }
echo "begin $(now)"
if [ -n "$file" ]; then
  dir=\${file%/*}
  mkdir -p "\${dir:-/}"
  cat >"$file.cv-new"
  if [ -e "$file" ]; then cp -p "$file" "$file.cv-previous"; fi
  mv -f "$file.cv-new" "$file"
  if ! result=$(nginx -t 2>&1); then
    if [ -e "$file.cv-previous" ]; then mv -f "$file.cv-previous" "$file"; else rm -f "$file"; fi
    printf '%s\\n' "$result" >&2
    echo 'nginx -t rejected the new upstream file; the previous one is back in place.' >&2
    exit 3
  fi
  master=
  for pid_file in /run/nginx.pid /var/run/nginx.pid; do
    if [ -s "$pid_file" ]; then master=$(cat "$pid_file"); break; fi
  done
  if [ -z "$master" ] || ! kill -0 "$master" 2>/dev/null; then
    if [ -e "$file.cv-previous" ]; then mv -f "$file.cv-previous" "$file"; else rm -f "$file"; fi
    echo 'nginx is not running (no master process found through /run/nginx.pid).' >&2
    exit 4
  fi
  workers=$(ps -o pid= --ppid "$master" || true)
  # /run/systemd/system exists only while systemd runs (sd_booted): elsewhere there is no unit to ask about.
  if [ -d /run/systemd/system ] && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl reload nginx
  else
    nginx -s reload
  fi
  echo "switched $(now)"
  # Polls every 20 ms and looks at the clock on the first poll and every 50th after: one process a poll, the deadline
  # kept to the second.
  deadline=$(( $(date +%s) + drain ))
  polls=0
  drained=drained
  for pid in $workers; do
    while kill -0 "$pid" 2>/dev/null; do
      polls=$(( polls + 1 ))
      if [ $(( polls % 50 )) -eq 1 ] && [ "$(date +%s)" -ge "$deadline" ]; then drained=timeout; break 2; fi
      sleep 0.02
    done
  done
  echo "$drained $(now)"
fi
if [ -n "$old" ]; then docker stop --time "$drain" "$old" >/dev/null; fi
mkdir -p "\${history%/*}"
printf '%s\\n' "$line" >>"$history"
tail -n 200 "$history" >"$history.tmp" && mv -f "$history.tmp" "$history"
echo "stopped $(now)"`;

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
