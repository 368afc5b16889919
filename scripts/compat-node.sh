#!/usr/bin/env bash
# Compatibility run of mmtape on another Node major version (our users run Node 22 and 24; the dev
# machines and CI run Node 20).
#
#   bash scripts/compat-node.sh <major> [--keep]      e.g. bash scripts/compat-node.sh 24
#
# 1. fetches Node <major> from the npm registry (`npm install node@<major>`: the binary, and the
#    node-linux-<arch> package with the C/C++ headers that node-gyp needs, since it cannot download them);
# 2. clones this repository's HEAD (committed work only) into a temp folder, with ../shared (the real
#    market data some tests read) linked beside it as in CI;
# 3. with that Node first on PATH, CXXFLAGS=-std=gnu++20 (@riaskov/mmap-io's binding.gyp asks for C++17,
#    which Node 24's headers no longer compile with) and npm_config_nodedir=<the headers>:
#    pnpm install --frozen-lockfile (native addons compiled from source, pnpm's side-effects cache off),
#    checks that the @riaskov/mmap-io and zstd-napi addons load, pnpm build, pnpm typecheck,
#    the test suite (pnpm vitest run, as `pnpm test` / CI run it), `mmtape demo`, and `mmtape info` on the
#    demo's dataset to see whether files are really memory-mapped or read into memory (fallback);
# 4. prints per-step results and, as the last line,
#      node v24.x.y: N passed, N failed, demo ok|failed, mmap native|fallback
#    and exits 0 only when every step passed, no test failed, the demo ran and mmap is native.
# Temp folders are removed at the end (--keep, or COMPAT_KEEP=1, keeps them and prints where they are).
# Takes ~9 min on a 2-core machine (measured: Node 24 8.7 min, Node 22 9.2 min; install 1.5-3, build 1.5-2,
# typecheck ~1, tests 3-3.5).
# Needs: git, npm, pnpm 10, a C++ toolchain (make, g++, python3) as for a normal install.
set -euo pipefail

usage() {
  echo "usage: $0 <node-major> [--keep]   (e.g. $0 24; tested with 22 and 24)" >&2
  exit 2
}

MAJOR=""
KEEP="${COMPAT_KEEP:-0}"
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    -h | --help) usage ;;
    *)
      [ -z "$MAJOR" ] || usage
      MAJOR="$arg"
      ;;
  esac
done
[[ "$MAJOR" =~ ^[0-9]+$ ]] || usage
if [ "$MAJOR" -lt 20 ]; then
  echo "compat-node: Node $MAJOR is below the supported range (engines: node >=20.15)" >&2
  exit 2
fi

