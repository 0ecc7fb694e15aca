"""Preload measurement (make bench-wsgi-preload): an application that builds
10,000 compiled regular expressions at import, the Python form of the
compiled-regex cache that mod_python rebuilt in every process."""
import os
import re

PATTERNS = [re.compile(r"^/route%d/(?P<id>[0-9]+)/(?P<slug>[a-z-]+)(?:/(?P<rest>.*))?$" % i)
            for i in range(10000)]
IMPORTED_BY = os.getpid()


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    hit = next((i for i, p in enumerate(PATTERNS[:50]) if p.match(path)), -1)
    body = b"%d %d %d\n" % (hit, IMPORTED_BY, os.getpid())
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
