#!/usr/bin/env bash
# Headless Chromium for the dashboard's browser tests (Playwright drives the system browser; its own browser
# download cannot work offline or on a mirror-only machine).
#
#   infra/chromium.sh ensure   install Debian's `chromium` package when no browser is found and this user can
#                              (root or passwordless sudo, apt-get present); otherwise say how, and exit 0: the
#                              browser tests then skip with the same message
#   infra/chromium.sh path     print the browser the tests will use; exit 1 when there is none
#
# Environment: SAEI_CHROMIUM (a Chromium executable to use instead of the one on PATH).
set -euo pipefail

say() { printf 'chromium: %s\n' "$*" >&2; }

# The browser the tests use: SAEI_CHROMIUM when set, else chromium on PATH (Debian: /usr/bin/chromium).
find_browser() {
  if [ -n "${SAEI_CHROMIUM:-}" ]; then
    [ -x "$SAEI_CHROMIUM" ] && { echo "$SAEI_CHROMIUM"; return 0; }
    say "SAEI_CHROMIUM=$SAEI_CHROMIUM is not an executable file; unset it or point it at a Chromium"
    return 1
  fi
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || return 1
}

# Runs a command as root: directly when root, through passwordless sudo otherwise; fails when neither.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1; fi
}

can_install() {
  command -v apt-get >/dev/null || return 1
  [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }
}

ensure() {
  local browser
  if browser=$(find_browser); then say "using $browser"; return 0; fi
  [ -n "${SAEI_CHROMIUM:-}" ] && return 0 # named but missing: said above, not second-guessed
  if ! can_install; then
    say "not installed and this user cannot install it; the dashboard browser tests will skip." \
      "Install it with: sudo apt-get install -y chromium"
    return 0
  fi
  say "installing Debian's chromium package (first use; a few minutes)"
  # fonts-liberation (only recommended by chromium) so that screenshots show text, not boxes.
  if as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
    && as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends chromium fonts-liberation >&2 \
    && browser=$(find_browser); then
    say "installed $browser"
  else
    say "apt-get could not install chromium; the dashboard browser tests will skip." \
      "Install it with: sudo apt-get install -y chromium"
  fi
}

case "${1:-}" in
  ensure) ensure ;;
  path) find_browser ;;
  *) say "usage: infra/chromium.sh ensure|path"; exit 2 ;;
esac
