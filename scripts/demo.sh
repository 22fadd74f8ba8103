#!/usr/bin/env bash
# make demo: three meetupd nodes on loopback (Sam, and Sam's friends Alice and Bob), paired with their
# real cards; Sam arms a plan with a 5 s check-in interval and misses it; the alert is shown as each
# friend's node received it. Everything lives in a temporary directory, removed on exit.
set -euo pipefail
bin="$(swift build --show-bin-path)"
work="$(mktemp -d -t meetup-demo-XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ctl() { local who="$1"; shift; "$bin/meetupctl" --home "$work/$who" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

for who in sam alice bob; do
    "$bin/meetupd" --home "$work/$who" --listen 127.0.0.1:0 --name "$who" 2>"$work/$who.log" &
    pids+=("$!")
done
for who in sam alice bob; do
    for _ in $(seq 100); do ctl "$who" status >/dev/null 2>&1 && break; sleep 0.1; done
done

say "Each node has a card: one line to paste into a chat (Sam's):"
ctl sam id
say "Sam adds Alice and Bob; they add Sam"
ctl sam contacts add Alice "$(ctl alice id | head -1)"
ctl sam contacts add Bob "$(ctl bob id | head -1)"
ctl alice contacts add Sam "$(ctl sam id | head -1)" >/dev/null
ctl bob contacts add Sam "$(ctl sam id | head -1)" >/dev/null
ctl sam contacts list

say "Sam sets a PIN (2580) and a duress PIN (0852), then arms a plan: check in every 5 s, 2 s of grace"
printf '2580\n0852\n' | ctl sam pin set
ctl sam arm --match "Alex (coco.gg)" --platform coco --phone "+33 6 00 00 00 00" \
    --place "Le Quetzal, 10 rue de la Verrerie" --geo 48.8583,2.3542 --every 5s --grace 2s --for 1h

say "Sam does not check in. Waiting for deadline + grace (7 s)..."
for _ in $(seq 100); do
    [ -n "$(ctl alice alerts --json | tr -d '[:space:]' | sed 's/^\[\]$//')" ] && break
    sleep 0.1
done
id="$(ctl alice alerts --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"

say "What Alice's node shows"
ctl alice alerts show "$id"
say "What Bob's node shows"
ctl bob alerts
say "Alice acknowledges; Sam's node sees who received and who acknowledged"
ctl alice alerts ack "$id"
sleep 1
ctl sam status current
say "Done. Try it yourself: the README's \"Peer-to-peer alerts\" section."
