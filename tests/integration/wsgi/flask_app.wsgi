"""A Flask application (Debian's python3-flask) for test_wsgi.py and bench/wsgi."""
import os

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/json")
def json_endpoint():
    return jsonify(message="Hello, World!", pid=os.getpid())


@app.route("/form", methods=["POST"])
def form():
    return jsonify(name=request.form.get("name"), files=len(request.files))


@app.route("/items/<int:item>")
def item(item):
    return jsonify(item=item, q=request.args.get("q"))


application = app
