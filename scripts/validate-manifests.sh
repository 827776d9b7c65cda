#!/usr/bin/env bash
# Validates CRIBench's Kubernetes manifests offline against Kubernetes' published OpenAPI
# schema, strictly (unknown fields rejected), with kubernetes-validate from PyPI (installed once
# into a directory of its own; used for checking only, never by the product): deploy/ and the
# examples that are Kubernetes Pods. The design notes' Pod sketch and its variant are not valid
# Kubernetes (an integer annotation, container annotations, spec.runtimeHandler) and must be
# rejected: that shows the validator checks.
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
for sketch in examples/pod-sketch.yaml examples/module-url-with-volume.yaml; do
    if validate "$sketch" >/dev/null 2>&1; then
        log "the validator accepted $sketch, which is not valid Kubernetes: it is not checking"
        exit 1
    fi
done
log "manifests valid against Kubernetes $kubernetes (strict): ${manifests[*]}"
