#!/bin/sh
# expect_error.sh STATUS TEXT COMMAND [ARGS...]
# Runs COMMAND and passes only if it exits with STATUS and its stderr contains TEXT: bad input
# must end in a clear message and a non-zero exit, never a crash.
set -u
want_status=$1
want_text=$2
shift 2
err=$("$@" 2>&1 >/dev/null)
status=$?
if [ "$status" -ne "$want_status" ]; then
  printf 'FAIL: exit status %s, expected %s\ncommand: %s\nstderr:\n%s\n' "$status" "$want_status" "$*" "$err"
  exit 1
fi
case "$err" in
  *"$want_text"*) printf 'PASS: exit %s, stderr: %s\n' "$status" "$err" ;;
  *) printf 'FAIL: stderr lacks "%s"\nstderr:\n%s\n' "$want_text" "$err"; exit 1 ;;
esac
