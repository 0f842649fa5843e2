# Kotlin suite (sourced by tests/run under `set -euo pipefail`; `step` is defined there).
# Installs a JRE, JNA (Debian) and kotlinc (npm `kotlin-compiler`, cached under .tools/), builds
# kamkor-ffi, generates the Kotlin bindings with the in-workspace uniffi-bindgen, compiles the
# Kotlin tests and runs them: API checks plus the replay of every tests/scenarios/*.json.
# Standalone: `bash tests/suites/30-kotlin.sh` from the workspace root.

kt_version=2.4.20
kt_home=.tools/kotlin/node_modules/kotlin-compiler
kt_out=target/kotlin
kt_jna=/usr/share/java/jna.jar

kt_apt=()
command -v java >/dev/null 2>&1 || kt_apt+=(default-jre-headless)
[ -f "$kt_jna" ] || kt_apt+=(libjna-java)
if [ ${#kt_apt[@]} -gt 0 ]; then
  echo "installing ${kt_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${kt_apt[@]}" >/dev/null
fi
if [ ! -f "$kt_home/bin/kotlinc" ] || [ "$(cat "$kt_home/build.txt" 2>/dev/null)" != "$kt_version" ]; then
  echo "installing kotlin-compiler@$kt_version (npm) under .tools/kotlin"
  mkdir -p .tools/kotlin
  npm install --prefix .tools/kotlin --no-audit --no-fund --loglevel=error "kotlin-compiler@$kt_version" >/dev/null
fi

# One workspace build with the feature unification of `cargo test --workspace --all-features`:
# `--tests` brings the dev-dependencies' features in, so nothing recompiles after tests/run's Rust
# steps (a plain `cargo build` unifies without them and rebuilt ~60 crates: 3-5 min), and
# target/debug/uniffi-bindgen matches the library (TOOLCHAIN pitfall 8). The same compiler as
# tests/run's Rust steps (KAMKOR_RUSTC_WRAPPER, the linting one), for the same reason.
RUSTC_WORKSPACE_WRAPPER="${KAMKOR_RUSTC_WRAPPER:-}" cargo build --workspace --all-features --lib --bins --tests
rm -rf "$kt_out/gen" && mkdir -p "$kt_out"
target/debug/uniffi-bindgen generate --library target/debug/libkamkor_ffi.so --language kotlin \
  --out-dir "$kt_out/gen" --no-format >/dev/null

kt_t0=$(date +%s)
JAVA_OPTS="-Xss4m" "$kt_home/bin/kotlinc" -nowarn -cp "$kt_jna" -d "$kt_out/tests.jar" \
  $(find "$kt_out/gen" -name '*.kt') bindings/ffi/kotlin/glue/*.kt bindings/ffi/kotlin/src/*.kt
echo "kotlinc: $(( $(date +%s) - kt_t0 ))s"

java -Djna.library.path=target/debug \
  -cp "$kt_out/tests.jar:$kt_jna:$kt_home/lib/kotlin-stdlib.jar" kamkor.test.MainKt tests/scenarios
