#!/usr/bin/env bash
# Debian packages the browser tests and screenshots need: Chromium and Japanese fonts.
# Installs them with apt-get when missing (as root, or with sudo); never downloads a browser build.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -i "Noto Sans CJK JP" >/dev/null || need+=(fonts-noto-cjk)  # no -q: an early exit would SIGPIPE fc-list
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: please install ${need[*]} (no apt-get here); browser tests will be skipped." >&2
  exit 0
fi
run=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then run=(sudo); else
    echo "system-deps: need root to install ${need[*]}; browser tests will be skipped." >&2
    exit 0
  fi
fi
echo "system-deps: installing ${need[*]}" >&2
"${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
