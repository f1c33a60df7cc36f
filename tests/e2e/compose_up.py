#!/usr/bin/python3
"""compose.yml, run for real under a Docker engine (make check-compose-up).

    compose_up.py        as root; COMPOSE_UP_CACHE, COMPOSE_UP_STORAGE_DRIVER:
                         see tests/compose/engine.py

1. A Docker engine of the test's own (tests/compose/engine.py): started on
   a socket in the cache directory unless one answers there, stopped at the
   end if started here.
2. Images, built in two lanes at once:
   - debian:bookworm-slim, when the engine has none: debootstrap --variant=
     minbase from the Debian mirror the machine's apt sources name
     (`apt-get indextargets`), with the slim image's dpkg/apt settings;
   - the project's two images through `make images` (compose build, the git
     revision as build argument), their build stages tagged so the package
     layer stays cached when old images are pruned;
   - stand-ins for the images no registry supplies here, built from Debian's
     python3-locust and prometheus (tests/compose/*.Dockerfile) and tagged as
     compose.yml names them, in this engine only.
3. The stack without Grafana (no image can be had), ports published on
   127.0.0.1 (free ports), tests/compose/override.yml for the builds only:
   every healthcheck healthy; every published port bound to 127.0.0.1 and
   answering; the exporter's locust_up 1, a row per DemoUser route, the
   build_info revision; every Prometheus target up; the project's rule files
   loaded, every rule evaluated without error; --scale locust-worker=3 seen
   by the exporter (3 workers, none missing; 3 healthy containers); the worker
   healthcheck failing with no worker process (compose run) and once
   the master is killed.
4. `down -v`, then nothing of the project left (containers, networks,
   volumes), dangling images pruned, the engine stopped, no mount left.
   Also on failure, SIGINT or SIGTERM.

Ends with `N passed, N failed`.  Bounded: every wait has a deadline.
"""
import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "compose"))
from testkit import ROOT, Results, free_port, http, parse_exposition, series, value  # noqa: E402
from engine import Engine  # noqa: E402

PROJECT = "lecomposeup"
SERVICES = ["demo-app", "locust-master", "locust-worker", "exporter", "prometheus"]
PUBLISHED = {"demo-app": ("DEMO_APP_PORT", 5000, "/healthz"),
             "locust-master": ("LOCUST_WEB_PORT", 8089, "/"),
             "exporter": ("EXPORTER_PORT", 9646, "/-/healthy"),
             "prometheus": ("PROMETHEUS_PORT", 9090, "/-/ready")}
BUILD_CACHE_TAG = "locust-exporter-test/build-stage:%s"
PHASE_LIMIT = {"build": 1200, "up": 300, "healthy": 180, "scrape": 120, "scale": 120}

R = Results(quiet=False, limit=3000)
check = R.check
T0 = time.monotonic()


