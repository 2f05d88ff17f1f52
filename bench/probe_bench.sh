#!/usr/bin/env bash
# probe_bench.sh - wall time of `launchgate probe` against a loopback nginx lab, and of
# testssl.sh --fast / sslyze on one endpoint. A benchmark, never a test: run it by hand.
#
#   bench/probe_bench.sh          (from anywhere in the checkout; ../shared/ must be beside it)
#
# What it does:
#   1. cargo build --release --locked
#   2. installs what is missing and can be had: hyperfine and testssl.sh with apt-get (root only),
#      sslyze with pip in bench/.venv-sslyze (a tool that cannot be installed is left out)
#   3. starts three instances of ../shared/bench/tls_lab.sh (nginx, loopback only) sharing one
#      lab CA: 60 HTTPS ports from $LAB_BASE_PORT, 20 variants each; a trap stops them on exit
#   4. hyperfine: launchgate on the 20 targets of one lab, on 50 distinct endpoints (all 40 of the
#      first two labs + 10 of the third), and on a single endpoint beside testssl.sh --fast and sslyze
#   5. writes bench/PROBE_RESULTS.md (and raw hyperfine JSON/markdown in $OUT)
#
# env: RUNS (10)  SLOW_RUNS (3, for testssl.sh/sslyze)  LAB_BASE_PORT (28443; uses 60 ports from
#      there and 3 below it)  OUT (bench/out/probe)  LAB_DIR (/tmp/launchgate-probe-bench)
#      SKIP_BUILD=1 (use the existing target/release/launchgate)  RESULTS (bench/PROBE_RESULTS.md)
# Traffic goes to 127.0.0.1 only.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
LAB=${LAB:-$ROOT/../shared/bench/tls_lab.sh}
RUNS=${RUNS:-10}
SLOW_RUNS=${SLOW_RUNS:-3}
BASE=${LAB_BASE_PORT:-28443}
OUT=${OUT:-$HERE/out/probe}
LAB_DIR=${LAB_DIR:-/tmp/launchgate-probe-bench}
RESULTS=${RESULTS:-$HERE/PROBE_RESULTS.md}
VENV=$HERE/.venv-sslyze
BIN=$ROOT/target/release/launchgate

log() { echo "[probe_bench $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ -x $LAB ]] || die "$LAB not found (shared/ must be beside the repository)"
mkdir -p "$OUT"

# --- 1. build -------------------------------------------------------------------------------
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "cargo build --release"
  (cd "$ROOT" && nice cargo build --release --locked --quiet)
fi
[[ -x $BIN ]] || die "$BIN missing"

# --- 2. tools -------------------------------------------------------------------------------
apt_ready=0
apt_install() { # package: install quietly when root; never fatal
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
  if [[ $apt_ready == 0 ]]; then apt-get update -qq </dev/null >/dev/null 2>&1 || true; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" </dev/null >/dev/null 2>&1
}
command -v hyperfine >/dev/null || apt_install hyperfine || die "hyperfine missing (apt-get install hyperfine)"
# nginx reads $NGINX itself (sockets inherited on a binary upgrade) and then never daemonizes,
# so tls_lab.sh must find nginx on its own, without that variable in the environment.
unset NGINX
find_nginx() { NGINX_BIN=$(command -v nginx || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true); }
find_nginx
[[ -n $NGINX_BIN ]] || { apt_install nginx-light || apt_install nginx; find_nginx; }
[[ -n $NGINX_BIN ]] || die "nginx missing (apt-get install nginx-light)"
TESTSSL=$(command -v testssl || command -v testssl.sh || true)
if [[ -z $TESTSSL ]] && apt_install testssl.sh; then TESTSSL=$(command -v testssl || command -v testssl.sh || true); fi
[[ -n $TESTSSL ]] || log "testssl.sh unavailable: left out"
if [[ ! -x $VENV/bin/sslyze ]]; then
  log "installing sslyze into $VENV"
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q sslyze; } >"$OUT/sslyze-install.log" 2>&1 ||
    log "sslyze could not be installed (see $OUT/sslyze-install.log): left out"
fi
SSLYZE=; [[ -x $VENV/bin/sslyze ]] && SSLYZE=$VENV/bin/sslyze

# --- 3. lab ---------------------------------------------------------------------------------
labs=()
stop_labs() {
  local i
  for i in "${labs[@]}"; do TLS_LAB_DIR=$LAB_DIR/lab$i "$LAB" stop >/dev/null 2>&1 || true; done
}
trap stop_labs EXIT
trap 'exit 130' INT TERM
for i in 0 1 2; do
  d=$LAB_DIR/lab$i
  if ((i > 0)); then # share lab 0's CA and leaves, so one --ca-cert trusts all three labs
    mkdir -p "$d/certs" && cp "$LAB_DIR/lab0/certs/"*.crt "$LAB_DIR/lab0/certs/"*.key "$d/certs/"
  fi
  TLS_LAB_DIR=$d TLS_LAB_BASE_PORT=$((BASE + 20 * i)) TLS_LAB_HTTP_PORT=$((BASE - 1 - i)) \
    TLS_LAB_TTL=1800 TLS_LAB_STD_PORTS=0 "$LAB" start >&2 # refuses a lab already running in $d
  labs+=("$i")
