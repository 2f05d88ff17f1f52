#!/usr/bin/env bash
# Builds starting corpora for the fuzz targets from files already in the repository
# (fuzz/corpus is git-ignored; libFuzzer adds what it finds there).
set -euo pipefail
cd "$(dirname "$0")"
root=..
mkdir -p corpus/{env_parser,rule_loader,yaml_select,nginx_parser,probe_headers}
n=0
for f in $(find "$root/fixtures/projects" -name '.env*' -type f); do
  n=$((n + 1)); cp "$f" "corpus/env_parser/seed-$n"
done
printf 'export A="x\\ny" # c\nB=\x27raw $X\x27\nC="multi\nline"\nA=dup\n' > corpus/env_parser/seed-shapes
for f in "$root"/checks/*.toml "$root"/fixtures/rule-errors/*.toml; do
  cp "$f" "corpus/rule_loader/$(basename "$f")"
done
n=0
for f in $(find "$root/fixtures/projects" -name '*.y*ml' -type f); do
  n=$((n + 1))
  { echo 'services.*.environment[*]'; cat "$f"; } > "corpus/yaml_select/seed-$n"
done
printf 'a.b[0]\nx: &a [1, {b: *a}]\n<<: *a\n---\n{"a": {"b": [1, 2]}}\n' > corpus/yaml_select/seed-alias
for f in $(find "$root/fixtures/projects" -name '*.conf' -type f); do
  cp "$f" "corpus/nginx_parser/$(echo "$f" | tr '/' '_')"
done
printf 'HTTP/1.1 200 OK\r\nSet-Cookie: sid=abc; Secure; HttpOnly; SameSite=Lax\r\nSet-Cookie: VALUEONLY\r\nContent-Security-Policy: default-src %s; script-src %s %s\r\nStrict-Transport-Security: max-age=63072000; includeSubDomains; preload\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\nLocation: //other.test/x?y#z\r\nServer: nginx/1.25\r\n X-Folded: yes\r\n\r\n' "'none'" "'self'" "'nonce-abc'" > corpus/probe_headers/seed-full
printf 'HTTP/1.1 302 Found\nLocation: ../up?q=1\n\n' > corpus/probe_headers/seed-lf
echo "seeded: $(find corpus -type f | wc -l) files"
