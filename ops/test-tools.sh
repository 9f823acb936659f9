#!/usr/bin/env bash
# Installs the Debian tools the tests run, when missing: OpenSSH's server and client (sshd, sftp-server, sftp,
# ssh-keygen) for the SFTP tests, and poppler-utils (pdffonts, pdftotext) that reads our PDFs as a viewer would.
# The SFTP tests start their own sshd as the current user, on a free loopback port, with a configuration and host
# keys of their own in a temporary folder: nothing here starts, enables or configures the system's sshd.
#
#   ops/test-tools.sh   install what is missing (needs root and apt-get)
set -euo pipefail

log() { printf '[test-tools] %s\n' "$*" >&2; }

wanted=()
[[ -x /usr/sbin/sshd ]] || wanted+=(openssh-server)
command -v sftp >/dev/null && command -v ssh-keygen >/dev/null || wanted+=(openssh-client)
command -v pdffonts >/dev/null && command -v pdftotext >/dev/null || wanted+=(poppler-utils)
if (( ${#wanted[@]} )); then
  [[ $(id -u) -eq 0 ]] || { log "ERROR: installing ${wanted[*]} needs root (apt-get)"; exit 1; }
  log "apt-get install ${wanted[*]}"
  apt-get update -qq >/dev/null
  # policy-rc.d answer 101: the package's scripts must not start or enable the system's sshd on port 22.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT  # removed however the install ends
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
fi