for tool in git npm pnpm; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "compat-node: '$tool' not found on PATH" >&2
    exit 2
  }
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null || {
  echo "compat-node: $ROOT is not a git repository with a HEAD commit" >&2
  exit 2
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mmtape-compat-node$MAJOR.XXXXXX")"
cleanup() {
  local rc=$?
  if [ "$KEEP" = "1" ]; then
    echo "compat-node: kept $WORK (logs in $WORK/logs)" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LOGS="$WORK/logs"
mkdir -p "$LOGS"
T_START=$SECONDS
failed_steps=()

say() { echo "[compat-node$MAJOR $((SECONDS - T_START))s] $*"; }

# step <name> <command...>: runs the command with its output in $LOGS/<name>.log; on failure prints the
# log's tail. Returns the command's status (callers decide whether to go on).
step() {
  local name="$1"
  shift
  local log="$LOGS/$name.log" t0=$SECONDS rc=0
  say "$name: $*"
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    say "$name ok ($((SECONDS - t0)) s)"
  else
    say "$name FAILED (exit $rc after $((SECONDS - t0)) s); last lines of $log:"
    tail -n 60 "$log" | sed 's/^/    | /'
    failed_steps+=("$name")
  fi
  return "$rc"
}

# --- 1. Node <major> from the npm registry ----------------------------------------------------------
mkdir -p "$WORK/node"
echo '{ "name": "compat-node", "private": true }' >"$WORK/node/package.json"
step "fetch-node" npm install --prefix "$WORK/node" --no-save --no-audit --no-fund --loglevel=error "node@$MAJOR" || {
  echo "node v$MAJOR: 0 passed, 0 failed, demo failed, mmap unknown (could not fetch node@$MAJOR from npm)"
  exit 1
}
NODE_BIN_DIR="$WORK/node/node_modules/node/bin"
if [ ! -x "$NODE_BIN_DIR/node" ]; then
  echo "compat-node: npm installed node@$MAJOR but $NODE_BIN_DIR/node is missing" >&2
  echo "node v$MAJOR: 0 passed, 0 failed, demo failed, mmap unknown (no node binary)"
  exit 1
fi
HEADER="$(find "$WORK/node/node_modules" -path '*/include/node/node_api.h' -print -quit)"
if [ -z "$HEADER" ]; then
  echo "compat-node: no include/node headers in the node@$MAJOR package; node-gyp cannot build addons" >&2
  echo "node v$MAJOR: 0 passed, 0 failed, demo failed, mmap unknown (no node headers)"
  exit 1
fi
NODEDIR="$(dirname "$(dirname "$(dirname "$HEADER")")")"

export PATH="$NODE_BIN_DIR:$PATH"
export npm_config_nodedir="$NODEDIR"
export CXXFLAGS="${CXXFLAGS:+$CXXFLAGS }-std=gnu++20"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 FORCE_COLOR=0 NO_COLOR=1 CI=true
hash -r
NODE_VERSION="$(node -v)"
if [ "${NODE_VERSION%%.*}" != "v$MAJOR" ]; then
  echo "compat-node: 'node' on PATH is $NODE_VERSION, expected v$MAJOR (from $NODE_BIN_DIR)" >&2
  exit 1
fi
PNPM_VERSION="$(pnpm --version)"
say "node $NODE_VERSION (ABI $(node -p process.versions.modules)), headers $NODEDIR; pnpm $PNPM_VERSION under it"
[ "${PNPM_VERSION%%.*}" = "10" ] || say "warning: pnpm $PNPM_VERSION, the repo pins pnpm 10"
command -v chromium >/dev/null 2>&1 || say "note: no chromium on PATH; the report-in-browser test will be skipped"

# --- 2. a clean clone of HEAD -------------------------------------------------------------------------
REPO="$WORK/repo"
step "clone" git clone --quiet --no-local "$ROOT" "$REPO" || exit 1
say "testing $(git -C "$REPO" log -1 --format='%h %s')"
# Tests that use real market data read ../shared/data beside the repository (as in CI): link it.
if [ -d "$ROOT/../shared" ]; then
  ln -s "$(cd "$ROOT/../shared" && pwd)" "$WORK/shared"
else
  say "note: no shared/ beside $ROOT; the tests that read ../shared/data will fail or skip"
fi
cd "$REPO"

# --- 3. install, natives, build, typecheck, tests, demo -----------------------------------------------
PASSED=0
FAILED=0
DEMO="failed"
MMAP="unknown"
summary() {
  local line="node $NODE_VERSION: $PASSED passed, $FAILED failed, demo $DEMO, mmap $MMAP"
  if [ ${#failed_steps[@]} -gt 0 ]; then
    say "failed steps: ${failed_steps[*]}"
  fi
  say "total $((SECONDS - T_START)) s"
  echo "$line"
  [ ${#failed_steps[@]} -eq 0 ] && [ "$FAILED" -eq 0 ] && [ "$DEMO" = "ok" ] && [ "$MMAP" = "native" ]
}

if ! step "install" pnpm install --frozen-lockfile --config.side-effects-cache=false; then
  summary || exit 1
fi

# The native addons must have been compiled for this Node's ABI and must load in it.
check_natives() {
  local abi f found=0
  abi="node-v$(node -p process.versions.modules)-$(node -p 'process.platform + "-" + process.arch')"
  for pkg in '@riaskov+mmap-io@*/node_modules/@riaskov/mmap-io' 'zstd-napi@*/node_modules/zstd-napi'; do
    found=0
    # shellcheck disable=SC2231 # the glob is meant to expand
    for dir in node_modules/.pnpm/$pkg; do
      [ -d "$dir" ] || continue
      while IFS= read -r f; do
        found=1
        node -e 'const m = require(process.argv[1]); console.log(`loads in ${process.version}: ${process.argv[1]} (${Object.keys(m).length} exports)`)' "$PWD/$f" || {
          echo "does not load in $(node -v): $f"
          return 1
        }
      done < <(find "$dir/build" -name '*.node' -not -path '*/obj.target/*' 2>/dev/null)
    done
    if [ "$found" = "0" ]; then
      echo "no compiled .node file for $pkg (install script did not build it)"
      return 1
    fi
  done
  # mmap-core loads this one first (packages/mmap-core/src/bindings.ts, nativeBindingCandidates).
  ls node_modules/.pnpm/@riaskov+mmap-io@*/node_modules/@riaskov/mmap-io/build/binding/Release/"$abi"/mmap_io.node
}
step "native-addons" check_natives || true

if ! step "build" pnpm build; then
  summary || exit 1
fi
step "typecheck" pnpm typecheck || true

REPORT="$WORK/vitest.json"
run_tests() {
  # As in CI: a test worker that dies fails the run; nothing is rerun.
  pnpm vitest run --reporter=default --reporter=json --outputFile.json="$REPORT"
}
step "test" run_tests || true
if [ -f "$REPORT" ]; then
  read -r PASSED FAILED < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const deadSuites = (r.testResults || []).filter((s) => s.status === "failed" && (s.assertionResults || []).length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests + deadSuites);' "$REPORT")
  plain_log() { sed 's/\x1b\[[0-9;]*m//g' "$LOGS/test.log"; } # without colour codes
  plain_log | grep -E '^ *(Test Files|Tests) ' | sed 's/^/    /' || true
  if [ "$FAILED" -gt 0 ]; then
    say "failed tests and files:"
    plain_log | grep -E '^ *(FAIL|×) ' | sort -u | head -n 40 | sed 's/^/    /' || true
  fi
elif [[ " ${failed_steps[*]} " == *" test "* ]]; then
  FAILED=1 # no report at all: vitest itself did not run
fi

DEMO_OUT="$WORK/demo"
if step "demo" node apps/cli/dist/bin.js demo --out "$DEMO_OUT"; then
  DEMO="ok"
fi
INFO_JSON="$WORK/info.json"
run_info() { # stdout (the JSON document) apart from stderr (warnings), then shown in the log
  node apps/cli/dist/bin.js --json info "$DEMO_OUT/dataset" >"$INFO_JSON" && cat "$INFO_JSON"
}
if [ -d "$DEMO_OUT/dataset" ] && step "info" run_info; then
  # `mmtape --json info`: backend 'mmap' | 'fallback', backendReason when some file was read into memory.
  read -r BACKEND REASON < <(node -e '
    const info = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(info.backend ?? "unknown", info.backendReason ?? "");' "$INFO_JSON" 2>/dev/null || echo unknown) || true
  say "mmtape info: backend ${BACKEND:-unknown}${REASON:+ ($REASON)}"
  if [ "${BACKEND:-}" = "mmap" ] && [ -z "${REASON:-}" ]; then
    MMAP="native"
  else
    MMAP="fallback"
    failed_steps+=("mmap-backend")
  fi
fi

summary || exit 1
