#!/usr/bin/env bash
# wrk (apt-get install wrk) against ours and bare node:http, alternating ours, bare, bare, ours,
# 4 s each, for 200s and for 304s to If-None-Match; prints the ratios. Start bench/wrk/setup.ts first:
#   npx tsx bench/wrk/setup.ts &   (wait for "ready")   bash bench/wrk/run.sh   kill %1
set -euo pipefail
. /tmp/wrk-targets.sh
echo "body $BYTES bytes"
rps() { wrk -t1 -c32 -d4s "$@" | awk '/Requests\/sec/ {print $2}'; }
wrk -t1 -c32 -d1s "$OURS" >/dev/null; wrk -t1 -c32 -d1s "$BARE" >/dev/null
for i in 1 2 3; do
  o1=$(rps "$OURS"); b1=$(rps "$BARE"); b2=$(rps "$BARE"); o2=$(rps "$OURS")
  n1=$(rps -H "If-None-Match: $ETAG" "$OURS"); m1=$(rps -H "If-None-Match: $ETAG" "$BARE")
  m2=$(rps -H "If-None-Match: $ETAG" "$BARE"); n2=$(rps -H "If-None-Match: $ETAG" "$OURS")
  echo "run $i: 200 ours $o1 $o2 bare $b1 $b2 ratio $(echo "($o1+$o2)/($b1+$b2)" | bc -l | cut -c1-5)" \
    "| 304 ours $n1 $n2 bare $m1 $m2 ratio $(echo "($n1+$n2)/($m1+$m2)" | bc -l | cut -c1-5)"
done
