// Shell scripts run on the hosts with `sh -c SCRIPT deploy ARG…`. They are constants: every value from the user
// travels as a positional argument (quoted by toShellCommand) or on stdin, never spliced into script text.

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
fi
docker image inspect --format '{{.Id}}' "$3"`;

/** $1 lock dir, $2 token; the holder's JSON on stdin. mkdir is atomic: exactly one deploy gets the lock. */
export const lockScript = `set -eu
mkdir -p "$(dirname "$1")"
if mkdir "$1" 2>/dev/null; then
  printf '%s' "$2" >"$1/token"
  cat >"$1/holder"
  echo acquired
else
  cat "$1/holder" 2>/dev/null || echo '{}'
fi`;

/** $1 lock dir, $2 token: releases the lock only when this deploy holds it. */
export const unlockScript = `if [ "$(cat "$1/token" 2>/dev/null)" = "$2" ]; then rm -rf "$1"; echo released; fi`;

/** $1 service, $2 upstream file, $3 history file: what runs, what nginx points at, what was released. */
export const stateScript = `set -eu
echo '## containers'
docker ps -a --filter "label=circuitverse.deploy.service=$1" \\
  --format '{{.Names}}\t{{.Label "circuitverse.deploy.version"}}\t{{.Label "circuitverse.deploy.image"}}\t{{.State}}\t{{.Ports}}'
echo '## upstream'
cat "$2" 2>/dev/null || true
echo '## history'
tail -n 200 "$3" 2>/dev/null || true`;

/** $1 file; content on stdin. Written 0600 before any container can read it. */
export const writePrivateFileScript = `set -eu
mkdir -p "$(dirname "$1")"
umask 077
cat >"$1.tmp"
chmod 600 "$1.tmp"
mv -f "$1.tmp" "$1"`;

/** $1 container name, $2 container port (empty: publish nothing); then the docker run arguments. Prints the host
 * port the container's port was published on. */
export const startScript = `set -eu
name=$1 port=$2
shift 2
docker run --detach --name "$name" "$@" >/dev/null
if [ -n "$port" ]; then docker port "$name" "$port/tcp" | sed -n 's/^127\\.0\\.0\\.1:\\([0-9]*\\)$/\\1/p' | head -n 1; fi`;

/**
 * $1 upstream file; the new content on stdin. Checks with nginx -t (restoring the old file when the test fails),
 * remembers the master's worker PIDs, then reloads gracefully. Prints the old workers, which finish their
 * in-flight requests and exit: that is the drain. nginx -s reload returns before the master tells old workers to
 * quit, so looking for "shutting down" workers after it can find none.
 */
export const switchScript = `set -eu
file=$1
mkdir -p "$(dirname "$file")"
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
  echo 'nginx is not running (no master process found through /run/nginx.pid).' >&2
  exit 4
fi
workers=$(ps -o pid= --ppid "$master" | tr -s ' \\n' ' ')
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl reload nginx
else
  nginx -s reload
fi
echo "$workers"`;

/** $1 seconds; then PIDs. Waits until every one has exited; prints "drained" or "timeout". */
export const drainScript = `deadline=$(( $(date +%s) + $1 ))
shift
for pid in "$@"; do
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo timeout; exit 0; fi
    sleep 0.1
  done
done
echo drained`;

/** $1 history file, $2 line; keeps the last 200 lines. */
export const appendHistoryScript = `set -eu
mkdir -p "$(dirname "$1")"
printf '%s\\n' "$2" >>"$1"
tail -n 200 "$1" >"$1.tmp" && mv -f "$1.tmp" "$1"`;

/** $1 env dir; then the env file names to keep. Removes the others. */
export const pruneEnvFilesScript = `set -eu
dir=$1
shift
[ -d "$dir" ] || exit 0
for file in "$dir"/*.env; do
  [ -e "$file" ] || continue
  keep=no
  for kept in "$@"; do [ "$(basename "$file")" = "$kept" ] && keep=yes; done
  if [ $keep = no ]; then rm -f "$file"; fi
done`;
