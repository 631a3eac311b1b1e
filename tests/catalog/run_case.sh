#!/bin/sh
# run_case.sh TABLE NAME [VAR=VALUE...]
# Runs the case NAME of the error catalog TABLE (format in cases.txt) and passes only if the
# command exits with the expected status, was not killed by a signal, printed no sanitizer
# report or internal error, and its stderr holds every expected fragment (where and what).
# A command that writes `-o "$OUT"` is run twice more around the output directory: a failed
# compile must not create it, and must leave an existing one byte for byte as it was.
# VAR=VALUE pairs (RESNETC, BIN, GEN, SPECS, WORK...) are visible to the command as $VAR.
set -u
table=$1
name=$2
shift 2
for assignment in "$@"; do export "$assignment"; done

line=$(awk -F' [|] ' -v n="$name" '$1 == n' "$table")
[ -n "$line" ] || { echo "FAIL: no case '$name' in $table"; exit 1; }
field() { printf '%s\n' "$line" | awk -F' [|] ' -v i="$1" '{ print $i }'; }
want_status=$(field 2)
fragments=$(field 3)
command=$(printf '%s\n' "$line" | sed 's/^\([^|]*|\)\{3\} *//')

work=${WORK:-/tmp}/$name
rm -rf "$work"
mkdir -p "$work"
fail() { printf 'FAIL [%s]: %s\ncommand: %s\nstderr:\n%s\n' "$name" "$1" "$command" \
  "$(cat "$work/stderr" 2>/dev/null)"; exit 1; }

# run_command OUT: the case's command with $OUT set, stderr kept in $work/stderr.
run_command() {
  OUT=$1
  eval "set -- $command"
  "$@" > "$work/stdout" 2> "$work/stderr" < /dev/null
}

check_stderr() {
  status=$1
  [ "$status" -lt 128 ] || fail "killed by signal $((status - 128))"
  if grep -Eq 'Sanitizer|runtime error:|internal error|terminate called|Segmentation|Aborted' "$work/stderr"; then
    fail "crash or sanitizer report"
  fi
  [ "$status" -eq "$want_status" ] || fail "exit status $status, expected $want_status"
  rest=$fragments
  while [ -n "$rest" ]; do
    fragment=${rest%% ^ *}
    case "$rest" in *" ^ "*) rest=${rest#* ^ } ;; *) rest= ;; esac
    grep -Fq -- "$fragment" "$work/stderr" || fail "stderr lacks \"$fragment\""
  done
}

snapshot() { (cd "$1" && find . -print | sort && find . -type f -exec sha256sum {} + | sort); }

run_command "$work/out"
check_stderr $?
case "$command" in
  *'$OUT'*)
    [ -e "$work/out" ] && fail "a failed command created its output directory"
    mkdir -p "$work/existing/sub"
    echo marker > "$work/existing/sub/marker"
    before=$(snapshot "$work/existing")
    run_command "$work/existing"
    check_stderr $?
    [ "$before" = "$(snapshot "$work/existing")" ] || fail "a failed command changed an existing output directory"
    leftovers=$(find "$work" -maxdepth 1 -name '.*')
    [ -z "$leftovers" ] || fail "temporary files left behind: $leftovers"
    ;;
esac
printf 'PASS [%s]: exit %s\n%s\n' "$name" "$want_status" "$(cat "$work/stderr")"
