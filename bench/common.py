"""Helpers shared by the benchmark drivers: processes we start (and only
those), free ports, polling, /proc readings, the machine description and
table printing."""
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

BIN = os.environ.get("O", "build")
QUICK = os.environ.get("BENCH_QUICK", "0") not in ("", "0")
NCPU = os.cpu_count() or 1
STARTED = []


def on_term(sig, frame):
    """SIGTERM/SIGINT: stop what we started, then exit."""
    stop_all()
    raise SystemExit(128 + sig)


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)


def tool(name):
    return os.path.join(BIN, name)


def pinned(argv, cpu):
    """Prefix argv with taskset -c cpu when there is more than one CPU."""
    if NCPU > 1 and cpu is not None and subprocess.run(
            ["which", "taskset"], capture_output=True).returncode == 0:
        return ["taskset", "-c", str(cpu % NCPU)] + argv
    return argv


def start(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    STARTED.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in STARTED:
        STARTED.remove(p)


def stop_all():
    for p in list(STARTED):
        stop(p)


def run(main, name):
    """Exit with main()'s status; a RuntimeError/OSError stops what was
    started and exits 1 with one line."""
    try:
        sys.exit(main())
    except (RuntimeError, OSError) as e:
        stop_all()
        print(f"{name}: {e}", file=sys.stderr)
        sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(url, timeout=10.0):
    """Poll url until it answers (any status); False after timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.02)
    return False


def proc_status(pid):
    """VmRSS, RssAnon, VmHWM, Threads of pid (KiB / count)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "VmHWM", "Threads"):
                out[k] = int(v.split()[0])
    return out


def kv(line):
    """'a=1 b=2.5' -> {'a': 1.0, 'b': 2.5}"""
    return {k: float(v) for k, v in re.findall(r"(\w+)=(-?[\d.]+)", line)}


def run_kv(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {r.stderr.strip()}")
    return kv(r.stdout)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) // 1024} MiB"
    except OSError:
        pass
    return f"{NCPU} CPU(s), {model}, {mem} RAM, Linux {platform.release()}"


def table(headers, rows):
    w = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    lines = ["  ".join(str(h).rjust(w[i]) for i, h in enumerate(headers))]
    lines.append("  ".join("-" * x for x in w))
    for r in rows:
        lines.append("  ".join(str(c).rjust(w[i]) for i, c in enumerate(r)))
    return "\n".join(lines)