def log(msg):
    print("[%5.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


class Failed(Exception):
    pass


# ---- the Debian mirror and the base image ----------------------------------------


def debian_mirrors():
    """{codename: repository URI} of the Debian archives in the apt sources."""
    out = subprocess.run(["apt-get", "indextargets", "--format",
                          "$(ORIGIN)\t$(LABEL)\t$(CODENAME)\t$(REPO_URI)\t$(TARGET_OF)\t$(IDENTIFIER)"],
                         capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) == 6 and f[0] == "Debian" and f[4] == "deb" and f[5] == "Packages":
            found.setdefault(f[2], f[3])
            found.setdefault("label:" + f[1], f[3])
    return found


def base_sources(mirrors):
    """/etc/apt/sources.list.d/debian.sources for the base image (deb822)."""
    main = mirrors.get("bookworm") or mirrors.get("label:Debian")
    if not main:
        raise Failed("no Debian mirror in this machine's apt sources (apt-get indextargets "
                     "lists none; run apt-get update)")
    text = ("Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n"
            "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n" % main)
    sec = mirrors.get("bookworm-security") or mirrors.get("label:Debian-Security")
    if sec:
        text += ("\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\n"
                 "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n" % sec)
    return main, text


# What the official slim image sets up (docs, man pages and translations left
# out of every later package; no .deb cache; unsafe-io for throwaway builds).
SLIM_FILES = {
    "etc/dpkg/dpkg.cfg.d/docker-slim": "".join(
        "path-exclude /usr/share/%s/*\n" % d for d in
        ("doc", "man", "groff", "info", "lintian", "linda", "locale"))
        + "path-include /usr/share/doc/*/copyright\npath-include /usr/share/locale/locale.alias\n",
    "etc/dpkg/dpkg.cfg.d/docker-apt-speedup": "force-unsafe-io\n",
    "etc/apt/apt.conf.d/docker-clean":
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n',
    "etc/apt/apt.conf.d/docker-no-languages": 'Acquire::Languages "none";\n',
}


def base_image_steps(eng, workdir):
    """Commands that make debian:bookworm-slim in the engine, or [] when it has one."""
    if eng.docker("image", "inspect", "debian:bookworm-slim", check=False).returncode == 0:
        return []
    mirror, sources = base_sources(debian_mirrors())
    rootfs = os.path.join(workdir, "rootfs")
    log("base image: debootstrap --variant=minbase bookworm from %s" % mirror)

    def finish():
        os.remove(os.path.join(rootfs, "etc/apt/sources.list"))
        with open(os.path.join(rootfs, "etc/apt/sources.list.d/debian.sources"), "w") as f:
            f.write(sources)
        for rel, text in SLIM_FILES.items():
            with open(os.path.join(rootfs, rel), "w") as f:
                f.write(text)
        for d in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/man",
                  "usr/share/info", "usr/share/locale", "usr/share/doc"):
            for name in os.listdir(os.path.join(rootfs, d)):
                p = os.path.join(rootfs, d, name)
                if name in ("partial", "lock", "locale.alias"):
                    continue
                if d == "usr/share/doc" and os.path.isdir(p):
                    for sub in os.listdir(p):
                        if sub != "copyright":
                            q = os.path.join(p, sub)
                            shutil.rmtree(q) if os.path.isdir(q) and not os.path.islink(q) else os.remove(q)
                    continue
                shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)

    return [["debootstrap", "--variant=minbase", "bookworm", rootfs, mirror],
            finish,
            ["sh", "-c", 'tar --numeric-owner -C "$1" -c . | "$2" import --change \'CMD ["bash"]\' '
             '- debian:bookworm-slim', "import", rootfs, eng.docker_bin]]


# ---- builds ----------------------------------------------------------------------


def run_lanes(eng, lanes, workdir, limit):
    """Run each lane's steps in order, the lanes at once.  A step is an argv
    (output to a log file) or a function.  Raises Failed with the log's tail."""
    procs = {}
    pos = {name: 0 for name in lanes}
    logs = {}
    end = time.monotonic() + limit
    try:
        while True:
            for name, steps in lanes.items():
                if name in procs:
                    continue
                while pos[name] < len(steps) and callable(steps[pos[name]]):
                    steps[pos[name]]()
                    pos[name] += 1
                if pos[name] < len(steps):
                    argv = steps[pos[name]]
                    logs[name] = os.path.join(workdir, "build-%s.log" % name)
                    with open(logs[name], "ab") as out:
                        out.write(("$ %s\n" % " ".join(argv)).encode())
                        out.flush()
                        procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                                       stdin=subprocess.DEVNULL, cwd=ROOT,
                                                       env=eng.env(), start_new_session=True)
            if not procs:
                return
            time.sleep(0.3)
            for name, p in list(procs.items()):
                if p.poll() is None:
                    continue
                del procs[name]
                if p.returncode != 0:
                    with open(logs[name], encoding="utf-8", errors="replace") as f:
                        tail = "".join(f.readlines()[-25:])
                    raise Failed("%s: %s exited %d\n%s" % (name, " ".join(p.args[:4]),
                                                           p.returncode, tail))
                pos[name] += 1
                log("built: %s step %d/%d" % (name, pos[name], len(lanes[name])))
            if time.monotonic() > end:
                raise Failed("builds did not finish within %d s" % limit)
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(10)


# ---- compose ---------------------------------------------------------------------


