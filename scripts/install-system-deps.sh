#!/usr/bin/env bash
# Installs the Debian packages the gateway and its tests need, when they are missing:
# redis-server (the queue store), redis-sentinel (the fail-over test; Debian's package is the
# redis-sentinel command, a link to the same server binary), libxml2-utils (xmllint, for schema
# checks in tests), openssl (interoperability tests), rabbitmq-server (the service bus: the demo with
# TRANSPORT=amqp and the tests start their own broker from it, on free ports). Uses sudo when not root.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || need+=(redis-sentinel)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
for pkg in "$@"; do need+=("$pkg"); done
[ ${#need[@]} -eq 0 ] && exit 0
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "installing: ${need[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian may start the package's own broker; the gateway and its tests run their own on free ports
if printf '%s\n' "${need[@]}" | grep -qx rabbitmq-server; then
  "${as_root[@]}" service rabbitmq-server stop >/dev/null 2>&1 || true
fi
