#!/usr/bin/env bash
# Builds the WebAssembly package: pkg/web (ES module for browsers, `--target web`) and
# pkg/node (CommonJS for Node, `--target nodejs`), each a size-optimized .wasm (wasm-opt -Oz),
# its JS glue and the TypeScript types. Then prints the gzipped sizes and writes them to
# pkg/size.json. Needs: the wasm32 target, wasm-bindgen-cli 0.2.130 (see tests/suites/20-wasm.sh,
# which installs it under .tools/) and `npm ci` here (binaryen's wasm-opt).
#   WASM_BINDGEN=/path/to/wasm-bindgen  bindings/wasm/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bindgen="${WASM_BINDGEN:-$root/.tools/wasm-bindgen-0.2.130/bin/wasm-bindgen}"
wasm_opt="$here/node_modules/.bin/wasm-opt"
[ -x "$bindgen" ] || { echo "wasm-bindgen 0.2.130 not found at $bindgen (run tests/suites/20-wasm.sh)" >&2; exit 1; }
[ -x "$wasm_opt" ] || (cd "$here" && npm ci --no-audit --no-fund)

# -p only: a workspace build for wasm32 would try to build the other bindings (TOOLCHAIN pitfall 3).
(cd "$root" && cargo build -p kamkor-wasm --lib --target wasm32-unknown-unknown --profile wasm-release)
raw="$root/target/wasm32-unknown-unknown/wasm-release/kamkor_wasm.wasm"

rm -rf "$here/pkg/web" "$here/pkg/node"
"$bindgen" --target web --out-dir "$here/pkg/web" "$raw"
"$bindgen" --target nodejs --out-dir "$here/pkg/node" "$raw"
# The features rustc enables by default for wasm32-unknown-unknown (all in current browsers/Node).
features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals
  --enable-reference-types --enable-multivalue)
for t in web node; do
  "$wasm_opt" -Oz --converge "${features[@]}" "$here/pkg/$t/kamkor_wasm_bg.wasm" -o "$here/pkg/$t/kamkor_wasm_bg.opt.wasm"
  mv "$here/pkg/$t/kamkor_wasm_bg.opt.wasm" "$here/pkg/$t/kamkor_wasm_bg.wasm"
done

# The demo page serves its own copy of the browser build.
rm -rf "$root/web-demo/pkg" && cp -r "$here/pkg/web" "$root/web-demo/pkg"

gz() { gzip -9 -c "$1" | wc -c; }
wasm_raw=$(wc -c < "$here/pkg/web/kamkor_wasm_bg.wasm")
wasm_gz=$(gz "$here/pkg/web/kamkor_wasm_bg.wasm")
js_raw=$(wc -c < "$here/pkg/web/kamkor_wasm.js")
js_gz=$(gz "$here/pkg/web/kamkor_wasm.js")
total_gz=$((wasm_gz + js_gz))
printf '{"wasm_bytes": %d, "wasm_gzip": %d, "js_bytes": %d, "js_gzip": %d, "total_gzip": %d}\n' \
  "$wasm_raw" "$wasm_gz" "$js_raw" "$js_gz" "$total_gz" > "$here/pkg/size.json"
echo "kamkor-wasm (web): .wasm $wasm_raw B ($wasm_gz B gzipped), JS $js_raw B ($js_gz B gzipped), total $total_gz B gzipped"
