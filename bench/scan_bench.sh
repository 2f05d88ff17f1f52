#!/usr/bin/env bash
# scan_bench.sh - speed and memory of `launchgate scan` on synthetic monorepos, beside
# `rg --hidden`, checkov and detect-secrets. A benchmark, never a test: run it by hand.
#
#   bench/scan_bench.sh        (from anywhere in the checkout; ../shared/ must be beside it)
#
# What it does:
#   1. cargo build --release --locked
#   2. installs what is missing: ripgrep, hyperfine and GNU time with apt-get (root only);
#      checkov and detect-secrets with pip in a virtualenv under $BENCH_DIR
#   3. generates the corpora with ../shared/bench/gen_corpus.py (seed 42, --git) under
#      $BENCH_DIR/corpus: synth-10k (--services 50 --files-per-service 200) and synth-100k
#      (--services 200 --files-per-service 500); an existing corpus with the same manifest is reused
#   4. per corpus, alternating runs (rg, launchgate, rg, launchgate, ...) after one warm-up each,
#      every run under /usr/bin/time -v: median wall time, files/s, peak memory (max RSS)
#   5. checkov (-d, frameworks dockerfile kubernetes secrets) and detect-secrets scan: they take
#      minutes, so $PEER_RUNS run(s) on synth-10k only (PEER_CORPORA to change)
#   6. startup: hyperfine of `launchgate rules list`; identity: the JSON reports of --jobs 1 and
#      of the default thread count are byte-compared on every corpus
#   7. writes bench/SCAN_RESULTS.md (raw measurements in $BENCH_DIR/out)
#
# env: BENCH_DIR (/tmp/launchgate-bench)  RUNS (10)  PEER_RUNS (1)  PEER_CORPORA (synth-10k)
#      PEER_TIMEOUT (3600 s)  CORPORA ("synth-10k synth-100k")  SKIP_BUILD=1  SKIP_PEERS=1
#      RESULTS (bench/SCAN_RESULTS.md)
# The machine should be otherwise idle; the report records nproc, CPU, memory and load.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
BENCH_DIR=${BENCH_DIR:-/tmp/launchgate-bench}
RUNS=${RUNS:-10}
PEER_RUNS=${PEER_RUNS:-1}
PEER_CORPORA=${PEER_CORPORA:-synth-10k}
PEER_TIMEOUT=${PEER_TIMEOUT:-3600}
CORPORA=${CORPORA:-synth-10k synth-100k}
RESULTS=${RESULTS:-$HERE/SCAN_RESULTS.md}
OUT=$BENCH_DIR/out
LG=$ROOT/target/release/launchgate
PATTERN='API_KEY|SECRET|PASSWORD'

