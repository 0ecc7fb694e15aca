#!/usr/bin/env python3
"""Opens COUNT keep-alive connections to 127.0.0.1:PORT, makes one request on each, and holds
them open until its standard input closes.

    hold_connections.py PORT COUNT [BURST]

Connections are opened BURST at a time (default 100): connect all of them, then send each its
request, then read the answers, so the server sees bursts, not one connection at a time.
Prints "held N failed M" once they are all open. The open-files limit counts per process
(20000 at most here, of which a server holding as many needs its own share): tests that need
more connections run several of these (test_spread.py).
"""

import resource
import socket
import sys

HOST = "127.0.0.1"
REQUEST = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
END = b"</html>\n"  # the end of the harness's index.html


def answered(sock):
    data = b""
    while not data.endswith(END):
        chunk = sock.recv(4096)
        if not chunk:
            return False
        data += chunk
    return b" 200 " in data.split(b"\r\n", 1)[0]


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    burst = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
    held, failed = [], 0
    for start in range(0, count, burst):
        batch = []
        for _ in range(min(burst, count - start)):
            try:
                batch.append(socket.create_connection((HOST, port), timeout=20))
            except OSError:
                failed += 1
        sent = []
        for s in batch:
            try:
                s.sendall(REQUEST)
                sent.append(s)
            except OSError:
                failed += 1
                s.close()
        for s in sent:
            try:
                if answered(s):
                    held.append(s)
                    continue
            except OSError:
                pass
            failed += 1
            s.close()
    print("held %d failed %d" % (len(held), failed), flush=True)
    sys.stdin.read()  # until the test lets go


if __name__ == "__main__":
    main()
