#!/usr/bin/env bash
# The phive reference-validator harness (tests/peers/phive): build if needed, print its classpath.
#   ops/peers/build-phive.sh [--force]
exec "$(dirname "${BASH_SOURCE[0]}")/build-java-peer.sh" phive classpath "$@"
