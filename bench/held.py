#!/usr/bin/env python3
"""Holds N idle keep-alive connections to a server (the held-connections run).

Each connection makes one request and reads its response (so it is a real
keep-alive connection, idle between requests), then stays open and silent.
Prints "ESTABLISHED n", then "READY n" (connections with a complete response),
then (setup ends at SETUP_TIMEOUT_S, or when nothing happened for 1 s, as
with a server that accepts no more) waits for a line on stdin (or EOF) and prints "OPEN n": how many were
still open at the end (not closed by the server).

  held.py PORT PATH N [SETUP_TIMEOUT_S]
"""
import selectors
import socket
import struct
import sys
import time


def main():
    port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    setup_timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: mpmd-bench-held\r\n\r\n"
           % path).encode()
    sel = selectors.DefaultSelector()
    socks, pending = [], {}
    deadline = time.monotonic() + setup_timeout
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            break
        socks.append(s)
        pending[s.fileno()] = [s, b"", False]
        sel.register(s, selectors.EVENT_WRITE)
    established = ready = 0
    last_progress = time.monotonic()
    while pending and time.monotonic() < deadline and time.monotonic() - last_progress < 1.0:
        for key, ev in sel.select(timeout=0.5):
            last_progress = time.monotonic()
            s, buf, sent = pending[key.fd]
            if not sent:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    sel.unregister(s)
                    del pending[key.fd]
                    continue
                established += 1
                try:
                    s.send(req)
                except OSError:
                    sel.unregister(s)
                    del pending[key.fd]
                    continue
                pending[key.fd][2] = True
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                chunk = s.recv(1 << 16)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(s)
                del pending[key.fd]
                continue
            buf += chunk
            pending[key.fd][1] = buf
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip() or 0)
                if len(body) >= length:
                    ready += 1
                    sel.unregister(s)
                    del pending[key.fd]
    established += sum(1 for s, _, sent in pending.values() if not sent and
                       s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and _connected(s))
    print("ESTABLISHED %d" % established, flush=True)
    print("READY %d" % ready, flush=True)
    sys.stdin.readline()
    still_open = 0
    for s in socks:
        try:
            data = s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            if data:
                still_open += 1
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
    print("OPEN %d" % still_open, flush=True)
    linger = struct.pack("ii", 1, 0)  # reset, not FIN: leaves no TIME_WAIT behind
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        except OSError:
            pass
        s.close()


def _connected(s):
    try:
        s.getpeername()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
