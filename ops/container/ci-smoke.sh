#!/usr/bin/env bash
# The container smoke for CI, after the main suite: installs what is missing (podman, runc, mmdebstrap, maven from
# apt; podman-compose from PyPI), builds the images, runs ops/container/smoke.py and always takes the stack down.
# Exit status: the smoke's. Measured: 9.5 minutes with no image or layer cache, 9 when the images exist on a busy
# machine (the product image is still built once without the cache, for the cold figure); docs/containers.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PY:-$ROOT/.venv/bin/python}"
[[ -x "$PY" ]] || make venv >/dev/null
ops/container/podman.sh install
trap 'ops/container/podman.sh down >/dev/null 2>&1 || true' EXIT
timeout "${CONTAINER_SMOKE_TIMEOUT:-1500}" "$PY" ops/container/smoke.py "$@"