class Compose:
    def __init__(self, eng, workdir, revision, ports):
        self.eng = eng
        env_file = os.path.join(workdir, "empty.env")  # a developer's .env must not count
        open(env_file, "w").close()
        self.base = ["docker-compose", "-p", PROJECT, "--project-directory", ROOT,
                     "-f", os.path.join(ROOT, "compose.yml"),
                     "-f", os.path.join(ROOT, "tests", "compose", "override.yml"),
                     "--env-file", env_file]
        with open(os.path.join(ROOT, "compose.yml"), encoding="utf-8") as f:
            variables = set(re.findall(r"\$\{(\w+)", f.read()))
        env = {k: v for k, v in os.environ.items()
               if k not in variables and not k.startswith("COMPOSE_")}
        env.update(PUBLISH_ADDRESS="127.0.0.1", GIT_REVISION=revision,
                   LOCUST_USERS="10", LOCUST_SPAWN_RATE="10")
        env.update({var: str(ports[svc]) for svc, (var, _, _) in PUBLISHED.items()})
        self.env = eng.env(env)

    def command(self):
        return " ".join(self.base)

    def run(self, *args, timeout=120, check=True):
        r = subprocess.run(self.base + list(args), env=self.env, cwd=ROOT, capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                           start_new_session=True)  # a Ctrl-C reaches the test, not them
        if check and r.returncode != 0:
            raise Failed("docker-compose %s exited %d: %s" % (" ".join(args), r.returncode,
                                                              (r.stderr + r.stdout)[-1500:]))
        return r

    def config(self):
        return yaml.safe_load(self.run("config").stdout)

    def containers(self):
        """[inspect dict] of the project's containers."""
        ids = self.eng.docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + PROJECT
                              ).stdout.split()
        if not ids:
            return []
        return json.loads(self.eng.docker("inspect", *ids).stdout)

    def leftovers(self):
        """What of the project is still in the engine."""
        left = []
        label = "label=com.docker.compose.project=" + PROJECT
        for kind, args in (("containers", ["ps", "-aq"]), ("networks", ["network", "ls", "-q"]),
                           ("volumes", ["volume", "ls", "-q"])):
            out = self.eng.docker(*(args + ["--filter", label])).stdout.split()
            if out:
                left.append("%d %s" % (len(out), kind))
        return left


def service(c):
    return c["Config"]["Labels"].get("com.docker.compose.service", "?")


def wait_healthy(compose, want, limit):
    """Every project container healthy, and `want` containers per service."""
    end = time.monotonic() + limit
    while True:
        cs = compose.containers()
        counts, bad, waiting = {}, [], []
        for c in cs:
            counts[service(c)] = counts.get(service(c), 0) + 1
            st = c["State"]
            health = (st.get("Health") or {}).get("Status", "none")
            if st["Status"] != "running" or health == "unhealthy":
                bad.append("%s: %s/%s" % (c["Name"], st["Status"], health))
            elif health != "healthy":
                waiting.append("%s: %s" % (c["Name"], health))
        if bad:
            raise Failed("not running or unhealthy: " + ", ".join(bad))
        if not waiting and counts == want:
            return cs
        if time.monotonic() > end:
            raise Failed("after %d s: waiting for %s; containers %s, want %s"
                         % (limit, waiting, counts, want))
        time.sleep(1)


def metrics(port):
    status, _, body = http("http://127.0.0.1:%d/metrics" % port, timeout=10)
    if status != 200:
        raise Failed("exporter /metrics: HTTP %d" % status)
    return parse_exposition(body.decode())[0]


def prom_get(port, path):
    status, _, body = http("http://127.0.0.1:%d/api/v1/%s" % (port, path), timeout=10)
    doc = json.loads(body)
    if status != 200 or doc.get("status") != "success":
        raise Failed("Prometheus %s: HTTP %d %s" % (path, status, doc.get("error")))
    return doc["data"]


def poll(what, limit, probe):
    """probe() -> (done, detail) until done or limit seconds; the last detail."""
    end = time.monotonic() + limit
    while True:
        try:
            done, detail = probe()
        except (OSError, ValueError, Failed) as e:
            done, detail = False, "%s: %s" % (type(e).__name__, e)
        if done or time.monotonic() > end:
            return check(done, what, detail)
        time.sleep(1)


