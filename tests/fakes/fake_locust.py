#!/usr/bin/python3
"""A fake Locust web UI on 127.0.0.1 for the exporter's fault tests.

GET /stats/requests answers according to the current mode, which the test
switches at run time through the control endpoint, so one exporter can see
a fault and then recover:

    GET /_control?mode=<mode>[&file=<fixture path>][&delay=<seconds>]
    POST /_control/body        (raw bytes served by mode=body)
    GET /_hits                 {"stats_requests": <GETs of /stats/requests>}

Modes: fixture (default; serves `file`), body, slow (fixture after `delay`),
hang (never answers until the server stops), 5xx, 404, 401, redirect_loop
(302 to itself), login_redirect (302 to /login?next=...), login_page (200
HTML login form), html (200 HTML, no login), truncated (half the JSON with
a correct Content-Length), short_body (Content-Length larger than what is
sent, then close), malformed, wrong_stats (stats is an object),
wrong_num (num_requests is a string), oversized (`size` bytes with
Content-Length), oversized_chunked (the same without Content-Length).

Usage: fake_locust.py [--port N] [--fixture FILE]; prints "PORT <n>" on
stdout once listening.  Standard library only; bounded everywhere.
"""
import argparse
import json
import socketserver
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOGIN_PAGE = (b"<!DOCTYPE html><html><head><title>Locust</title></head><body>"
              b"<form method=\"post\" action=\"/login_submit\"><input name=\"username\">"
              b"<input name=\"password\" type=\"password\"><button>Log in</button></form></body></html>")
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>It works</h1></body></html>"


class State:
    def __init__(self, fixture):
        self.lock = threading.Lock()
        self.mode = "fixture"
        self.file = fixture
        self.delay = 0.0
        self.size = 1 << 20
        self.body = b"{}"
        self.hits = 0
        self.stop = threading.Event()

    def fixture_bytes(self):
        with open(self.file, "rb") as f:
            return f.read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeLocust/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send(self, status, body, ctype="application/json", headers=None, length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        if self.path == "/_control/body":
            with st.lock:
                st.body = data
                st.mode = "body"
            self.send(200, b"ok\n", "text/plain")
        else:
            self.send(404, b"not found\n", "text/plain")

    def do_GET(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_control":
            q = urllib.parse.parse_qs(url.query)
            with st.lock:
                st.mode = q.get("mode", [st.mode])[0]
                st.file = q.get("file", [st.file])[0]
                st.delay = float(q.get("delay", [0])[0])
                st.size = int(q.get("size", [st.size])[0])
            self.send(200, b"ok\n", "text/plain")
            return
        if url.path == "/_hits":
            self.send(200, json.dumps({"stats_requests": st.hits}).encode())
            return
        if url.path == "/login":
            self.send(200, LOGIN_PAGE, "text/html; charset=utf-8")
            return
        if url.path != "/stats/requests":
            self.send(404, b"<html>404</html>", "text/html")
            return
        with st.lock:
            st.hits += 1
            mode, delay, size, body = st.mode, st.delay, st.size, st.body
        self.stats(st, mode, delay, size, body)

    def stats(self, st, mode, delay, size, body):
        if mode == "fixture":
            self.send(200, st.fixture_bytes())
        elif mode == "body":
            self.send(200, body)
        elif mode == "slow":
            st.stop.wait(delay)
            self.send(200, st.fixture_bytes())
        elif mode == "hang":
            st.stop.wait(3600)
            self.close_connection = True
        elif mode == "5xx":
            self.send(503, b"<html>Service Unavailable</html>", "text/html")
        elif mode == "404":
            self.send(404, b"<html>Not Found</html>", "text/html")
        elif mode == "401":
            self.send(401, b"", "text/html", {"WWW-Authenticate": 'Basic realm=""'})
        elif mode == "redirect_loop":
            self.send(302, b"", "text/html", {"Location": "/stats/requests"})
        elif mode == "login_redirect":
            self.send(302, b"", "text/html", {"Location": "/login?next=%2Fstats%2Frequests"})
        elif mode == "login_page":
            self.send(200, LOGIN_PAGE, "text/html; charset=utf-8")
        elif mode == "html":
            self.send(200, HTML_PAGE, "text/html; charset=utf-8")
        elif mode == "truncated":
            b = st.fixture_bytes()
            self.send(200, b[: len(b) // 2])
        elif mode == "short_body":
            b = st.fixture_bytes()
            self.send(200, b[: len(b) // 2], length=len(b))
            self.close_connection = True
        elif mode == "malformed":
            self.send(200, b'{"stats": [,], "state": "running"')
        elif mode == "wrong_stats":
            self.send(200, b'{"stats": {"name": "/"}, "errors": [], "state": "running", "user_count": 1}')
        elif mode == "wrong_num":
            self.send(200, b'{"stats": [{"method": "GET", "name": "/", "num_requests": "12", "num_failures": 0},'
                           b' {"method": "", "name": "Aggregated", "num_requests": 12, "num_failures": 0}],'
                           b' "errors": [], "state": "running", "user_count": 1}')
        elif mode == "oversized":
            self.send(200, b"[" + b" " * (size - 2) + b"]")
        elif mode == "oversized_chunked":
            self.oversized_chunked(size)
        else:
            self.send(500, ("unknown mode " + mode).encode(), "text/plain")

    def oversized_chunked(self, size):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * 65536
        sent = 0
        try:
            while sent < size:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fixture", default="tests/fixtures/locust/2.46.3/master_stats_requests.json")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.state = State(a.fixture)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        srv.state.stop.set()
        srv.server_close()


if __name__ == "__main__":
    socketserver.TCPServer.allow_reuse_address = True
    sys.exit(main())
