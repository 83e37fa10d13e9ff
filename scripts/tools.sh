# Sourced by the scripts: puts the repo's pinned Node and pnpm first on PATH, and turns off Turbo's telemetry.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/.tools/node_modules/.bin:$root/node_modules/.bin:$PATH"
# Turbo has no setting for its telemetry in turbo.json, only this variable: no notice on a fresh machine or in CI logs,
# and nothing sent (these machines have no network for it anyway).
export TURBO_TELEMETRY_DISABLED=1
