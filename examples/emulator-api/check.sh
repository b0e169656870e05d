#!/usr/bin/env bash
# check.sh: what a PHP, Java or Python team copies into its CI to test a
# service that pushes through Baidu Cloud Push, against `bpush emulator`:
# start the emulator, let the code under test push (here: bpush itself),
# and assert with curl on the emulator's JSON API that the device got the
# notification, exactly once.
#
# Needs bpush (go install ./cmd/bpush from this repository), curl and grep.
#   PORT=18088 examples/emulator-api/check.sh
set -euo pipefail

PORT=${PORT:-18088}
BASE=http://127.0.0.1:$PORT
DEVICE=3973380163216521844
export BAIDU_PUSH_API_KEY=CiApiKey000000000000000 BAIDU_PUSH_SECRET_KEY=CiSecretKey0000000000000000000000
export BAIDU_PUSH_HOST=$BASE

# 1. The emulator, in the background; messages are delivered at once.
bpush emulator --addr "127.0.0.1:$PORT" --delivery-delay 0s >/dev/null 2>&1 &
emulator=$!
trap 'kill $emulator 2>/dev/null' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$BASE/api/v1/clock" >/dev/null 2>&1 && break
  sleep 0.1
done

# 2. A clean slate, then the code under test pushes (your service would,
#    pointed at $BAIDU_PUSH_HOST with these keys).
curl -fsS -X POST "$BASE/api/v1/reset" >/dev/null
bpush push device "$DEVICE" --title "Order shipped" --description "Your order 42 is on its way" >/dev/null

# 3. Assert what the device received.
inbox=$(curl -fsS "$BASE/api/v1/devices/$DEVICE/messages")
echo "$inbox" | grep -q '"total": 1' || { echo "FAIL: want exactly one message, got: $inbox"; exit 1; }
echo "$inbox" | grep -q '"msg_type": "notification"' || { echo "FAIL: not a notification: $inbox"; exit 1; }
echo "$inbox" | grep -q '"title": "Order shipped"' || { echo "FAIL: wrong title: $inbox"; exit 1; }

# 4. And that the service was asked once, and every request authenticated.
requests=$(curl -fsS "$BASE/api/v1/requests?endpoint=push/single_device")
echo "$requests" | grep -q '"total": 1' || { echo "FAIL: want one push/single_device call: $requests"; exit 1; }
failed=$(curl -fsS "$BASE/api/v1/requests?code=30603")
echo "$failed" | grep -q '"total": 0' || { echo "FAIL: a request failed authentication: $failed"; exit 1; }

echo "ok: device $DEVICE received the notification, once"
