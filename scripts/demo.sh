#!/usr/bin/env bash
# Sets up everything on a fresh Debian machine with Node 20 and starts the gateway in demo mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
exec npm start
