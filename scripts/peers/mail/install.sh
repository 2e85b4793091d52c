#!/usr/bin/env bash
# Install the real IMAP peer for the e-mail tests: Debian's Dovecot (dovecot-imapd).
#
# The tests start their own Dovecot (tests/peers/mail.py) on a free 127.0.0.1 port with a
# configuration of their own; the system service must NOT start. When this script installs the
# package it holds services back with a temporary /usr/sbin/policy-rc.d (unless one exists), so
# nothing listens on ports 143/993 afterwards. Needs root (apt-get) when Dovecot is missing.
# Prints the server as `DOVECOT=...` on its last line.
set -euo pipefail

fail() { echo "mail peer install: $*" >&2; exit 1; }

if [ ! -x /usr/sbin/dovecot ] || ! dpkg -s dovecot-imapd >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "Dovecot is missing: sudo apt-get install dovecot-imapd"
  command -v apt-get >/dev/null 2>&1 || fail "Dovecot is missing and apt-get is not available"
  echo "==> installing Debian's dovecot-imapd (its system service is not started)"
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null ||
    fail "apt-get install dovecot-imapd failed"
fi
[ -x /usr/sbin/dovecot ] || fail "/usr/sbin/dovecot is missing after the install"
echo "==> mail peer: $(/usr/sbin/dovecot --version | cut -d' ' -f1) (Dovecot)"
echo "DOVECOT=/usr/sbin/dovecot"
