"""A Docker engine of the compose test's own (tests/e2e/compose_up.py).

What it owns:
- the cache directory (COMPOSE_UP_CACHE, default
  /var/tmp/locust_exporter-compose-up): the engine's data root, kept between
  runs so that images are built once, and a lock (flock) so that one run at
  a time uses it.  COMPOSE_UP_CACHE= (empty) gives a data root for this run
  only, removed at the end (a cold run);
- the engine: when nothing answers on the socket in that directory, dockerd
  is started on it with its own exec root, pidfile, containerd namespace and
  an address pool no host route uses (--iptables=false --bridge=none, see
  ../shared/PLATFORM-NOTES.md); the storage driver is dockerd's own choice
  (overlay2 where the file system allows it, else vfs) unless
  COMPOSE_UP_STORAGE_DRIVER names one.  stop() stops only a dockerd started
  here;
- leaving nothing behind: after the engine stops, every mount under the run
  and cache directories is unmounted (dockerd leaves its netns mount) and the
  run directory removed, never crossing into another file system.

Needs root (dockerd).  Every wait is bounded.
"""
import fcntl
import ipaddress
import os
import shutil
import signal
import subprocess
import tempfile
import time

DEFAULT_CACHE = "/var/tmp/locust_exporter-compose-up"
LOCK_WAIT = 900  # seconds: another run holds the cache (a cold run takes < 8 min)
START_WAIT = 60
STOP_WAIT = 30
SOCKET_MAX = 100  # sun_path is 108 bytes


def mounts_under(path):
    """Mount points at or below path, deepest first (from /proc/self/mountinfo)."""
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            mp = line.split()[4].replace("\\040", " ")
            if mp == path or mp.startswith(path + "/"):
                found.append(mp)
    return sorted(set(found), key=len, reverse=True)


def unmount_all(path):
    """Unmount everything at or below path; the mount points that remain."""
    for mp in mounts_under(path):
        subprocess.run(["umount", mp], capture_output=True)
    for mp in mounts_under(path):
        subprocess.run(["umount", "-l", mp], capture_output=True)
    return mounts_under(path)


def remove_tree(path):
    """rm -rf path after unmounting what is below it; never crosses a mount.
    A problem (str) or None."""
    if not os.path.lexists(path):
        return None
    left = unmount_all(path)
    if left:
        return "still mounted, %s not removed: %s" % (path, ", ".join(left))
    r = subprocess.run(["rm", "-rf", "--one-file-system", path], capture_output=True, text=True)
    if r.returncode != 0 or os.path.lexists(path):
        return "could not remove %s: %s" % (path, r.stderr.strip())
    return None


def free_address_pool():
    """A 10.x.0.0/16 that no route or address of this host overlaps, for the
    engine's networks (another engine's bridges show up as routes)."""
    used = []
    for cmd in (["ip", "-4", "route", "show", "table", "all"], ["ip", "-4", "-o", "addr", "show"]):
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        for word in out.split():
            try:
                used.append(ipaddress.ip_network(word, strict=False))
            except ValueError:
                pass
    # from a point that differs between runs, so two engines started at once
    # (neither has a network yet) are unlikely to pick the same one
    for i in range(55):
        net = ipaddress.ip_network("10.%d.0.0/16" % (200 + (os.getpid() + i) % 55))
        if not any(net.overlaps(u) for u in used if u.prefixlen > 0):
            return str(net)
    raise RuntimeError("no free 10.200-254.0.0/16 network for the engine's address pool")


