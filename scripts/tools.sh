# Sourced by the scripts: puts the repo's pinned Node and pnpm first on PATH.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/.tools/node_modules/.bin:$root/node_modules/.bin:$PATH"
