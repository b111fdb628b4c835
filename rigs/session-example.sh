#!/usr/bin/env bash
# Drives one module step by step through `air780 session`: JSON commands in, JSON lines out.
# Usage: rigs/session-example.sh serial:///dev/ttyACM0 broker.example.com 1883
set -euo pipefail
conn=${1:?connection string, e.g. serial:///dev/ttyACM0}
host=${2:?broker host the module can reach}
port=${3:-1883}

coproc AIR780 { air780 session "$conn"; }
send() { echo "$1" >&"${AIR780[1]}"; }
# Reads lines until the reply with the given id and keeps it in $last (a $(...) subshell cannot read the
# coprocess); events and the hello pass by on stderr.
reply() {
  while read -r line <&"${AIR780[0]}"; do
    if [[ $line == *"\"id\":$1"* ]]; then last=$line; echo "$line"; return; fi
    echo "  $line" >&2
  done
  echo "air780 session ended before the reply to $1" >&2; exit 1
}
first_result() { sed -E 's/.*"result":\[([0-9]+)\].*/\1/' <<<"$last"; }

send "{\"id\":1,\"call\":\"mqtt.create\",\"args\":[null,\"$host\",$port]}"
reply 1; handle=$(first_result)
send "{\"id\":2,\"call\":\"mqtt.auth\",\"args\":[$handle,\"session-demo\"]}"; reply 2
send "{\"id\":3,\"call\":\"mqtt.on\",\"args\":[$handle,true]}"; reply 3
send "{\"id\":4,\"call\":\"mqtt.connect\",\"args\":[$handle]}"; reply 4
send "{\"id\":5,\"wait\":\"conack\",\"handle\":$handle,\"timeout\":30}"; reply 5
send "{\"id\":6,\"call\":\"mqtt.publish\",\"args\":[$handle,\"demo/hello\",\"hi from a script\",1]}"
reply 6; id=$(first_result)
send "{\"id\":7,\"wait\":\"sent\",\"handle\":$handle,\"message_id\":$id,\"timeout\":10}"; reply 7
send "{\"id\":8,\"call\":\"mqtt.close\",\"args\":[$handle]}"; reply 8
