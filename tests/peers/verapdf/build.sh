#!/usr/bin/env bash
# The veraPDF harness (tests/peers/verapdf): build if needed, print its classpath.
#   tests/peers/verapdf/build.sh [--force]
exec "$(dirname "${BASH_SOURCE[0]}")/../../../ops/peers/build-java-peer.sh" verapdf classpath "$@"
