#!/usr/bin/env python3
"""Healthcheck of a Locust worker container (compose.yml's locust-worker).

    python locust_worker_health.py      exit 0: healthy, 1: unhealthy (one line why)

Healthy while a Locust worker process (one started with --worker, or with
LOCUST_MODE_WORKER=true) holds a TCP connection in state ESTABLISHED to its
master's port (--master-port / LOCUST_MASTER_NODE_PORT, default 5557).
Unhealthy when no worker process runs in the container, or when none of
them is connected to its master (master gone, restarted elsewhere,
unreachable): ZeroMQ keeps reconnecting quietly, so the process alone
says nothing.

Reads /proc only: each process' command line and environment, its sockets
(/proc/PID/fd -> socket:[inode]) and the TCP tables of its network
namespace (/proc/PID/net/tcp, tcp6).  Run as the worker's user (or root).
Standard library only, so it runs in the locustio/locust image as it is.
"""
import os
import sys

DEFAULT_MASTER_PORT = 5557
ESTABLISHED = "01"


def read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:  # the process ended, or it is not ours to read
        return None


def option(args, env, flag, env_name):
    """The value of --flag VALUE / --flag=VALUE, else env_name, else None."""
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a[len(flag) + 1:]
    return env.get(env_name)


def worker_processes():
    """[(pid, master port)] of every Locust worker process visible here."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        raw = read("/proc/%s/cmdline" % name, "rb")
        if not raw or b"locust" not in raw:
            continue
        args = raw.decode(errors="replace").split("\0")
        envraw = read("/proc/%s/environ" % name, "rb") or b""
        env = dict(e.split("=", 1) for e in envraw.decode(errors="replace").split("\0")
                   if "=" in e)
        mode = env.get("LOCUST_MODE_WORKER", "").lower() in ("1", "true", "yes")
        if "--worker" not in args and not mode:
            continue
        port = option(args, env, "--master-port", "LOCUST_MASTER_NODE_PORT")
        try:
            found.append((int(name), int(port) if port else DEFAULT_MASTER_PORT))
        except ValueError:
            found.append((int(name), DEFAULT_MASTER_PORT))
    return found


def socket_inodes(pid):
    inodes = set()
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def connected(pid, port):
    """True when one of pid's sockets is an established TCP connection to port."""
    mine = socket_inodes(pid)
    for table in ("tcp", "tcp6"):
        text = read("/proc/%d/net/%s" % (pid, table)) or ""
        for line in text.splitlines()[1:]:
            f = line.split()
            # sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if len(f) > 9 and f[3] == ESTABLISHED and f[9] in mine \
                    and int(f[2].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def main():
    workers = worker_processes()
    if not workers:
        print("unhealthy: no Locust worker process")
        return 1
    for pid, port in workers:
        if connected(pid, port):
            print("healthy: worker pid %d connected to its master's port %d" % (pid, port))
            return 0
    print("unhealthy: no worker connected to its master (%s)"
          % ", ".join("pid %d, port %d" % w for w in workers))
    return 1


if __name__ == "__main__":
    sys.exit(main())
