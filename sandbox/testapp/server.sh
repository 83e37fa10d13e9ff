#!/bin/sh
# PID 1 of the test app. Contract the deploy tests rely on:
#   CMD...           runs that command instead of the server (one-off containers)
#   PORT (3000)      port to listen on
#   BOOT_DELAY=N     do not listen for N seconds after start (slow boot)
#   APP_VERSION      overrides the version baked in at build time
#   FAIL_HEALTH=1    GET /up answers 500
#   FAIL_AFTER=N     every route answers 500 once N seconds have passed since start: a release that passes its
#                    health check and breaks after the switch
#   ALLOCATE_AFTER=N N seconds after start, PID 1 takes memory until the kernel kills it: run it with a memory
#                    limit, and the container is OOM-killed (and restarted by its restart policy)
#   HOLD_SECONDS (5) how long GET /hold takes
#   DRAIN_SECONDS (30) upper bound on waiting for in-flight requests at stop
# On SIGTERM/SIGINT it behaves like a real app server: it closes the listening
# socket at once, lets requests already accepted (a /hold too) finish, then
# exits 0.
#
# PID 1 in a container gets no default signal actions, so without the traps
# below `docker stop` would wait its full timeout and then SIGKILL us.
set -u

# Like a Rails image's docker-entrypoint: a command given to `docker run IMAGE CMD...` (a pre-deploy step, say)
# runs instead of the server.
if [ $# -gt 0 ]; then exec "$@"; fi

PORT=${PORT:-3000}
INFLIGHT=/tmp/inflight   # handler.sh drops one file per request here, named by its pid
mkdir -p "$INFLIGHT"

log() { echo "testapp: $*" >&2; }

stopping=
trap 'stopping=1' TERM INT

# A trapped signal interrupts `wait` (not a foreground command), so every
# long pause runs in the background and is waited for.
delay=${BOOT_DELAY:-0}
if [ "$delay" -gt 0 ]; then
  log "boot delay ${delay}s"
  sleep "$delay" &
  wait $! || true
  kill $! 2>/dev/null
fi
if [ -n "$stopping" ]; then
  log "stopped during boot"
  exit 0
fi

# Worked out once here rather than forked for in every request.
read -r baked </app/VERSION
TESTAPP_VERSION=${APP_VERSION:-$baked}
TESTAPP_HOST=$(hostname)
CR=$(printf '\r')
export TESTAPP_VERSION TESTAPP_HOST CR

# A flag file that handlers test with a builtin: no fork per request to read the clock. A restart starts the count
# again, as an app's restart would.
rm -f /tmp/failing
if [ -n "${FAIL_AFTER:-}" ]; then
  (sleep "$FAIL_AFTER" && : >/tmp/failing && log "failing every request from now on (FAIL_AFTER=$FAIL_AFTER)") &
fi

# In PID 1 itself, so that the kernel's OOM killer picks it, and the container dies of it: a command substitution
# keeps all it reads in the shell's own memory.
allocate() {
  log "taking memory until killed (ALLOCATE_AFTER=$ALLOCATE_AFTER)"
  hog=$(yes | head -c 1073741824)
  log "took ${#hog} bytes and was not killed: no memory limit?"
  unset hog
}
trap allocate USR1
if [ -n "${ALLOCATE_AFTER:-}" ]; then
  (sleep "$ALLOCATE_AFTER" && kill -USR1 $$) &
fi

# busybox nc with -ll forks one handler per connection and keeps listening.
# (Debian's busybox-static has no tcpsvd.)
nc -ll -p "$PORT" -e /app/handler.sh &
listener=$!
log "listening on :$PORT (version $TESTAPP_VERSION)"

while [ -z "$stopping" ]; do
  wait "$listener"
  status=$?
  # A trapped USR1 (ALLOCATE_AFTER) ends the wait too: only a listener that is gone ends the server.
  if [ -z "$stopping" ] && ! kill -0 "$listener" 2>/dev/null; then
    log "listener exited on its own (status $status)"
    exit 1
  fi
done

log "draining"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

# A handler forked just before the listener died may not have written its
# marker yet; give it a moment.
sleep 0.2

busy() {
  for f in "$INFLIGHT"/*; do
    [ -e "$f" ] || continue
    pid=${f##*/}
    # Handlers become our children when nc dies; a finished one may linger as
    # a zombie until we reap it, and a killed one leaves its marker behind.
    state=
    read -r _ _ state _ < "/proc/$pid/stat" 2>/dev/null || state=
    case "$state" in
      ''|Z) rm -f "$f" ;;
      *) return 0 ;;
    esac
  done
  return 1
}

ticks=$(( ${DRAIN_SECONDS:-30} * 10 ))
while busy && [ "$ticks" -gt 0 ]; do
  sleep 0.1
  ticks=$((ticks - 1))
done
if busy; then
  log "drain timed out, exiting with requests in flight"
  exit 1
fi
log "drained, bye"
exit 0
