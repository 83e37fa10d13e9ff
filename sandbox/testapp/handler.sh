#!/bin/sh
# shellcheck shell=dash disable=SC3045  # busybox ash: read -t is supported
# Serves exactly one HTTP/1.1 request: nc hands us the connection on
# stdin/stdout and closes it when we exit (hence "Connection: close").
set -u

marker=/tmp/inflight/$$
: > "$marker"               # lets server.sh wait for us on shutdown
trap 'rm -f "$marker"' EXIT

# TESTAPP_VERSION, TESTAPP_HOST and CR come from server.sh.
cr=$CR
version=$TESTAPP_VERSION
host=$TESTAPP_HOST
method=

respond() {  # respond STATUS BODY
  echo "testapp: $method ${target:-?} -> $1" >&2
  printf 'HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %s\r\nConnection: close\r\nX-App-Version: %s\r\nX-App-Host: %s\r\n\r\n' \
    "$1" "${#2}" "$version" "$host"
  [ "$method" = HEAD ] || printf '%s' "$2"
  exit 0
}

# Bounded reads: a client that connects and says nothing must not pin us
# (and with us, a draining server) forever.
read -r -t 10 method target _ || exit 0
target=${target%"$cr"}
# Headers are read and ignored; an unread request would make the close send
# RST, which can cut the response off on the client side.
n=0
while read -r -t 10 line; do
  line=${line%"$cr"}
  [ -z "$line" ] && break
  n=$((n + 1))
  [ "$n" -gt 200 ] && break
done

path=${target%%\?*}
# server.sh makes it once FAIL_AFTER seconds have passed.
if [ -e /tmp/failing ]; then
  respond "500 Internal Server Error" "failing"
fi
case "$method" in
  GET|HEAD) ;;
  *) respond "405 Method Not Allowed" "method not allowed" ;;
esac
case "$path" in
  /up)
    if [ "${FAIL_HEALTH:-0}" = 1 ]; then
      respond "500 Internal Server Error" "unhealthy"
    fi
    respond "200 OK" "ok"
    ;;
  /)
    respond "200 OK" "$version"
    ;;
  /hold)
    sleep "${HOLD_SECONDS:-5}"
    respond "200 OK" "$version"
    ;;
  *)
    respond "404 Not Found" "not found"
    ;;
esac
