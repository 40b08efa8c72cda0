"""Loopback receivers for the notification tests and bench/notify.py: a Web Push service that
decrypts each push (RFC 8291, aes128gcm) with a browser's key pair made here and checks its VAPID
token (RFC 8292), and a webhook gateway that checks the HMAC signature. Real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@contextmanager
def serve(handle: Any) -> Iterator[str]:
    """``handle(path, headers, body) -> status`` served on a loopback port; yields its origin."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = handle(self.path, self.headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class PushService:
    """A push service and one browser subscribed to it: what it receives, decrypted and checked."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"
        self.origin = ""
        self.received: list[dict] = []  # {"payload": dict, "vapid_key": str}
        self.answer = 201
        self.lock = threading.Lock()

    def subscription(self, name: str = "phone") -> dict:
        public = self.private_key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.origin}/push/{name}", "expirationTime": None, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def handle(self, path: str, headers: Any, body: bytes) -> int:
        vapid_key = self.check_vapid(headers.get("Authorization", ""))
        assert headers.get("Content-Encoding") == "aes128gcm"
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        with self.lock:
            self.received.append({"path": path, "payload": json.loads(plain), "vapid_key": vapid_key})
        return self.answer

    def check_vapid(self, header: str) -> str:
        """The token is an ES256 JWT signed by the key it names, for this origin, not expired."""
        scheme, _, params = header.partition(" ")
        assert scheme == "vapid", header
        fields = dict(part.split("=", 1) for part in params.split(","))
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
        head, claims, signature = fields["t"].split(".")
        raw = unb64url(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise AssertionError("the VAPID signature does not verify") from None
        assert json.loads(unb64url(head)) == {"typ": "JWT", "alg": "ES256"}
        payload = json.loads(unb64url(claims))
        assert payload["aud"] == self.origin and payload["exp"] > time.time(), payload
        return fields["k"]

    def payloads(self) -> list[dict]:
        with self.lock:
            return [r["payload"] for r in self.received]


class Gateway:
    """A webhook receiver: checks each signature, answers ``statuses`` in turn (then 200), and may
    hold every request until ``release`` (a gateway that hangs)."""

    def __init__(self, secret: str, statuses: tuple[int, ...] = ()):
        self.secret = secret
        self.statuses = list(statuses)
        self.requests: list[dict] = []  # answered: {"body", "delivery", "status", "arrived"}
        self.arrivals = 0  # requests received, answered or still held
        self.hang = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def handle(self, path: str, headers: Any, body: bytes) -> int:
        arrived = time.perf_counter()
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Antre-Signature"], expected), "bad signature"
        assert headers["X-Antre-Timestamp"]
        with self.lock:
            self.arrivals += 1
        if self.hang.is_set():
            self.release.wait(30)
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.requests.append({"body": json.loads(body), "delivery": headers["X-Antre-Delivery"], "status": status, "arrived": arrived})
        return status

    def accepted(self) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if 200 <= r["status"] < 300]
