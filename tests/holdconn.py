"""Clients that hold TCP connections open to a loopback server, as a port
scanner, a leaky health checker or a slowloris attacker would: "idle" ones
connect and send nothing, "half" ones send half a request header and stop.

A Holder drives every socket from one thread (selectors, non-blocking), so
thousands cost the test a descriptor each and no thread.  With
reconnect=True a connection the server closes is opened again at once, so
the server faces the same number of held connections all along.  Every run
is bounded in time; close_all() ends it.

    holdconn.raise_nofile(3000)
    h = holdconn.Holder(port, reconnect=True)
    h.add(idle=256, half=256)
    h.start(max_seconds=60)
    ...
    h.close_all()
"""
import resource
import selectors
import socket
import threading
import time

HALF_HEADER = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: holdconn\r\nAccept: te"


def raise_nofile(need):
    """Raise this process's soft RLIMIT_NOFILE to at least `need` (up to the
    hard limit); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    return soft


class Holder:
    def __init__(self, port, host="127.0.0.1", reconnect=False):
        self.addr = (host, port)
        self.reconnect = reconnect
        self.sel = selectors.DefaultSelector()
        self.kind = {}            # socket -> "idle" | "half"
        self.lock = threading.Lock()
        self.closed_by_server = {"idle": 0, "half": 0}
        self.failed = 0           # connects the kernel refused or reset
        self._stop = threading.Event()
        self._thread = None

    def _open(self, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(self.addr)
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            self.failed += 1
            return
        self.kind[s] = kind
        self.sel.register(s, selectors.EVENT_WRITE)

    def add(self, idle=0, half=0):
        with self.lock:
            for _ in range(idle):
                self._open("idle")
            for _ in range(half):
                self._open("half")

    def count(self):
        with self.lock:
            return len(self.kind)

    def _drop(self, s):
        self.sel.unregister(s)
        del self.kind[s]
        s.close()

    def _event(self, s, mask):
        kind = self.kind[s]
        if mask & selectors.EVENT_WRITE:  # connected (or failed)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                self._drop(s)
                self.failed += 1
                if self.reconnect:
                    self._open(kind)
                return
            if kind == "half":
                try:
                    s.send(HALF_HEADER)
                except OSError:
                    pass
            self.sel.modify(s, selectors.EVENT_READ)
            return
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if data:  # an answer (a 400, a 408): the server is closing it
            return
        self._drop(s)
        self.closed_by_server[kind] += 1
        if self.reconnect:
            self._open(kind)

    def _pump(self, max_seconds):
        end = time.monotonic() + max_seconds
        while not self._stop.is_set() and time.monotonic() < end:
            with self.lock:
                events = self.sel.select(0.02) if self.kind else []
                for key, mask in events:
                    if key.fileobj in self.kind:
                        self._event(key.fileobj, mask)
            if not events:
                time.sleep(0.005)

    def start(self, max_seconds=60):
        self._thread = threading.Thread(target=self._pump, args=(max_seconds,), daemon=True)
        self._thread.start()

    def wait_connected(self, timeout=10.0):
        """True once no socket is still connecting (all sent what they send)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                pending = sum(1 for k in self.sel.get_map().values()
                              if k.events & selectors.EVENT_WRITE)
            if not pending:
                return True
            time.sleep(0.02)
        return False

    def close_all(self):
        self._stop.set()
        if self._thread:
            self._thread.join(10)
        with self.lock:
            for s in list(self.kind):
                self._drop(s)
