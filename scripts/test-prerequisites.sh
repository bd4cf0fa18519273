#!/usr/bin/env bash
# Run by `pnpm test` before vitest. The suite starts a real redis-server (the shared rate-limit
# tests) and Chromium (the docs page check), and fails rather than skips without them, so a bare
# machine gets them here: from Debian's packages when this user may install (root, or sudo without
# a password), else the run stops before any test with one line saying what to install.
set -uo pipefail

missing() {
  local need=()
  # REDIS_SERVER names another binary, which the tests then use instead of the PATH's.
  [ -n "${REDIS_SERVER:-}" ] || command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
  echo "${need[*]}"
}

listed() { local all="${need[*]}"; echo "${all// / and }"; }

give_up() {
  local them="them"
  [ ${#need[@]} -eq 1 ] && them="it"
  echo "errata tests need $(listed): install $them (Debian/Ubuntu: sudo apt-get install ${need[*]}) and run the tests again" >&2
  exit 1
}

read -r -a need <<<"$(missing)"
[ ${#need[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); else give_up; fi
fi
command -v apt-get >/dev/null 2>&1 || give_up

echo "errata tests: installing $(listed) from the OS packages (apt-get)" >&2
# apt's own errors stay on stderr, so a failed install says why just above the line of give_up.
"${as_root[@]}" apt-get update -qq >/dev/null || give_up
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq "${need[@]}" >/dev/null || give_up

# A package can install and still leave its program off this PATH.
read -r -a need <<<"$(missing)"
[ ${#need[@]} -eq 0 ] || give_up
