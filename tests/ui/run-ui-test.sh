#!/bin/sh
# run-ui-test.sh  SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a Python UI test in a private X server and D-Bus session, so that the
# accessibility bus and Hearth's single-instance name belong to this test alone.
# Usage: run-ui-test.sh [VAR=VALUE...] ARGS...
#   HEARTH_UI_SCRIPT=test-wizard.py picks the test script (default
#   hearth-ui-test.py, which takes SCENARIO HEARTH [FIXTURE]); the rest of the
#   arguments go to it.
#   HEARTH_UI_LOCALE=zh_CN.UTF-8 runs Hearth in that locale, generating it into a
#   private directory (LOCPATH) when the system does not have it.
#   HEARTH_TEST_TMPDIR is a scratch directory removed with the rest.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

while [ $# -gt 0 ]; do
  case $1 in
    *=*) export "$1"; shift ;;
    *) break ;;
  esac
done

export GSK_RENDERER=cairo
export GTK_A11Y=atspi
export GDK_BACKEND=x11
unset NO_AT_BRIDGE || true
unset DBUS_SESSION_BUS_ADDRESS || true

tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir"' EXIT
export HEARTH_TEST_TMPDIR="$tmpdir"
script=${HEARTH_UI_SCRIPT:-hearth-ui-test.py}

if [ -n "${HEARTH_UI_LOCALE:-}" ]; then
  lang=${HEARTH_UI_LOCALE%%.*}
  wanted=$(echo "$HEARTH_UI_LOCALE" | tr 'A-Z' 'a-z' | sed 's/utf-8/utf8/')
  if ! locale -a | tr 'A-Z' 'a-z' | grep -qx "$wanted"; then
    mkdir -p "$tmpdir/locale"
    localedef -i "$lang" -f UTF-8 "$tmpdir/locale/$HEARTH_UI_LOCALE"
    export LOCPATH="$tmpdir/locale"
  fi
  export LANG="$HEARTH_UI_LOCALE" LC_ALL="$HEARTH_UI_LOCALE" LANGUAGE="$lang"
fi

# Starts a private X server. Xvfb -displayfd would take the lowest free number,
# which the previous test may still be tearing down (its clients then fail with
# "cannot open display"), so take a random high number and move on if taken.
start_xvfb () {
  tries=0
  while [ $tries -lt 20 ]; do
    tries=$((tries + 1))
    n=$(( $(od -An -N2 -tu2 /dev/urandom) % 800 + 150 ))
    [ -e "/tmp/.X$n-lock" ] && continue
    Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp 2>"$tmpdir/xvfb.log" &
    xvfb_pid=$!
    i=0
    while [ $i -lt 100 ] && kill -0 $xvfb_pid 2>/dev/null; do
      # The socket exists before the server takes clients: ask the server.
      if [ -S "/tmp/.X11-unix/X$n" ] && DISPLAY=":$n" timeout 5 xdpyinfo >/dev/null 2>&1; then
        export DISPLAY=":$n"
        return 0
      fi
      sleep 0.1
      i=$((i + 1))
    done
    kill $xvfb_pid 2>/dev/null
    wait $xvfb_pid 2>/dev/null
  done
  echo "could not start Xvfb:" >&2
  cat "$tmpdir/xvfb.log" >&2
  return 1
}

xvfb_pid=
trap 'if [ -n "$xvfb_pid" ]; then kill $xvfb_pid 2>/dev/null; wait $xvfb_pid 2>/dev/null; fi; rm -rf "$tmpdir"' EXIT
start_xvfb

# The X server comes first, so the session bus and the accessibility registry it
# starts know DISPLAY (the registry synthesizes the test's mouse and keys).
# Debian's Python has pyatspi; the first python3 on PATH may be another build.
status=0
dbus-run-session -- /usr/bin/python3 "$here/$script" "$@" || status=$?
if [ $status -ne 0 ]; then
  echo "run-ui-test: X server $DISPLAY log:" >&2
  cat "$tmpdir/xvfb.log" >&2
fi
exit $status
