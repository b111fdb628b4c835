"""One paho-mqtt (Debian python3-paho-mqtt, 1.6) session for the corpus; every wait is on a paho callback.

usage: paho_client.py HOST PORT CLIENT_ID SCENARIO [ARGS]
  qos N            subscribe to its own topic at QoS N, publish one message at QoS N, receive it, disconnect
  will USER PASS   will (QoS 1) and username/password, publish at QoS 1, disconnect cleanly (the will is discarded)
  keepalive K N    keepalive K seconds, stay idle until N PINGRESP came back, disconnect
  persist          clean session off: subscribe, disconnect, resume the session, publish to itself, receive, disconnect
  resend           clean session off: publish at QoS 1 and wait for its PUBACK across whatever reconnects happen
"""
import sys
import threading

import paho.mqtt.client as mqtt

TIMEOUT = 30
host, port, client_id, scenario, args = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]


def wait(event, what):
    if not event.wait(TIMEOUT):
        sys.exit(f"paho {client_id}: no {what} within {TIMEOUT} s")


def session(clean=True, keepalive=60, configure=None):
    """Connects and returns the client with its loop running, once CONNACK arrived."""
    c = mqtt.Client(client_id=client_id, clean_session=clean, protocol=mqtt.MQTTv311)
    c.events = {name: threading.Event() for name in ("connected", "subscribed", "published", "message", "disconnected")}
    c.on_connect = lambda cl, u, f, rc: c.events["connected"].set() if rc == 0 else print(f"CONNACK {rc}", file=sys.stderr)
    c.on_subscribe = lambda cl, u, mid, q: c.events["subscribed"].set()
    c.on_publish = lambda cl, u, mid: c.events["published"].set()
    c.on_message = lambda cl, u, m: c.events["message"].set()
    c.on_disconnect = lambda cl, u, rc: c.events["disconnected"].set()
    if configure:
        configure(c)
    c.connect(host, port, keepalive)
    c.loop_start()
    wait(c.events["connected"], "accepting CONNACK")
    return c


def close(c):
    c.disconnect()
    wait(c.events["disconnected"], "disconnect")
    c.loop_stop()


def round_trip(c, topic, qos):
    c.subscribe(topic, qos)
    wait(c.events["subscribed"], "SUBACK")
    c.publish(topic, f"paho at qos {qos}", qos)
    wait(c.events["published"], "publish completion")
    wait(c.events["message"], "message")


topic = f"corpus/paho/{client_id}"
if scenario == "qos":
    c = session()
    round_trip(c, topic, int(args[0]))
    close(c)
elif scenario == "will":
    def configure(c):
        c.will_set(f"{topic}/will", "gone", qos=1)
        c.username_pw_set(args[0], args[1])
    c = session(configure=configure)
    c.publish(topic, "signed in", 1)
    wait(c.events["published"], "PUBACK")
    close(c)
elif scenario == "keepalive":
    pongs, enough = [0], threading.Event()

    def count(cl, u, level, text):
        if text.startswith("Received PINGRESP"):
            pongs[0] += 1
            if pongs[0] >= int(args[1]):
                enough.set()
    c = session(keepalive=int(args[0]), configure=lambda c: setattr(c, "on_log", count))
    wait(enough, f"{args[1]} PINGRESP")
    close(c)
elif scenario == "persist":
    c = session(clean=False)
    c.subscribe(topic, 1)
    wait(c.events["subscribed"], "SUBACK")
    close(c)
    c = session(clean=False)
    round_trip(c, topic, 1)
    close(c)
elif scenario == "resend":
    c = session(clean=False)
    c.publish(topic, "until acknowledged", 1)
    print("published", flush=True)
    wait(c.events["published"], "PUBACK")
    close(c)
else:
    sys.exit(f"unknown scenario {scenario}")
