#!/usr/bin/env bash
# The tool the k8s/ tests render the overlays with: kustomize, pinned, built from source through
# the Go module proxy (the go command checks every module against the Go checksum database) into
# k8s/tools/bin. Does nothing when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")"

KUSTOMIZE_VERSION=v5.8.2
# v5.8.2 needs Go 1.24 or later; the go command fetches this toolchain through the module proxy
# when the installed one is another version
GO_TOOLCHAIN=go1.26.8

bin="$PWD/bin"
if [ -x "$bin/kustomize" ] && [ "$("$bin/kustomize" version)" = "$KUSTOMIZE_VERSION" ]; then
  exit 0
fi

go=$(command -v go || echo /usr/local/go/bin/go)
if ! [ -x "$go" ] || [ "$(GOTOOLCHAIN=$GO_TOOLCHAIN "$go" env GOVERSION 2>/dev/null)" != "$GO_TOOLCHAIN" ]; then
  echo "k8s/tools/install.sh: needs Go 1.21 or later (it switches to $GO_TOOLCHAIN itself)" >&2
  exit 1
fi

echo "k8s tools: building kustomize $KUSTOMIZE_VERSION with $GO_TOOLCHAIN"
GOBIN="$bin" GOTOOLCHAIN="$GO_TOOLCHAIN" GOFLAGS=-modcacherw \
  "$go" install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
