#!/usr/bin/env bash
# Builds the four Lambda functions into target/lambda/<name>/bootstrap.zip and checks each zip.
set -euo pipefail

# shellcheck source=deploy/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

usage() {
    cat <<'EOF'
Usage: deploy/build.sh [--arch arm64|x86_64] [--zip-dir DIR] [--verify-only]

Builds the four Lambda functions (collector, data-processor, optimizer, copy-generator) with
`cargo lambda build --release --output-format zip`, in one cargo invocation so they share the
dependency build, into target/lambda/<name>/bootstrap.zip (the path Terraform deploys by default), then checks
that each zip holds one executable `bootstrap`, an ELF binary for the chosen architecture, and prints
its size.

Options:
  --arch ARCH     arm64 (default: Graviton, Terraform's default architecture) or x86_64.
                  The zip path is the same for both: deploy what you built with the matching
                  Terraform architecture. arm64 needs the Rust target aarch64-unknown-linux-gnu;
                  when rustup lacks it, this runs `rustup target add aarch64-unknown-linux-gnu`
                  (a download from the Rust distribution server).
  --zip-dir DIR   build into (or, with --verify-only, check) DIR/<name>/bootstrap.zip instead of
                  target/lambda/, e.g. to keep a release's zips for a rollback (README.md,
                  "Rolling back"); deploy them with deploy/deploy-all.sh --skip-build --zip-dir DIR.
                  Also LAMBDA_ZIP_DIR.
  --verify-only   build nothing: check the zips already there for ARCH
  -h, --help      this text

Tools: cargo (rustup), cargo-lambda and zig, from .venv/ (`make venv`; the script puts .venv/bin
first on PATH). Without --zip-dir, CARGO_TARGET_DIR moves the zips to $CARGO_TARGET_DIR/lambda/.
`make build` runs `deploy/build.sh --arch x86_64`.
EOF
}

arch=arm64
verify_only=false
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --arch) need_value "$1" "${2-}"; arch="$2"; shift 2 ;;
        --zip-dir) need_value "$1" "${2-}"; export LAMBDA_ZIP_DIR="$2"; shift 2 ;;
        --verify-only) verify_only=true; shift ;;
        *) usage_error "unknown option: $1" ;;
    esac
done
case "$arch" in
    arm64 | aarch64) arch=arm64; triple=aarch64-unknown-linux-gnu; arch_flag=--arm64 ;;
    x86_64 | x86-64 | amd64) arch=x86_64; triple=x86_64-unknown-linux-gnu; arch_flag=--x86-64 ;;
    *) usage_error "--arch must be arm64 or x86_64, not '$arch'" ;;
esac

lambda_dir="$(zip_dir)"

# Checks one zip: exactly one member, `bootstrap`, executable, a 64-bit little-endian ELF executable for
# the architecture; prints a line with the sizes. Exit 1 with the reason otherwise.
check_zip() {
    python3 - "$1" "$2" "$3" <<'PY'
import os, sys, zipfile

path, want, name = sys.argv[1], sys.argv[2], sys.argv[3]
machines = {0x3E: "x86_64", 0xB7: "arm64"}

def fail(msg):
    print(f"error: {path}: {msg}", file=sys.stderr)
    sys.exit(1)

if not os.path.isfile(path):
    fail("missing: build it with deploy/build.sh")
try:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        if names != ["bootstrap"]:
            fail(f"expected one member, bootstrap; found {names}")
        info = z.getinfo("bootstrap")
        mode = info.external_attr >> 16
        with z.open(info) as f:
            head = f.read(64)
except zipfile.BadZipFile as e:
    fail(f"not a zip file ({e})")
if mode & 0o111 == 0:
    fail(f"bootstrap is not executable (mode {oct(mode)}): Lambda could not start it")
if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
    fail("bootstrap is not a 64-bit little-endian ELF binary")
e_type = int.from_bytes(head[16:18], "little")
if e_type not in (2, 3):
    fail(f"bootstrap is an ELF file of type {e_type}, not an executable")
machine = machines.get(int.from_bytes(head[18:20], "little"), f"machine {int.from_bytes(head[18:20], 'little'):#x}")
if machine != want:
    fail(f"bootstrap is built for {machine}, not {want}: run deploy/build.sh --arch {want}")
size = os.path.getsize(path)
print(f"  {name:<15} {want:<7} {size / 1e6:6.1f} MB zip ({size:,} bytes), bootstrap {info.file_size / 1e6:5.1f} MB  {path}")
PY
}

if ! $verify_only; then
    need_cargo_lambda
    python3 -c 'import ziglang' 2>/dev/null || die "zig is not installed: run \`make venv\` (the ziglang wheel comes
  with cargo-lambda) or \`pip install ziglang\` in the venv whose python3 is first on PATH"
    if [[ "$arch" == arm64 ]] && command -v rustup >/dev/null 2>&1 &&
        ! rustup target list --installed | grep -qx "$triple"; then
        note "adding the Rust target $triple (rustup target add; downloads its standard library)"
        rustup target add "$triple" || die "could not add the Rust target $triple: it needs access to the Rust
  distribution server (static.rust-lang.org). Build with --arch x86_64 instead and deploy it with the
  x86_64 architecture in Terraform."
    fi
    packages=()
    for name in "${LAMBDAS[@]}"; do
        packages+=(--package "$name")
    done
    note "cargo lambda build --release --output-format zip $arch_flag (${LAMBDAS[*]})"
    # No stale zip can pass the check below: each one there is from this build.
    for name in "${LAMBDAS[@]}"; do
        rm -f "$lambda_dir/$name/bootstrap.zip"
    done
    started=$SECONDS
    (cd "$ROOT" && cargo lambda build --release --locked --output-format zip "$arch_flag" \
        --lambda-dir "$lambda_dir" "${packages[@]}")
    note "built in $((SECONDS - started)) s"
fi

echo "Lambda packages ($arch):"
for name in "${LAMBDAS[@]}"; do
    check_zip "$lambda_dir/$name/bootstrap.zip" "$arch" "$name"
done
