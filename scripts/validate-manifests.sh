#!/usr/bin/env bash
# Validates CRIBench's Kubernetes manifests offline against Kubernetes' published OpenAPI
# schema, strictly (unknown fields rejected), with kubernetes-validate from PyPI (installed once
# into a directory of its own; used for checking only, never by the product): deploy/ and the
# examples that are Kubernetes Pods. The seeds' sketch is not valid Kubernetes (an integer
# annotation, container annotations) and must be rejected: that shows the validator checks.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[cribench] $*" >&2; }

version=1.37.0
kubernetes=${CRIBENCH_KUBERNETES_VERSION:-1.30.0}
tools=${CRIBENCH_TOOLS_DIR:-/var/cache/cribench}/kubernetes-validate-$version
if ! PYTHONPATH=$tools python3 -c 'import kubernetes_validate' 2>/dev/null; then
    log "installing kubernetes-validate $version from PyPI into $tools"
    rm -rf "$tools" && mkdir -p "$tools"
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools" "kubernetes-validate==$version" 2>&1 | grep -v "Running pip as the 'root' user" >&2 || true
    PYTHONPATH=$tools python3 -c 'import kubernetes_validate' || { log "kubernetes-validate could not be installed into $tools"; exit 1; }
fi
validate() { PYTHONPATH=$tools python3 -m kubernetes_validate --strict --quiet -k "$kubernetes" "$@"; }

manifests=(deploy/*.yaml examples/pair-oci.yaml examples/pair-wasm.yaml examples/config-volume.yaml)
validate "${manifests[@]}" || { log "a manifest does not validate against Kubernetes $kubernetes (above)"; exit 1; }
if validate examples/seeds-wasm-module-url.yaml >/dev/null 2>&1; then
    log "the validator accepted the seeds' sketch, which is not valid Kubernetes: it is not checking"
    exit 1
fi
log "manifests valid against Kubernetes $kubernetes (strict): ${manifests[*]}"