def demo_routes():
    """The stats row names of DemoUser's requests (demo-app/locust/locustfile.py):
    each self.client.get()'s name= or, without one, its literal path."""
    with open(os.path.join(ROOT, "demo-app", "locust", "locustfile.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    user = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "DemoUser")
    names = set()
    for call in ast.walk(user):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "get" and ast.unparse(call.func.value) == "self.client"):
            continue
        kw = {k.arg: k.value for k in call.keywords}
        node = kw.get("name", call.args[0] if call.args else None)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
    return sorted(names)


def project_rules(prom_cfg):
    """{rule file name: number of rules} of the files prometheus.yml loads."""
    out = {}
    for rel in prom_cfg["rule_files"]:
        with open(os.path.join(ROOT, "prometheus", rel), encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        out[os.path.basename(rel)] = sum(len(g["rules"]) for g in doc["groups"])
    return out


# ---- the checks --------------------------------------------------------------------


def check_stack(eng, compose, ports, revision):
    cs = wait_healthy(compose, {s: 1 for s in SERVICES}, PHASE_LIMIT["healthy"])
    check(True, "all %d containers healthy (%s)" % (len(cs), ", ".join(sorted(map(service, cs)))))

    for c in cs:
        svc = service(c)
        if svc not in PUBLISHED:
            check(not any(c["NetworkSettings"]["Ports"].get(p) for p in c["NetworkSettings"]["Ports"]),
                  "%s publishes no port" % svc)
            continue
        _, inner, path = PUBLISHED[svc]
        binds = c["NetworkSettings"]["Ports"].get("%d/tcp" % inner) or []
        check(binds and all(b["HostIp"] == "127.0.0.1" for b in binds)
              and {b["HostPort"] for b in binds} == {str(ports[svc])},
              "%s published on 127.0.0.1:%d only" % (svc, ports[svc]), binds)
        status, _, _ = http("http://127.0.0.1:%d%s" % (ports[svc], path), timeout=10)
        check(status == 200, "%s answers %s on the published port" % (svc, path), status)

    routes = demo_routes()
    ex = ports["exporter"]
    status, _, _ = http("http://127.0.0.1:%d/quitquitquit" % ex, timeout=10)
    check(status == 404, "exporter: /quitquitquit disabled (404)", status)

    def exporter_rows():
        s = metrics(ex)
        missing = [r for r in routes
                   if not (value(s, "locust_requests_num_requests", method="GET", name=r) or 0) > 0]
        up = value(s, "locust_up")
        return up == 1 and not missing, "locust_up %s, no requests yet for %s" % (up, missing)
    poll("exporter: locust_up 1 and requests for every DemoUser route %s" % routes,
         PHASE_LIMIT["scrape"], exporter_rows)

    info = series(metrics(ex), "locust_exporter_build_info")
    check([l.get("revision") for l, _ in info] == [revision],
          "locust_exporter_build_info revision=%s (make images -> compose -> build arg)" % revision, info)

    pp = ports["prometheus"]
    with open(os.path.join(ROOT, "prometheus", "prometheus.yml"), encoding="utf-8") as f:
        prom_cfg = yaml.safe_load(f)
    jobs = sorted(j["job_name"] for j in prom_cfg["scrape_configs"])

    def targets():
        active = prom_get(pp, "targets?state=active")["activeTargets"]
        health = {t["labels"]["job"]: (t["health"], t["lastError"]) for t in active}
        ok = sorted(health) == jobs and all(h == "up" for h, _ in health.values())
        return ok, health
    poll("every Prometheus target up %s" % jobs, PHASE_LIMIT["scrape"], targets)

    want = project_rules(prom_cfg)

    def rules():
        groups = prom_get(pp, "rules")["groups"]
        have, bad, unknown = {}, [], 0
        for g in groups:
            name = os.path.basename(g["file"])
            have[name] = have.get(name, 0) + len(g["rules"])
            for r in g["rules"]:
                if r["health"] == "err":
                    bad.append("%s: %s" % (r["name"], r.get("lastError")))
                unknown += r["health"] == "unknown"
        return have == want and not bad and not unknown, \
            "rules per file %s (want %s), errors %s, %d not evaluated yet" % (have, want, bad, unknown)
    poll("the project's rules loaded and evaluated without error", PHASE_LIMIT["scrape"], rules)
    runtime = prom_get(pp, "status/runtimeinfo")
    check(runtime.get("reloadConfigSuccess") is True, "Prometheus config loaded", runtime)

    # --scale
    compose.run("up", "-d", "--no-deps", "--no-recreate", "--scale", "locust-worker=3",
                "locust-worker", timeout=PHASE_LIMIT["up"])

    def three_workers():
        s = metrics(ex)
        n, missing = value(s, "locust_workers_count"), value(s, "locust_workers_missing_count")
        states = {l["state"]: v for l, v in series(s, "locust_workers")}
        return n == 3 and missing == 0, "locust_workers_count %s, by state %s" % (n, states)
    poll("--scale locust-worker=3: the exporter sees 3 workers, none missing", PHASE_LIMIT["scale"],
         three_workers)
    want_n = {s: 1 for s in SERVICES}
    want_n["locust-worker"] = 3
    cs = wait_healthy(compose, want_n, PHASE_LIMIT["healthy"])
    check(True, "3 locust-worker containers healthy")

    # the worker healthcheck's failures, with the command compose.yml configures
    workers = [c for c in cs if service(c) == "locust-worker"]
    test = workers[0]["Config"]["Healthcheck"]["Test"]
    check(test[0] == "CMD", "worker healthcheck is a CMD", test)
    # a locust-worker container whose only process is the check itself
    r = compose.run("run", "--rm", "--no-deps", "-T", "--entrypoint", test[1], "locust-worker",
                    *test[2:], check=False)
    check(r.returncode == 1 and "no Locust worker process" in r.stdout,
          "worker healthcheck fails in a locust-worker container without the worker process",
          (r.returncode, r.stdout, r.stderr[-500:]))
    compose.run("kill", "-s", "SIGKILL", "locust-master")

    def lost_master():
        outs = []
        for w in workers:
            r = eng.docker("exec", w["Id"], *test[1:], check=False)
            outs.append((r.returncode, r.stdout.strip() or r.stderr.strip()))
        return all(rc == 1 and "no worker connected" in o for rc, o in outs), outs
    poll("worker healthcheck fails in every worker once the master is killed", 30, lost_master)


def git_revision():
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                       text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "unknown"


def main():
    if os.geteuid() != 0:
        print("check-compose-up: needs root (it starts its own dockerd)", file=sys.stderr)
        return 2
    for tool in ("dockerd", "docker", "docker-compose", "debootstrap"):
        if not shutil.which(tool):
            print("check-compose-up: %s not found (deps/debian.txt)" % tool, file=sys.stderr)
            return 2

    state = {"eng": None, "compose": None, "closing": False}

    def on_signal(sig, frame):
        if not state["closing"]:
            raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    revision = git_revision()
    try:
        eng = state["eng"] = Engine(log)
        eng.lock()
        eng.start()
        workdir = eng.run_dir
        ports = {svc: free_port() for svc in PUBLISHED}
        compose = state["compose"] = Compose(eng, workdir, revision, ports)
        compose.run("down", "-v", "--remove-orphans", timeout=120)  # a killed run's leftovers

        cfg = compose.config()["services"]
        standins = {cfg["locust-master"]["image"]: ["-f", "tests/compose/locust.Dockerfile", "."],
                    cfg["prometheus"]["image"]: ["-f", "tests/compose/prometheus.Dockerfile",
                                                 "tests/compose"]}
        base = base_image_steps(eng, workdir)
        build = [eng.docker_bin, "build", "-q", "--network", "host"]
        project = [build + ["--target", "build", "-t", BUILD_CACHE_TAG % name,
                            "--build-arg", "REVISION=" + revision, "-f", df, "."]
                   for name, df in (("exporter", "exporter/Dockerfile"),
                                    ("demo-app", "demo-app/Dockerfile"))]
        project.append(["make", "--no-print-directory", "-C", ROOT, "images",
                        "COMPOSE=" + compose.command()])
        stand = [build + ["-t", tag] + args for tag, args in standins.items()]
        log("building: %s" % ", ".join(["debian:bookworm-slim"] * bool(base) +
                                       ["the project images"] + list(standins)))
        # the base first (both lanes need it), then the two lanes at once
        run_lanes(eng, {"base": base}, workdir, PHASE_LIMIT["build"])
        run_lanes(eng, {"project": project, "standins": stand}, workdir, PHASE_LIMIT["build"])
        sizes = eng.docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}").stdout
        log("images:\n  " + "\n  ".join(sorted(l for l in sizes.splitlines() if "<none>" not in l)))

        log("docker-compose up -d %s" % " ".join(SERVICES))
        compose.run("up", "-d", "--no-build", *SERVICES, timeout=PHASE_LIMIT["up"])
        log("up; checking")
        check_stack(eng, compose, ports, revision)
    except Failed as e:
        check(False, "compose stack", e)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        check(False, "compose stack", "%s: %s" % (type(e).__name__, e))
    except KeyboardInterrupt as e:
        check(False, "interrupted (%s)" % e)
    finally:
        state["closing"] = True
        teardown(state)
    log("done")
    return R.finish()


def teardown(state):
    eng, compose = state["eng"], state["compose"]
    if eng is None:
        return
    problems = []
    try:
        if compose is not None and eng.answers():
            if R.failed:
                r = compose.run("logs", "--no-color", "--tail", "20", check=False, timeout=60)
                print(r.stdout[-6000:], flush=True)
            r = compose.run("down", "-v", "--remove-orphans", check=False, timeout=120)
            if r.returncode != 0:
                problems.append("down -v: " + r.stderr[-500:])
            left = compose.leftovers()
            if left:
                problems.append("left after down -v: " + ", ".join(left))
            eng.docker("image", "prune", "-f", check=False, timeout=300)
    except (subprocess.TimeoutExpired, RuntimeError, OSError) as e:
        problems.append("teardown: %s" % e)
    problems += eng.close()
    check(not problems, "down -v, engine stopped: nothing left behind", "; ".join(problems))


if __name__ == "__main__":
    sys.exit(main())
