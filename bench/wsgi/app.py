"""The applications of make bench-wsgi, one WSGI module for every server:

  /hello        hello world
  /io           a 10 ms I/O wait (time.sleep; gevent workers patch it)
  /cpu          5 ms of pure-Python CPU
  /flask/json   a Flask JSON endpoint (Debian's python3-flask)
"""
import time

from flask import Flask, jsonify

HELLO = b"Hello, World!\n"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(HELLO)))]

flask_app = Flask(__name__)


@flask_app.route("/flask/json")
def flask_json():
    return jsonify(message="Hello, World!")


def burn(ms):
    end = time.perf_counter() + ms / 1000.0
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/hello":
        start_response("200 OK", HEADERS)
        return [HELLO]
    if path == "/io":
        time.sleep(0.010)
        start_response("200 OK", HEADERS)
        return [HELLO]
    if path == "/cpu":
        burn(5)
        start_response("200 OK", HEADERS)
        return [HELLO]
    return flask_app(environ, start_response)
