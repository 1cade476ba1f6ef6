#!/usr/bin/env bash
# Machine setup the test suite needs beyond npm: Debian's Chromium, driven by playwright-core
# in the passkey end-to-end test (test/modules/identity/passkeys-browser.test.ts) with a CDP
# virtual authenticator. Idempotent; needs root (apt). Never downloads a browser build:
# playwright-core is pointed at /usr/bin/chromium.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends chromium
fi
chromium --version
