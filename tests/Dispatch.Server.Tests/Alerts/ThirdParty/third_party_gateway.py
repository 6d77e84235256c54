#!/usr/bin/python3
"""A camera gateway that is not ours: Debian's python3-grpcio with stubs generated from protos/ at run time.

It speaks dispatch.v1.CameraGateway from the .proto files alone, the way a camera vendor would, and prints
one JSON object with what the service answered. The C# tests choose the scenario and assert on the JSON.

usage: third_party_gateway.py PROTOS_DIR TARGET SCENARIO GATEWAY_ID CREDENTIAL CAMERA_ID
"""
import json
import os
import queue
import sys
import tempfile
import threading
import time
import uuid

from grpc_tools import protoc

PROTOS, TARGET, SCENARIO, GATEWAY, CREDENTIAL, CAMERA = sys.argv[1:7]

# Stubs are generated from the contract for this run only, so the test always speaks the current protos/.
STUBS = tempfile.mkdtemp(prefix="dispatch-pystubs-")
GRPC_TOOLS_PROTOS = os.path.join(os.path.dirname(protoc.__file__), "_proto")
for proto in ("dispatch/v1/alert.proto", "dispatch/v1/video.proto", "dispatch/v1/camera_gateway.proto"):
    if protoc.main(["protoc", "-I" + PROTOS, "-I" + GRPC_TOOLS_PROTOS,
                    "--python_out=" + STUBS, "--grpc_python_out=" + STUBS, proto]) != 0:
        sys.exit("protoc failed on " + proto)
sys.path.insert(0, STUBS)

import grpc  # noqa: E402
from dispatch.v1 import alert_pb2, camera_gateway_pb2, camera_gateway_pb2_grpc  # noqa: E402

WAIT_SECONDS = 20


def new_alert(alert_id=None, snapshot=b""):
    alert = alert_pb2.Alert(
        alert_id=alert_id or uuid.uuid4().hex,
        camera_id=CAMERA,
        kind=alert_pb2.ALERT_KIND_LOITERING,
        confidence=0.8,
        snapshot_jpeg=snapshot,
    )
    alert.observed_at.GetCurrentTime()
    return alert


def ack_json(ack):
    return {
        "alert_id": ack.alert_id[:200],
        "outcome": alert_pb2.AlertOutcome.Name(ack.outcome),
        "reason": alert_pb2.RejectReason.Name(ack.reject_reason) if ack.reject_reason in alert_pb2.RejectReason.values()
        else str(ack.reject_reason),
        "message": ack.message[:500],
        "incident_id": ack.incident_id,
    }


def error_json(error):
    return {"code": error.code().name, "detail_length": len(error.details() or ""), "detail": (error.details() or "")[:300]}


class Session:
    """One Connect stream: messages are queued for sending, answers collected by a reader thread."""

    def __init__(self, stub):
        self._outbox = queue.Queue()
        self._cond = threading.Condition()
        self.welcome = None
        self.acks = []
        self.error = None
        self.ended = False
        self._call = stub.Connect(self._requests())
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _requests(self):
        while True:
            message = self._outbox.get()
            if message is None:
                return
            yield message

    def _read(self):
        try:
            for message in self._call:
                with self._cond:
                    if message.HasField("welcome"):
                        self.welcome = message.welcome
                    elif message.HasField("ack"):
                        self.acks.append(message.ack)
                    self._cond.notify_all()
        except grpc.RpcError as error:
            self.error = error
        finally:
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def send(self, **body):
        self._outbox.put(camera_gateway_pb2.GatewayMessage(**body))

    def hello(self, gateway_id=GATEWAY, cameras=()):
        self.send(hello=camera_gateway_pb2.Hello(gateway_id=gateway_id, credential=CREDENTIAL,
                                                 cameras=list(cameras), software="third-party-python/1.0"))
        with self._cond:
            self._cond.wait_for(lambda: self.welcome is not None or self.ended, WAIT_SECONDS)
        return self.welcome

    def wait_acks(self, count):
        with self._cond:
            self._cond.wait_for(lambda: len(self.acks) >= count or self.ended, WAIT_SECONDS)
        return list(self.acks)

    def close(self):
        self._outbox.put(None)
        with self._cond:
            self._cond.wait_for(lambda: self.ended, WAIT_SECONDS)

    def result(self):
        return {
            "welcomed": self.welcome is not None,
            "acks": [ack_json(a) for a in self.acks],
            "error": error_json(self.error) if self.error is not None else None,
        }


def oversized_alert(stub):
    """An alert of 3 MiB (over the service's message limit) between two ordinary ones on one stream."""
    session = Session(stub)
    session.hello()
    session.send(alert=new_alert("before-" + uuid.uuid4().hex))
    session.wait_acks(1)
    session.send(alert=new_alert("huge-" + uuid.uuid4().hex, snapshot=b"\xff\xd8\xff" + os.urandom(3 * 1024 * 1024)))
    session.send(alert=new_alert("after-" + uuid.uuid4().hex))
    session.wait_acks(3)
    session.close()
    return session.result()


