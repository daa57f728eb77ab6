#!/usr/bin/env bash
# The /dashboard browser test: playwright-core (pinned) from npm into a cache
# under target/tools, Debian's chromium, the debug binary; see dashboard.mjs.
set -euo pipefail
cd "$(dirname "$0")/../.."

PLAYWRIGHT_CORE_VERSION=1.65.1
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "dashboard: $CHROMIUM is missing (apt-get install -y chromium)" >&2; exit 1; }
command -v node >/dev/null || { echo "dashboard: node is missing" >&2; exit 1; }

tools=target/tools
installed="$(node -p "require('./$tools/node_modules/playwright-core/package.json').version" 2>/dev/null || true)"
if [ "$installed" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    "playwright-core@$PLAYWRIGHT_CORE_VERSION" >/dev/null
fi

cargo build -q --bin mfo-api
MFO_BIN="$PWD/target/debug/mfo-api" MFO_TOOLS="$PWD/$tools" CHROMIUM="$CHROMIUM" \
  MFO_SCREENSHOT="${MFO_SCREENSHOT:-target/dashboard.png}" node tests/browser/dashboard.mjs
