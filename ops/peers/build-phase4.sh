#!/usr/bin/env bash
# The phase4 AS4 peer harness (tests/peers/phase4): build if needed, print its jar's path (the jar's manifest names
# lib/*.jar beside it: run it as `java -jar phase4-harness.jar receive|send ...`).
#   ops/peers/build-phase4.sh [--force]
exec "$(dirname "${BASH_SOURCE[0]}")/build-java-peer.sh" phase4 jar "$@"
