"""The baseline of the HTTP figures: a bare Flask route, served by the same gunicorn."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "ok"