done
CA=$LAB_DIR/lab0/certs/ca.crt
urls() { for ((p = BASE; p < BASE + $1; p++)); do printf 'https://127.0.0.1:%d/ ' "$p"; done; }
U20=$(urls 20)
U50=$(urls 50)
U1=https://127.0.0.1:$BASE/ # lab variant 0: TLS 1.2/1.3, every header, valid certificate
LG="$BIN probe --ca-cert $CA --timeout 5 --format json"

# Sanity: the 50-endpoint run must really probe 50 live endpoints.
# shellcheck disable=SC2086
$LG $U50 >"$OUT/probe50.json" || true
python3 - "$OUT/probe50.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))["probes"]
bad = [x["url"] for x in p if not x["reachable"] or x["errors"]]
assert len(p) == 50 and not bad, (len(p), bad)
print("sanity: 50 endpoints probed, all reachable, no probe errors", file=sys.stderr)
EOF

# --- 4. measure -----------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
hf() { # tag runs hyperfine-args...
  local tag=$1 runs=$2; shift 2
  log "hyperfine $tag"
  hyperfine --warmup 1 --runs "$runs" -i --style basic \
    --export-json "$OUT/$tag.json" --export-markdown "$OUT/$tag.md" "$@" >"$OUT/$tag.txt" 2>&1 ||
    die "hyperfine $tag failed: $(tail -5 "$OUT/$tag.txt")"
}
hf many "$RUNS" -n "launchgate probe x20" "$LG $U20" -n "launchgate probe x50" "$LG $U50" \
  -n "launchgate probe x50 --probe-concurrency 50" "$LG --probe-concurrency 50 $U50"
single=(-n "launchgate probe x1" "$LG $U1")
[[ -n $TESTSSL ]] && single+=(-n "testssl.sh --fast x1" "$TESTSSL --fast --quiet --color 0 --warnings off --nodns none 127.0.0.1:$BASE")
[[ -n $SSLYZE ]] && single+=(-n "sslyze x1" "$SSLYZE --quiet 127.0.0.1:$BASE")
hf single "$SLOW_RUNS" "${single[@]}"

# --- 5. report ------------------------------------------------------------------------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
versions="launchgate $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty')"
versions+=", $("$NGINX_BIN" -v 2>&1), $(hyperfine --version)"
[[ -n $TESTSSL ]] && versions+=", testssl.sh $({ "$TESTSSL" --version 2>/dev/null || true; } | grep -o -m1 '[0-9]\.[0-9][0-9a-z.+-]*' | head -1)"
[[ -n $SSLYZE ]] && versions+=", sslyze $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sslyze"))')"
python3 - "$OUT" "$RESULTS" "$(date -u +%Y-%m-%d)" "$(nproc)" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" "$versions" "$RUNS" "$SLOW_RUNS" "$LOAD_BEFORE" "$LOAD_AFTER" <<'EOF'
import json, sys
out, results, date, nproc, cpu, versions, runs, slow_runs, load0, load1 = sys.argv[1:]
load = lambda t: {r["command"]: r for r in json.load(open(f"{out}/{t}.json"))["results"]}
many, single = load("many"), load("single")
ms = lambda s: "%.0f" % (s * 1000) if s >= 0.1 else "%.1f" % (s * 1000)
def table(res, ref):
    rows = ["| command | median ms | mean ± sd ms | min–max ms | ratio (median) |", "|---|---:|---:|---:|---:|"]
    for name, r in res.items():
        rows.append("| %s | %s | %s ± %s | %s–%s | %.1f× |" % (name, ms(r["median"]), ms(r["mean"]),
                    ms(r["stddev"] or 0), ms(r["min"]), ms(r["max"]), r["median"] / res[ref]["median"]))
    return "\n".join(rows)
with open(results, "w") as f:
    f.write(f"""# Probe benchmark

Generated by `bench/probe_bench.sh` (re-run it to refresh this file).

* date: {date}
* machine: {nproc} cores (`nproc`), {cpu}; shared with other work: load average {load0} before the
  measurements, {load1} after (1/5/15 min), so absolute times carry that noise
* versions: {versions}
* target: nginx on 127.0.0.1 started by `../shared/bench/tls_lab.sh` — three lab instances sharing one lab
  CA, 60 HTTPS ports, 20 variants each (full headers, none, expired, wrong host name, TLS 1.0/1.1, TLS 1.3
  only, CBC suites, …)
* each `launchgate probe` run: `--ca-cert <lab CA> --timeout 5 --format json`, `--probe-concurrency 16` (the
  default) unless said otherwise;
  per URL one TLS-facts handshake, the GET chain and a CORS GET (no plain-HTTP check: the URLs carry a port)

## Many endpoints ({runs} runs after 1 warm-up; ratio vs x20)

{table(many, "launchgate probe x20")}

x50 = 50 distinct endpoints: all 40 ports of the first two labs and 10 of the third (extra nginx servers,
no URL repeated). The target was under 1 s in total on 2 cores.

## One HTTPS endpoint ({slow_runs} runs after 1 warm-up; ratio vs launchgate)

{table(single, "launchgate probe x1")}

Not the same work: `testssl.sh --fast` and `sslyze` enumerate protocols, cipher suites and known
vulnerabilities with many handshakes; launchgate does one TLS handshake plus two HTTP requests and also
grades headers (Observatory) and certificate facts. The ratio says what a CI gate pays per URL, not
that the scanners are slow at what they do.
""")
print(open(results).read())
EOF
log "wrote $RESULTS"
