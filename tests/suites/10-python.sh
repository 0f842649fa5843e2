# Python suite (sourced by tests/run with `step` defined; runs under set -euo pipefail).
# Builds the abi3 wheel of bindings/python with maturin, installs it into FRESH virtualenvs
# (the machine's python3 and, when one can be found, CPython 3.9), then runs mypy --strict over
# the package, the typed example and the tests, stubtest over the native module's stubs, and
# pytest: the package API and the replay of every tests/scenarios/*.json through the package,
# compared with the Rust harness's own replay.
#
# Wheel profile: `dev` (the workspace's dev profile: dependencies at opt-level 2, the binding and
# core at 0), so the wheel reuses the artifacts of the Rust steps instead of a cold release build.
# Release wheels: `maturin build --release` in bindings/python.

py_root="$PWD"
py_tools="$py_root/.tools/python"
py_maturin_version="1.16.0"
py_wheels="$py_root/target/wheels/python"
mkdir -p "$py_tools"

step "python: maturin $py_maturin_version"
if [ "$("$py_tools/maturin-venv/bin/maturin" --version 2>/dev/null || true)" != "maturin $py_maturin_version" ]; then
  rm -rf "$py_tools/maturin-venv"
  python3 -m venv "$py_tools/maturin-venv"
  "$py_tools/maturin-venv/bin/pip" install -q --disable-pip-version-check "maturin==$py_maturin_version"
fi
"$py_tools/maturin-venv/bin/maturin" --version

step "python: build the abi3 wheel"
rm -rf "$py_wheels"
(cd bindings/python && "$py_tools/maturin-venv/bin/maturin" build --profile dev --strip -i python3 --out "$py_wheels")
py_wheel=$(ls "$py_wheels"/kamkor-*-cp39-abi3-*.whl)
echo "wheel: $(basename "$py_wheel") ($(du -k "$py_wheel" | cut -f1) KiB)"

step "python: the Rust harness's scenario replay (to compare with)"
py_rust_log="$py_tools/rust-scenarios.log"
RUSTC_WORKSPACE_WRAPPER="${KAMKOR_RUSTC_WRAPPER:-}" cargo test --workspace --all-features --test scenarios -- --nocapture >"$py_rust_log" 2>&1 || {
  cat "$py_rust_log"
  false
}
grep -E '^scenario ' "$py_rust_log"

# Interpreters: the machine's python3, and CPython 3.9 (the oldest the abi3 wheel supports)
# when it can be found on PATH or in pyenv.
py_interpreters=("$(command -v python3)")
py39=""
if command -v python3.9 >/dev/null 2>&1 && python3.9 -c 'import sys; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
  py39=$(command -v python3.9)
else
  for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3.9; do
    [ -x "$cand" ] && py39="$cand"
  done
fi
if [ -n "$py39" ]; then
  py_interpreters+=("$py39")
else
  echo "NOTE: no CPython 3.9 found (PATH, pyenv): the wheel's abi3-py39 tag is all that shows 3.9 support"
fi

py_n=0
for py in "${py_interpreters[@]}"; do
  py_version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  step "python $py_version: fresh venv, install the wheel"
  py_venv="$py_tools/test-venv-$py_version"
  rm -rf "$py_venv"
  "$py" -m venv "$py_venv"
  "$py_venv/bin/pip" install -q --disable-pip-version-check "$py_wheel" pytest
  "$py_venv/bin/python" -c 'import kamkor, sys; print("import kamkor", kamkor.__version__, "on", sys.version.split()[0])'
  if [ "$py_n" -eq 0 ]; then
    step "python $py_version: mypy --strict (package, stubs, example, tests)"
    "$py_venv/bin/pip" install -q --disable-pip-version-check mypy
    (cd "$py_tools" && "$py_venv/bin/python" -m mypy --strict -p kamkor)
    (cd bindings/python && "$py_venv/bin/python" -m mypy --strict examples/ tests/)
    (cd "$py_tools" && "$py_venv/bin/python" -m mypy.stubtest kamkor._native)
  fi
  step "python $py_version: pytest (API and scenario replay)"
  (cd bindings/python && KAMKOR_RUST_SCENARIO_LOG="$py_rust_log" "$py_venv/bin/python" -m pytest -q -p no:cacheprovider tests)
  py_n=$((py_n + 1))
done
