#!/usr/bin/env bash
# Everything gmall-realtime needs on a fresh Debian 12 machine, installed idempotently:
# Debian packages, the Python virtualenv with the pinned packages, the service user, and the
# pinned Java artifacts from Maven Central. Safe to run again; does little when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(openjdk-17-jdk-headless maven mariadb-server mariadb-client redis-server prometheus libkrb5-dev gcc tzdata)
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  # the packages may have started their own MariaDB, Redis and Prometheus (on every interface);
  # the stack runs its own instances, on loopback
  for service in mariadb redis-server prometheus; do
    $SUDO service "$service" stop >/dev/null 2>&1 || true
  done
fi

if [ "$(id -u)" -eq 0 ] && ! id gmall >/dev/null 2>&1; then
  # Elasticsearch refuses to run as root; the stack runs it as this user
  useradd --system --no-create-home --shell /usr/sbin/nologin gmall
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# the jobs (jobs/) and the tooling that depends on them, both editable for development
if ! cat pyproject.toml jobs/pyproject.toml | cmp -s - .venv/.installed-pyproject 2>/dev/null; then
  .venv/bin/pip install -q -e ./jobs -e '.[test]'
  cat pyproject.toml jobs/pyproject.toml > .venv/.installed-pyproject
fi

.venv/bin/gmall-rt artifacts fetch

# kustomize, for the tests of the Kubernetes manifests (needs Go 1.21 or later)
k8s/tools/install.sh