class Engine:
    def __init__(self, log=print):
        self.log = log
        cache = os.environ.get("COMPOSE_UP_CACHE", DEFAULT_CACHE)
        self.run_dir = tempfile.mkdtemp(prefix="le-compose.", dir="/tmp")
        self.temporary = not cache
        self.cache = os.path.join(self.run_dir, "cache") if self.temporary else os.path.abspath(cache)
        self.socket = os.path.join(self.cache, "docker.sock")
        if len(self.socket) > SOCKET_MAX:
            raise RuntimeError("COMPOSE_UP_CACHE is too long for a socket path: %s" % self.cache)
        self.host = "unix://" + self.socket
        self.dockerd = None
        self.started = False
        self.lock_fd = None
        self.docker_bin = shutil.which("docker") or "/usr/bin/docker"

    def env(self, base=None):
        """The environment for docker and docker-compose: this engine, the
        classic builder (builds reach apt through --network host)."""
        env = dict(os.environ if base is None else base)
        for k in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
            env.pop(k, None)
        env.update(DOCKER_HOST=self.host, DOCKER_BUILDKIT="0", COMPOSE_DOCKER_CLI_BUILD="0")
        return env

    def docker(self, *args, timeout=120, check=True):
        """docker ARGS against this engine: CompletedProcess (text)."""
        r = subprocess.run([self.docker_bin] + list(args), env=self.env(), capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                           start_new_session=True)  # a Ctrl-C reaches the test, not them
        if check and r.returncode != 0:
            raise RuntimeError("docker %s: %s" % (" ".join(args[:3]), (r.stderr or r.stdout).strip()[-800:]))
        return r

    def answers(self):
        try:
            return self.docker("version", "--format", "{{.Server.Version}}",
                               timeout=10, check=False).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def lock(self):
        """Take the cache's lock, waiting (bounded) while another run has it."""
        os.makedirs(self.cache, exist_ok=True)
        self.lock_fd = os.open(os.path.join(self.cache, "lock"), os.O_RDWR | os.O_CREAT, 0o644)
        end = time.monotonic() + LOCK_WAIT
        told = False
        while True:
            try:
                fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > end:
                    raise RuntimeError("%s stayed locked by another run for %d s" % (self.cache, LOCK_WAIT))
                if not told:
                    holder = os.pread(self.lock_fd, 32, 0).decode(errors="replace").strip()
                    self.log("waiting for another run (pid %s) to release %s" % (holder or "?", self.cache))
                    told = True
                time.sleep(2)
        os.ftruncate(self.lock_fd, 0)
        os.pwrite(self.lock_fd, b"%d\n" % os.getpid(), 0)

    def start(self):
        """Use the engine answering on our socket, or start one."""
        if self.answers():
            self.log("engine: reusing the one answering on %s (left running)" % self.socket)
            return
        exec_root = os.path.join(self.run_dir, "exec")
        data_root = os.path.join(self.cache, "data")
        os.makedirs(exec_root)
        os.makedirs(data_root, exist_ok=True)
        ns = "locust-exporter-compose-up-%d" % os.getpid()
        argv = ["dockerd", "--iptables=false", "--bridge=none",
                "--data-root", data_root, "--exec-root", exec_root,
                "--pidfile", os.path.join(self.run_dir, "docker.pid"),
                "-H", self.host, "--containerd-namespace", ns,
                "--containerd-plugins-namespace", ns + "-plugins",
                "--default-address-pool", "base=%s,size=24" % free_address_pool()]
        driver = os.environ.get("COMPOSE_UP_STORAGE_DRIVER")
        if driver:
            argv.append("--storage-driver=" + driver)
        self.dockerd_log = os.path.join(self.run_dir, "dockerd.log")
        with open(self.dockerd_log, "wb") as out:
            self.dockerd = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        self.started = True  # from here on, close() owns its mounts
        end = time.monotonic() + START_WAIT
        while not self.answers():
            if self.dockerd.poll() is not None or time.monotonic() > end:
                raise RuntimeError("dockerd did not start:\n" + self.log_tail())
            time.sleep(0.5)
        driver, version = self.docker("info", "--format", "{{.Driver}} {{.ServerVersion}}"
                                      ).stdout.split()
        self.log("engine: dockerd %s (pid %d, storage driver %s) on %s"
                 % (version, self.dockerd.pid, driver, self.socket))

    def log_tail(self, lines=15):
        try:
            with open(self.dockerd_log, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except (OSError, AttributeError):
            return ""

    def stop(self):
        """Stop the dockerd started here (SIGTERM, then SIGKILL of its group);
        a problem (str) or None."""
        p, self.dockerd = self.dockerd, None
        if p is None or p.poll() is not None:
            return None
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(STOP_WAIT)
            return None
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)
            return "dockerd ignored SIGTERM for %d s and was killed" % STOP_WAIT

    def close(self):
        """Stop what was started, unmount and remove the run directory (and
        a temporary cache), release the lock.  The problems found."""
        problems = [x for x in (self.stop(),) if x]
        # (an engine found running keeps its mounts)
        left = unmount_all(self.cache) if self.started and os.path.isdir(self.cache) else []
        if left:
            problems.append("still mounted: " + ", ".join(left))
        problem = remove_tree(self.run_dir)
        if problem:
            problems.append(problem)
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None
        return problems
