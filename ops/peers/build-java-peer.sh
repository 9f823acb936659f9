#!/usr/bin/env bash
# Builds one of the Java peer harnesses in tests/peers/<name>/ (phive, phase4, verapdf) with Maven, from Maven
# Central only. Output: $<NAME>_DIR (default .services/peers/<name>/, ignored by git) with <name>-harness.jar and
# lib/*.jar (the pom writes there, given -D<name>.out). Incremental: does nothing when the jar is newer than the pom
# and every source file. Java 17 and Maven are installed with apt-get when missing (needs root).
#
#   ops/peers/build-java-peer.sh <name> classpath|jar [--force]
#     build if needed (--force: rebuild), then print the classpath (jar:lib/*) or the jar's path on standard output
set -euo pipefail

NAME="${1:?usage: build-java-peer.sh <name> classpath|jar [--force]}"
PRINT="${2:?usage: build-java-peer.sh <name> classpath|jar [--force]}"
FORCE="${3:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROJECT="$ROOT/tests/peers/$NAME"
dir_variable="${NAME^^}_DIR"
OUT="${!dir_variable:-$ROOT/.services/peers/$NAME}"
JAR="$OUT/$NAME-harness.jar"

log() { printf '[build-%s] %s\n' "$NAME" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ -f "$PROJECT/pom.xml" ]] || die "no Maven project at $PROJECT"

java_is_17() {
  command -v java >/dev/null && command -v javac >/dev/null \
    && java -version 2>&1 | head -n1 | grep -Eq '"(1[7-9]|[2-9][0-9])[."]'
}

install_missing() {
  local wanted=()
  java_is_17 || wanted+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || wanted+=(maven)
  (( ${#wanted[@]} )) || return 0
  [[ $(id -u) -eq 0 ]] || die "building the $NAME harness needs ${wanted[*]} (apt-get, as root)"
  log "apt-get install ${wanted[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

up_to_date() {
  [[ -f "$JAR" && -d "$OUT/lib" ]] || return 1
  [[ -z "$(find "$PROJECT/pom.xml" "$PROJECT/src" -newer "$JAR" -print -quit)" ]]
}

main() {
  mkdir -p "$OUT"
  # Two test processes may ask for the build at once: the second waits and then finds it done.
  exec 9>"$OUT/.build.lock"
  flock 9
  if [[ "$FORCE" != "--force" ]] && up_to_date; then
    log "up to date: $JAR"
  else
    install_missing
    local started=$SECONDS
    # Dependencies removed from the pom must not linger on the classpath.
    rm -rf "$OUT/lib" "$JAR"
    mvn -B -q -Dstyle.color=never -f "$PROJECT/pom.xml" -D"$NAME.out=$OUT" package >&2 \
      || die "mvn package failed (see the output above)"
    [[ -f "$JAR" ]] || die "mvn package did not produce $JAR"
    log "built $JAR in $((SECONDS - started))s"
  fi
  case "$PRINT" in
    classpath) printf '%s:%s/lib/*\n' "$JAR" "$OUT" ;;
    jar) printf '%s\n' "$JAR" ;;
    *) die "print classpath or jar, not $PRINT" ;;
  esac
}

main