def oversized_publish(stub):
    """The same 3 MiB alert through PublishAlert."""
    metadata = (("authorization", "Bearer " + CREDENTIAL), ("x-dispatch-gateway-id", GATEWAY))
    alert = new_alert("huge-unary-" + uuid.uuid4().hex, snapshot=b"\xff\xd8\xff" + os.urandom(3 * 1024 * 1024))
    try:
        return {"ack": ack_json(stub.PublishAlert(alert, metadata=metadata, timeout=WAIT_SECONDS)), "error": None}
    except grpc.RpcError as error:
        return {"ack": None, "error": error_json(error)}


def new_camera_without_location(stub):
    """A camera the service has never seen, announced in Hello without a location."""
    session = Session(stub)
    camera = camera_gateway_pb2.CameraInfo(camera_id="PY-NOLOC-" + uuid.uuid4().hex[:8], name="no place given")
    welcome = session.hello(cameras=[camera])
    session.close()
    return {
        "welcomed": welcome is not None,
        "refused": list(welcome.refused_camera_ids) if welcome else [],
        "reasons": [alert_pb2.RejectReason.Name(r) for r in welcome.refused_reasons] if welcome else [],
    }


# observed_at values a Timestamp cannot hold (valid: seconds within 0001-01-01..9999-12-31, nanos 0..999,999,999).
EXTREME_TIMES = {
    "before_year_1": (-62135596800 - 1, 0),
    "after_year_9999": (253402300800, 0),
    "int64_max": (2**63 - 1, 0),
    "int64_min": (-(2**63), 0),
    "negative_nanos": (int(time.time()), -1),
    "nanos_one_second": (int(time.time()), 1_000_000_000),
}


def extreme_observed_at_connect(stub):
    """Every extreme observed_at on one stream, then an ordinary alert: each must get exactly one ack."""
    session = Session(stub)
    session.hello()
    sent = {}
    for name, (seconds, nanos) in EXTREME_TIMES.items():
        alert = new_alert(name + "-" + uuid.uuid4().hex)
        alert.observed_at.seconds = seconds
        alert.observed_at.nanos = nanos
        sent[alert.alert_id] = name
        session.send(alert=alert)
    last = new_alert("ordinary-" + uuid.uuid4().hex)
    sent[last.alert_id] = "ordinary"
    session.send(alert=last)
    session.wait_acks(len(sent))
    session.close()
    result = session.result()
    result["sent"] = sent
    return result


def extreme_observed_at_publish(stub):
    metadata = (("authorization", "Bearer " + CREDENTIAL), ("x-dispatch-gateway-id", GATEWAY))
    answers = {}
    for name, (seconds, nanos) in EXTREME_TIMES.items():
        alert = new_alert(name + "-" + uuid.uuid4().hex)
        alert.observed_at.seconds = seconds
        alert.observed_at.nanos = nanos
        try:
            answers[name] = {"ack": ack_json(stub.PublishAlert(alert, metadata=metadata, timeout=WAIT_SECONDS)), "error": None}
        except grpc.RpcError as error:
            answers[name] = {"ack": None, "error": error_json(error)}
    return answers


def huge_gateway_id(stub):
    """A Hello whose gateway_id is a million characters long."""
    session = Session(stub)
    session.hello(gateway_id="g" * 1_000_000)
    session.close()
    return session.result()


def duplicate_alert(stub):
    """One alert sent twice on a stream."""
    session = Session(stub)
    session.hello()
    alert = new_alert("dup-" + uuid.uuid4().hex)
    session.send(alert=alert)
    session.wait_acks(1)
    session.send(alert=alert)
    session.wait_acks(2)
    session.close()
    return session.result()


def oversized_hello(stub):
    """A Hello of 3 MiB (a camera list nobody would send): the call ends, saying why."""
    session = Session(stub)
    cameras = [camera_gateway_pb2.CameraInfo(camera_id=f"PY-{i:06d}", name="n" * 200) for i in range(12_000)]
    session.hello(cameras=cameras)
    session.close()
    return session.result()


def oversized_heartbeat(stub):
    """A 3 MiB heartbeat between two alerts: dropped, and the stream carries on."""
    session = Session(stub)
    session.hello()
    session.send(alert=new_alert("before-" + uuid.uuid4().hex))
    session.wait_acks(1)
    beat = camera_gateway_pb2.Heartbeat(cameras=[camera_gateway_pb2.CameraHealth(camera_id=CAMERA, detail="d" * 3_200_000)])
    session.send(heartbeat=beat)
    session.send(alert=new_alert("after-" + uuid.uuid4().hex))
    session.wait_acks(2)
    session.close()
    return session.result()


SCENARIOS = {
    "oversized-hello": oversized_hello,
    "oversized-heartbeat": oversized_heartbeat,
    "oversized-alert": oversized_alert,
    "oversized-publish": oversized_publish,
    "new-camera-without-location": new_camera_without_location,
    "extreme-observed-at-connect": extreme_observed_at_connect,
    "extreme-observed-at-publish": extreme_observed_at_publish,
    "huge-gateway-id": huge_gateway_id,
    "duplicate-alert": duplicate_alert,
}

if __name__ == "__main__":
    with grpc.insecure_channel(TARGET) as channel:
        grpc.channel_ready_future(channel).result(timeout=WAIT_SECONDS)
        print(json.dumps(SCENARIOS[SCENARIO](camera_gateway_pb2_grpc.CameraGatewayStub(channel))))
