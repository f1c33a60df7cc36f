#!/usr/bin/python3
"""A minimal forward HTTP proxy stand-in for exporter_netns.py: answers any
absolute-form GET (the form a client sends to a proxy) for a path ending in
/stats/requests with the fixture, records the request line on stdout, and
refuses everything else.  Prints `PORT n` once it listens on 127.0.0.1."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = open(sys.argv[1], "rb").read()


class Proxy(BaseHTTPRequestHandler):
    def do_GET(self):
        print("REQUEST %s" % self.path, flush=True)
        ok = self.path.startswith("http://") and self.path.endswith("/stats/requests")
        data = BODY if ok else b"proxy: absolute-form GET of /stats/requests only\n"
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json" if ok else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print("PORT %d" % srv.server_address[1], flush=True)
srv.serve_forever()
