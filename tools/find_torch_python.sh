#!/bin/sh
# Print the path of a Python interpreter that can `import torch`.
# Why: the first python3 on PATH (pyenv) has no torch; Debian's python3-torch
# lives in the system interpreter. Order: /usr/bin/python3, /usr/bin/python3.*,
# then python3 on PATH.
set -u

tried=""
try() {
    case " $tried " in *" $1 "*) return 1 ;; esac   # already tried
    tried="${tried:+$tried }$1"
    [ -x "$1" ] && "$1" -c 'import torch' >/dev/null 2>&1
}

for candidate in /usr/bin/python3 /usr/bin/python3.* "$(command -v python3 || true)"; do
    case "$candidate" in
        ''|*-config|*'*') continue ;;                   # no match / not an interpreter
    esac
    if try "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done

echo "no python interpreter with torch found (tried ${tried:-nothing});" \
  "install it with: apt-get install -y python3-torch python3-torchvision" >&2
exit 1
