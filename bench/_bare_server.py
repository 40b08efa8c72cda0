"""A Flask endpoint that does no work, served exactly as ``antre run`` serves a hall.

    python bench/_bare_server.py PORT

What ``bench/engine.py`` measures it for: the ceiling of (c). Whatever Antre does per request, it
cannot answer faster than the web stack alone answers a request that does nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, jsonify, request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from antre.queue_server.config import ConnectionLimits
from antre.queue_server.connguard import ConnectionGuard
from antre.queue_server.server import listen, serve_app


def bare_app() -> Flask:
    app = Flask(__name__)

    @app.post("/api/v1/tickets")
    def issue():
        body = request.get_json()
        return jsonify({"id": "bare", "number": f"{body['service']}001", "status": "waiting"}), 201

    @app.get("/api/v1/services")
    def services():
        return jsonify([])

    return app


if __name__ == "__main__":
    serve_app(bare_app(), listen("127.0.0.1", int(sys.argv[1])), 64, ConnectionGuard(ConnectionLimits(), "id"), on_stop=lambda: None)
