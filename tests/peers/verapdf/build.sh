#!/usr/bin/env bash
# Builds the veraPDF harness (tests/peers/verapdf) with Maven, from Maven Central only.
# Output: $VERAPDF_DIR (default .services/peers/verapdf/, ignored by git) with verapdf-harness.jar and lib/*.jar.
# Incremental: does nothing when the jar is newer than the pom and every source file.
# Java 17 and Maven are installed with apt-get when missing (needs root), as ops/peers/build-phive.sh does.
#
#   tests/peers/verapdf/build.sh          build if needed, print the classpath on standard output
#   tests/peers/verapdf/build.sh --force  rebuild
set -euo pipefail

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$PROJECT/../../.." && pwd)"
VERAPDF_DIR="${VERAPDF_DIR:-$ROOT/.services/peers/verapdf}"
JAR="$VERAPDF_DIR/verapdf-harness.jar"

log() { printf '[build-verapdf] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

java_is_17() {
  command -v java >/dev/null && command -v javac >/dev/null \
    && java -version 2>&1 | head -n1 | grep -Eq '"(1[7-9]|[2-9][0-9])[."]'
}

install_missing() {
  local wanted=()
  java_is_17 || wanted+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || wanted+=(maven)
  (( ${#wanted[@]} )) || return 0
  [[ $(id -u) -eq 0 ]] || die "building the veraPDF harness needs ${wanted[*]} (apt-get, as root)"
  log "apt-get install ${wanted[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

up_to_date() {
  [[ -f "$JAR" && -d "$VERAPDF_DIR/lib" ]] || return 1
  [[ -z "$(find "$PROJECT/pom.xml" "$PROJECT/src" -newer "$JAR" -print -quit)" ]]
}

main() {
  mkdir -p "$VERAPDF_DIR"
  # Two test processes may ask for the build at once: the second waits and then finds it done.
  exec 9>"$VERAPDF_DIR/.build.lock"
  flock 9
  if [[ "${1:-}" != "--force" ]] && up_to_date; then
    log "up to date: $JAR"
  else
    install_missing
    local started=$SECONDS
    # Dependencies removed from the pom must not linger on the classpath.
    rm -rf "$VERAPDF_DIR/lib" "$JAR"
    mvn -B -q -Dstyle.color=never -f "$PROJECT/pom.xml" -Dverapdf.out="$VERAPDF_DIR" package >&2 \
      || die "mvn package failed (see the output above)"
    [[ -f "$JAR" ]] || die "mvn package did not produce $JAR"
    log "built $JAR in $((SECONDS - started))s"
  fi
  printf '%s:%s/lib/*\n' "$JAR" "$VERAPDF_DIR"
}

main "$@"
