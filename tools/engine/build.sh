#!/usr/bin/env bash
# Builds the offline Terraform-compatible engine used by this repo:
#   - OpenTofu CLI ("tofu")            from tools/engine/tofu   (go.mod pins the version)
#   - provider binaries                from tools/engine/<name> (one Go module each)
# and lays out a provider filesystem mirror, a CLI config (tofurc) and env.sh.
#
# Everything comes from the Go module proxy through the pinned go.mod/go.sum
# files; nothing is downloaded at `tofu init` time.
#
# Usage:  tools/engine/build.sh            # build once, then cached
#         ENGINE_DIR=/some/dir tools/engine/build.sh
#         ENGINE_FORCE=1 tools/engine/build.sh   # ignore the stamp, rebuild
#         source "${ENGINE_DIR:-.engine}/env.sh"   # then: tofu init / apply
#
# The binaries are rebuilt only when the stamp changes: a hash of every
# go.mod/go.sum under tools/engine, the Go version, the target platform and
# the build flags below. The mirror, tofurc and env.sh are rewritten on every
# run (cheap).
set -Eeuo pipefail

STEP="start"
on_error() {
  local rc=$?
  echo "engine: FAILED at step: ${STEP} (exit ${rc})" >&2
  exit "$rc"
}
trap on_error ERR
step() { STEP="$*"; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
ENGINE_DIR="${ENGINE_DIR:-${REPO_ROOT}/.engine}"
mkdir -p "$ENGINE_DIR"
ENGINE_DIR="$(cd "$ENGINE_DIR" && pwd)"

# ---------------------------------------------------------------------------
# Pins. Source of truth for code versions is each sub-module's go.mod; the
# provider versions here are the registry versions the binaries are published
# under in the mirror (must match what the go.mod pins).
TOFU_MODULE_DIR="tofu"
TOFU_PKG="github.com/opentofu/opentofu/cmd/tofu"
TOFU_LDFLAGS="-X github.com/opentofu/opentofu/version.dev=no"

# name|module dir|main package|registry namespace|registry type|version
PROVIDERS=(
  "random|random|github.com/terraform-providers/terraform-provider-random|hashicorp|random|3.9.0"
)
# cyrilgdn/postgresql 1.26.0 is NOT here: the Go module proxy reachable from
# this workplace refuses github.com/cyrilgdn/terraform-provider-postgresql and
# github.com/terraform-providers/terraform-provider-postgresql (every version,
# 403 "This module version is not available"). To add it once served: create
# tools/engine/postgresql/go.mod (tool directive + replace) and add a line
#   "postgresql|postgresql|github.com/terraform-providers/terraform-provider-postgresql|cyrilgdn|postgresql|1.26.0"

# Hostnames the mirror answers for. cdktf emits unqualified sources such as
# "hashicorp/random"; OpenTofu resolves those to registry.opentofu.org, while
# Terraform-style fully qualified sources use registry.terraform.io.
MIRROR_HOSTS=(registry.opentofu.org registry.terraform.io)

GO_BUILD_FLAGS=(-mod=readonly -trimpath)
BASE_LDFLAGS="-s -w"
# ---------------------------------------------------------------------------

step "check Go toolchain"
if ! command -v go >/dev/null 2>&1; then
  echo "engine: FAILED at step: ${STEP}: 'go' is not installed or not on PATH (need Go >= 1.25.9)" >&2
  exit 1
fi
GOVERSION="$(go env GOVERSION)"
GOOS="$(go env GOOS)"
GOARCH="$(go env GOARCH)"
PLATFORM="${GOOS}_${GOARCH}"

step "compute stamp"
hash_inputs() {
  (
    cd "$SCRIPT_DIR"
    find . -name go.mod -o -name go.sum | LC_ALL=C sort | while read -r f; do
      echo "== $f"
      cat "$f"
    done
    echo "go=${GOVERSION} platform=${PLATFORM}"
    echo "flags=${GO_BUILD_FLAGS[*]} ldflags=${BASE_LDFLAGS} tofu=${TOFU_LDFLAGS}"
    printf '%s\n' "${PROVIDERS[@]}"
  ) | sha256sum | cut -c1-16
}
STAMP="$(hash_inputs)"
TOFU_VERSION="$(awk '$1 == "github.com/opentofu/opentofu" { print $2 }' "$SCRIPT_DIR/$TOFU_MODULE_DIR/go.mod")"
[[ -n "$TOFU_VERSION" ]]
SUMMARY="tofu ${TOFU_VERSION#v}"
for p in "${PROVIDERS[@]}"; do
  IFS='|' read -r name _ _ _ _ version <<<"$p"
  SUMMARY+=", ${name} ${version}"
done
SUMMARY+="; ${PLATFORM}; stamp ${STAMP}"

STAMP_FILE="$ENGINE_DIR/stamp"
BIN_DIR="$ENGINE_DIR/bin"
PROV_DIR="$ENGINE_DIR/providers"

binaries_present() {
  [[ -x "$BIN_DIR/tofu" ]] || return 1
  local p name version
  for p in "${PROVIDERS[@]}"; do
    IFS='|' read -r name _ _ _ _ version <<<"$p"
    [[ -x "$PROV_DIR/terraform-provider-${name}_v${version}" ]] || return 1
  done
}

if [[ "${ENGINE_FORCE:-0}" != 1 && -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$STAMP" ]] && binaries_present; then
  echo "engine: cached (${SUMMARY})"
else
  start=$(date +%s)
  STAGE="$(mktemp -d "$ENGINE_DIR/.stage.XXXXXX")"
  trap 'rm -rf "$STAGE"' EXIT
  rm -f "$STAMP_FILE"

  step "build tofu (${TOFU_PKG}@${TOFU_VERSION}) in tools/engine/${TOFU_MODULE_DIR}"
  echo "engine: building tofu ${TOFU_VERSION} ..."
  CGO_ENABLED=0 go -C "$SCRIPT_DIR/$TOFU_MODULE_DIR" build "${GO_BUILD_FLAGS[@]}" \
    -ldflags "${BASE_LDFLAGS} ${TOFU_LDFLAGS}" \
    -o "$STAGE/tofu" "$TOFU_PKG"

  for p in "${PROVIDERS[@]}"; do
    IFS='|' read -r name dir pkg _ _ version <<<"$p"
    step "build provider ${name} ${version} (${pkg}) in tools/engine/${dir}"
    echo "engine: building terraform-provider-${name} ${version} ..."
    CGO_ENABLED=0 go -C "$SCRIPT_DIR/$dir" build "${GO_BUILD_FLAGS[@]}" \
      -ldflags "${BASE_LDFLAGS}" \
      -o "$STAGE/terraform-provider-${name}_v${version}" "$pkg"
  done

  step "install binaries into ${ENGINE_DIR}"
  rm -rf "$BIN_DIR" "$PROV_DIR"
  mkdir -p "$BIN_DIR" "$PROV_DIR"
  mv "$STAGE/tofu" "$BIN_DIR/tofu"
  for p in "${PROVIDERS[@]}"; do
    IFS='|' read -r name _ _ _ _ version <<<"$p"
    mv "$STAGE/terraform-provider-${name}_v${version}" "$PROV_DIR/"
  done
  echo "$STAMP" >"$STAMP_FILE"
  echo "engine: built in $(($(date +%s) - start))s (${SUMMARY})"
fi

step "lay out provider mirror"
MIRROR="$ENGINE_DIR/mirror"
rm -rf "$MIRROR"
for host in "${MIRROR_HOSTS[@]}"; do
  for p in "${PROVIDERS[@]}"; do
    IFS='|' read -r name _ _ ns type version <<<"$p"
    # "unpacked" layout: HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET/<executable>
    dest="$MIRROR/$host/$ns/$type/$version/$PLATFORM"
    mkdir -p "$dest"
    bin="terraform-provider-${name}_v${version}"
    ln -f "$PROV_DIR/$bin" "$dest/$bin" 2>/dev/null || cp -f "$PROV_DIR/$bin" "$dest/$bin"
  done
done

step "write ${ENGINE_DIR}/tofurc"
{
  echo "# Generated by tools/engine/build.sh: providers come only from the local mirror."
  echo "disable_checkpoint = true"
  echo "provider_installation {"
  echo "  filesystem_mirror {"
  echo "    path    = \"$MIRROR\""
  printf '    include = ['
  sep=""
  for host in "${MIRROR_HOSTS[@]}"; do printf '%s"%s/*/*"' "$sep" "$host"; sep=", "; done
  echo "]"
  echo "  }"
  echo "  direct {"
  printf '    exclude = ['
  sep=""
  for host in "${MIRROR_HOSTS[@]}"; do printf '%s"%s/*/*"' "$sep" "$host"; sep=", "; done
  echo "]"
  echo "  }"
  echo "}"
} >"$ENGINE_DIR/tofurc.tmp"
mv "$ENGINE_DIR/tofurc.tmp" "$ENGINE_DIR/tofurc"

step "write ${ENGINE_DIR}/env.sh"
cat >"$ENGINE_DIR/env.sh.tmp" <<EOF
# Generated by tools/engine/build.sh. Usage: source "$ENGINE_DIR/env.sh"
export ENGINE_DIR="$ENGINE_DIR"
export PATH="$BIN_DIR:\$PATH"
export TF_CLI_CONFIG_FILE="$ENGINE_DIR/tofurc"
export TERRAFORM_BINARY_NAME=tofu
export CHECKPOINT_DISABLE=1
EOF
mv "$ENGINE_DIR/env.sh.tmp" "$ENGINE_DIR/env.sh"

step "smoke-check tofu"
TF_CLI_CONFIG_FILE="$ENGINE_DIR/tofurc" "$BIN_DIR/tofu" version >/dev/null