die() { echo "scan_bench: $*" >&2; exit 2; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

[[ -f $SHARED/gen_corpus.py ]] ||
  die "$SHARED/gen_corpus.py not found: the benchmark needs the shared/ folder beside the repository (../shared/bench)"
mkdir -p "$BENCH_DIR/corpus" "$OUT"

# --- tools -------------------------------------------------------------------------
need_apt=()
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
[[ -x /usr/bin/time ]] || need_apt+=(time)
if ((${#need_apt[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing ${need_apt[*]}: install them (apt-get install ${need_apt[*]}) or run as root"
  log "apt-get install ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
VENV=$BENCH_DIR/venv
if [[ -z ${SKIP_PEERS:-} ]]; then
  if [[ ! -x $VENV/bin/checkov || ! -x $VENV/bin/detect-secrets ]]; then
    log "pip install checkov detect-secrets into $VENV (a few minutes)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q checkov detect-secrets
  fi
fi

if [[ -z ${SKIP_BUILD:-} ]]; then
  log "cargo build --release --locked"
  (cd "$ROOT" && cargo build --release --locked -q)
fi
[[ -x $LG ]] || die "$LG not built"

# --- corpora -----------------------------------------------------------------------
declare -A SIZES=([synth-10k]="50 200" [synth-100k]="200 500")
for c in $CORPORA; do
  [[ -n ${SIZES[$c]:-} ]] || die "unknown corpus $c (synth-10k or synth-100k)"
  read -r services fps <<<"${SIZES[$c]}"
  dir=$BENCH_DIR/corpus/$c
  if python3 - "$dir.manifest.json" "$services" "$fps" <<'EOF' 2>/dev/null && [[ -e $dir/.git ]]; then
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if (m["seed"], m["services"], m["files_per_service"]) == (42, int(sys.argv[2]), int(sys.argv[3])) else 1)
EOF
    log "reusing $dir"
  else
    log "generating $dir (seed 42, $services services x $fps files, --git)"
    python3 "$SHARED/gen_corpus.py" "$dir" --services "$services" --files-per-service "$fps" \
      --seed 42 --git --force >&2
  fi
done

# --- measurements (one Python driver: alternating runs, GNU time -v for each) ------------
export LG PATTERN RUNS PEER_RUNS PEER_CORPORA PEER_TIMEOUT CORPORA OUT BENCH_DIR VENV RESULTS SKIP_PEERS
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
python3 - <<'EOF'
import json, os, platform, re, statistics, subprocess, sys, time

E = os.environ
LG, OUT, BENCH = E["LG"], E["OUT"], E["BENCH_DIR"]
RUNS, PEER_RUNS = int(E["RUNS"]), int(E["PEER_RUNS"])
CORPORA = E["CORPORA"].split()
PEERS_ON = set(E["PEER_CORPORA"].split()) if not E.get("SKIP_PEERS") else set()
VENV = E["VENV"]

def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)

COMMANDS = {
    "rg": ["rg", "--hidden", "-c", E["PATTERN"], "."],
    "launchgate": [LG, "scan", ".", "--format", "json", "-o", "/dev/null", "--fail-on", "never"],
    "checkov": [VENV + "/bin/checkov", "-d", ".", "--quiet", "--compact", "--framework", "dockerfile",
                "kubernetes", "secrets", "--skip-download", "-o", "cli"],
    "detect-secrets": [VENV + "/bin/detect-secrets", "scan", "."],
}

def timed(name, cwd, timeout=None):
    """One run under GNU time -v: (wall s, max RSS KiB, exit code)."""
    tf = os.path.join(OUT, "time.txt")
    t0 = time.perf_counter()
    try:
        rc = subprocess.run(["/usr/bin/time", "-v", "-o", tf] + COMMANDS[name], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return None, None, "timeout"
    wall = time.perf_counter() - t0
    text = open(tf).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    m = re.search(r"Exit status: (\d+)", text)
    return wall, rss, int(m.group(1)) if m else rc

def corpus_stats(d):
    files = int(subprocess.run("find . -type f | wc -l", shell=True, cwd=d, capture_output=True,
                               text=True).stdout)
    size = int(subprocess.run("du -sb --exclude=.git . | cut -f1", shell=True, cwd=d,
                              capture_output=True, text=True).stdout)
    return files, size

results = {}
for c in CORPORA:
    d = os.path.join(BENCH, "corpus", c)
    files, size = corpus_stats(d)
    report = json.loads(subprocess.run(COMMANDS["launchgate"][:3] + ["--format", "json", "--fail-on", "never"],
                                       cwd=d, capture_output=True, text=True).stdout)
    inv = report["inventory"]
    r = results[c] = {"files": files, "bytes": size, "files_read": inv["files_read"],
                      "files_seen": inv["files_seen"], "runs": {}}
    log("%s: %d files, %.1f MB; launchgate reads %d" % (c, files, size / 1e6, inv["files_read"]))
    for name in ("rg", "launchgate"):
        timed(name, d)  # warm-up (page cache)
    runs = {"rg": [], "launchgate": []}
    for i in range(RUNS):
        for name in ("rg", "launchgate"):
            runs[name].append(timed(name, d))
        log("%s round %d/%d: rg %.2fs, launchgate %.2fs" % (c, i + 1, RUNS, runs["rg"][-1][0],
                                                            runs["launchgate"][-1][0]))
    for name in ("checkov", "detect-secrets"):
        if c in PEERS_ON:
            runs[name] = []
            for i in range(PEER_RUNS):
                log("%s: %s (run %d/%d, takes minutes)" % (c, name, i + 1, PEER_RUNS))
                runs[name].append(timed(name, d, timeout=int(E["PEER_TIMEOUT"])))
                log("%s: %s %s" % (c, name, runs[name][-1]))
    r["runs"] = runs
    # identical reports whatever the thread count
    outs = []
    for jobs in ("1", "0"):
        p = os.path.join(OUT, "%s-jobs%s.json" % (c, jobs))
        subprocess.run([LG, "scan", ".", "--format", "json", "-o", p, "--fail-on", "never", "--jobs", jobs],
                       cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        outs.append(open(p, "rb").read())
    r["identical_jobs"] = outs[0] == outs[1]

hf = os.path.join(OUT, "rules-list.json")
subprocess.run(["hyperfine", "-N", "--warmup", "5", "--runs", "50", "--export-json", hf,
                LG + " rules list"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
startup = json.load(open(hf))["results"][0]
json.dump({"results": results, "startup": startup}, open(os.path.join(OUT, "scan_bench.json"), "w"), indent=1)

# --- report ---------------------------------------------------------------------------
def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
           platform.processor())
mem = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 2**20
version = subprocess.run([LG, "--version"], capture_output=True, text=True).stdout.strip()
rgv = subprocess.run(["rg", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
peerv = []
for name, args in (("checkov", ["--version"]), ("detect-secrets", ["--version"])):
    exe = COMMANDS[name][0]
    if os.path.exists(exe):
        peerv.append("%s %s" % (name, subprocess.run([exe] + args, capture_output=True, text=True).stdout.strip()))
L = []
L.append("# `launchgate scan` benchmark\n")
L.append("Generated by `bench/scan_bench.sh` on %s. Machine: %d cores (`nproc`), %s, %.0f GiB; "
         "load average %s when the report was written. %s; %s; %s.\n" % (
             time.strftime("%Y-%m-%d"), os.cpu_count(), cpu, mem,
             open("/proc/loadavg").read().split()[0], version, rgv, ", ".join(peerv) or "peers not run"))
L.append("Corpora: `../shared/bench/gen_corpus.py --seed 42 --git` (synth-10k: `--services 50 "
         "--files-per-service 200`; synth-100k: `--services 200 --files-per-service 500`). Every run "
         "is timed under GNU `time -v`; rg and launchgate alternate, after one warm-up run each; the "
         "table shows medians (min–max) of %d runs, and %d run(s) of each peer. Files/s counts every "
         "file of the corpus (`find -type f`).\n" % (RUNS, PEER_RUNS))
L.append("| corpus | command | wall s, median (min–max) | files/s | peak RSS MiB | ratio |")
L.append("|---|---|---:|---:|---:|---|")
summary = {}
for c, r in results.items():
    walls = {n: [w for w, _, _ in v if w is not None] for n, v in r["runs"].items()}
    rss = {n: [m for _, m, _ in v if m is not None] for n, v in r["runs"].items()}
    lg = med(walls["launchgate"])
    rgm = med(walls["rg"])
    summary[c] = {"lg": lg, "rg": rgm, "rss": max(rss["launchgate"]) / 1024}
    for n in ("rg", "launchgate", "checkov", "detect-secrets"):
        if n not in walls:
            continue
        w = walls[n]
        if not w:
            L.append("| %s | %s | timed out (%s s) | | | |" % (c, n, E["PEER_TIMEOUT"]))
            continue
        m = med(w)
        ratio = {"rg": "", "launchgate": "launchgate/rg = %.2f×" % (lg / rgm)}.get(
            n, "%s/launchgate = %.0f×" % (n, m / lg))
        summary[c][n] = m
        L.append("| %s | `%s` | %.3f (%.3f–%.3f) | %.0f | %.1f | %s |" % (
            c, " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(COMMANDS[n])),
            m, min(w), max(w), r["files"] / m, max(rss[n]) / 1024, ratio))
L.append("")
L.append("Corpus sizes: " + "; ".join("%s %d files, %.0f MB (launchgate read %d, the others are "
         "ignored by .gitignore, binary, or needed by no rule)" % (c, r["files"], r["bytes"] / 1e6,
                                                                   r["files_read"]) for c, r in results.items()) + ".\n")
L.append("Startup with the embedded pack: `launchgate rules list` %.1f ms median (%.1f–%.1f, %d runs, hyperfine).\n" % (
    startup["median"] * 1000, startup["min"] * 1000, startup["max"] * 1000, len(startup["times"])))
L.append("Output identity: the JSON reports of `--jobs 1` and of the default thread count are %s.\n" % (
    "byte-identical on " + ", ".join(results) if all(r["identical_jobs"] for r in results.values())
    else "DIFFERENT on " + ", ".join(c for c, r in results.items() if not r["identical_jobs"])))
if "synth-10k" in summary and "synth-100k" in summary:
    a, b = summary["synth-10k"], summary["synth-100k"]
    L.append("Memory growth from synth-10k to synth-100k: %.1f MiB → %.1f MiB (×%.2f for ×%.1f files).\n" % (
        a["rss"], b["rss"], b["rss"] / a["rss"], results["synth-100k"]["files"] / results["synth-10k"]["files"]))
open(E["RESULTS"], "w").write("\n".join(L))
log("wrote %s" % E["RESULTS"])
print("\n".join(L))
EOF
