#!/usr/bin/python3
"""Checks of compose.yml and the Dockerfiles that need no Docker engine.

    check_deploy_files.py        (binaries from $O, default build)

compose.yml: the six services, every build context / Dockerfile / bind-mounted
file exists, every service (the Locust workers too) has a healthcheck,
depends_on uses conditions, the Grafana admin password comes from the
environment with a default, every published port is bound to
${PUBLISH_ADDRESS:-127.0.0.1} (resolved by docker-compose config: 127.0.0.1
by default, PUBLISH_ADDRESS moves every port), the exporter's build passes
REVISION from ${GIT_REVISION:-unknown}.
Dockerfiles (tests/compose/ stand-ins too): no `# syntax=` line (BuildKit
would fetch a frontend image), multi-stage on debian:bookworm-slim, the build
stage installs from deps/debian.txt, the exporter's build hands REVISION to
make, a non-root USER, a HEALTHCHECK, and the runtime stage installs the
Debian package of every shared library the natively built binary links
directly (same Debian release), so the image can start.
.dockerignore keeps what the build needs.  Ends with `N passed, N failed`.
"""
import glob
import os
import re
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testkit import BUILD, ROOT, Results  # noqa: E402

SERVICES = {"demo-app", "locust-master", "locust-worker", "exporter", "prometheus", "grafana"}
DOCKERFILES = {"exporter/Dockerfile": "locust_exporter", "demo-app/Dockerfile": "demo-app"}

R = Results(quiet=True)
check = R.check


def check_compose():
    with open(os.path.join(ROOT, "compose.yml"), encoding="utf-8") as f:
        c = yaml.safe_load(f)
    services = c.get("services", {})
    check(SERVICES <= set(services), "compose services %s" % sorted(SERVICES - set(services)))
    for name, s in services.items():
        b = s.get("build")
        if b:
            ctx = os.path.join(ROOT, b.get("context", "."))
            check(os.path.isdir(ctx), "%s: build context %s exists" % (name, ctx))
            df = os.path.join(ctx, b.get("dockerfile", "Dockerfile"))
            check(os.path.isfile(df), "%s: Dockerfile %s exists" % (name, df))
        for v in s.get("volumes", []):
            src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
            if src.startswith("."):
                check(os.path.exists(os.path.join(ROOT, src)), "%s: mounted %s exists" % (name, src))
        check("healthcheck" in s, "%s: healthcheck" % name)
        for p in s.get("ports", []):
            check(str(p).startswith("${PUBLISH_ADDRESS:-127.0.0.1}:"),
                  "%s: port %s published on ${PUBLISH_ADDRESS:-127.0.0.1}" % (name, p))
        deps = s.get("depends_on", {})
        check(isinstance(deps, dict) and all("condition" in d for d in deps.values()),
              "%s: depends_on with conditions" % name)
    check("ports" not in services.get("locust-worker", {}),
          "locust-worker publishes no port (so --scale works)")
    env = services.get("grafana", {}).get("environment", {})
    check(re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:-.+\}",
                       str(env.get("GF_SECURITY_ADMIN_PASSWORD", ""))) is not None,
          "grafana admin password from env with a default")
    args = (services.get("exporter", {}).get("build") or {}).get("args", {})
    check(args.get("REVISION") == "${GIT_REVISION:-unknown}",
          "exporter build arg REVISION from ${GIT_REVISION:-unknown}", args)


def resolved_ports(env):
    """{service: [published port specs]} from `docker-compose config` under env."""
    r = subprocess.run(["docker-compose", "-f", os.path.join(ROOT, "compose.yml"), "config"],
                       env=env, capture_output=True, text=True, cwd=ROOT)
    if not check(r.returncode == 0, "docker-compose config", r.stderr):
        return {}
    return {n: [str(p) for p in s.get("ports", [])]
            for n, s in yaml.safe_load(r.stdout)["services"].items()}


def check_published_addresses():
    with open(os.path.join(ROOT, "compose.yml"), encoding="utf-8") as f:
        variables = set(re.findall(r"\$\{(\w+)", f.read()))
    clean = {k: v for k, v in os.environ.items() if k not in variables}
    ports = resolved_ports(clean)
    specs = [p for ps in ports.values() for p in ps]
    check(len(specs) == 5 and all(p.startswith("127.0.0.1:") for p in specs),
          "by default every port is published on 127.0.0.1 only", specs)
    moved = resolved_ports(dict(clean, PUBLISH_ADDRESS="0.0.0.0", EXPORTER_PORT="19646"))
    specs = [p for ps in moved.values() for p in ps]
    check(len(specs) == 5 and all(p.startswith("0.0.0.0:") for p in specs)
          and "0.0.0.0:19646:9646/tcp" in moved.get("exporter", []),
          "PUBLISH_ADDRESS moves every port, EXPORTER_PORT the exporter's", specs)


def stages(text):
    return re.split(r"(?m)^FROM ", text)[1:]


def runtime_packages(stage):
    m = re.search(r"apt-get install[^\n]*?--no-install-recommends ([^\n&\\]+)", stage)
    return set(m.group(1).split()) if m else set()


def ldd_packages(binary):
    """Debian packages of the libraries the binary links directly (DT_NEEDED);
    apt pulls in their own dependencies."""
    dyn = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                         check=True).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn))
    # a SANITIZE=1 build links the sanitizer runtimes, which images never ship
    needed = {n for n in needed if not re.match(r"lib(asan|ubsan|lsan|tsan)\.so", n)}
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    pkgs, missing, shipped = set(), [], []
    for line in out.splitlines():
        m = re.search(r"=>\s+(\S+)", line)
        if not m or line.split()[0] not in needed:
            continue
        path, found = os.path.realpath(m.group(1)), None
        if os.path.dirname(path) == os.path.realpath(BUILD):
            shipped.append(path)  # built beside the binary (rpath $ORIGIN)
            continue
        for cand in (m.group(1), path, "/usr" + path if not path.startswith("/usr") else path[4:]):
            r = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True)
            if r.returncode == 0:
                found = r.stdout.split(":")[0]
                break
        if found:
            pkgs.add(found)
        else:
            missing.append(m.group(1))
    return pkgs, missing, shipped


def check_dockerfile(rel, binary):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        text = f.read()
    st = stages(text)
    check(not re.search(r"(?mi)^#\s*syntax\s*=", text), "%s: no # syntax= line" % rel)
    check(len(st) >= 2 and all(s.startswith("debian:bookworm-slim") for s in st),
          "%s: multi-stage on debian:bookworm-slim" % rel)
    check("deps/debian.txt" in st[0], "%s: build stage installs from deps/debian.txt" % rel)
    if binary == "locust_exporter":
        check(re.search(r"(?m)^ARG REVISION=unknown$", st[0]) is not None
              and 'LE_REVISION="$REVISION"' in st[0],
              "%s: build stage hands ARG REVISION to make as LE_REVISION" % rel)
    final = st[-1] if st else ""
    user = re.search(r"(?m)^USER\s+(\S+)", final)
    check(user is not None and user.group(1).split(":")[0] not in ("root", "0"),
          "%s: runs as a non-root user" % rel)
    check(re.search(r"(?m)^HEALTHCHECK ", final) is not None, "%s: HEALTHCHECK" % rel)
    for src in re.findall(r"(?m)^COPY (?!--from)(\S+)", text):
        check(os.path.exists(os.path.join(ROOT, src)), "%s: COPY source %s exists" % (rel, src))
    path = os.path.join(BUILD, binary)
    if not check(os.path.isfile(path), "%s: native binary %s built" % (rel, path)):
        return
    have = runtime_packages(final)
    need, missing, shipped = ldd_packages(path)
    if shipped:
        check(re.search(r"cp out/\*\.so\*", st[0]) is not None,
              "%s: ships the libraries built beside the binary" % rel)
    for lib in shipped:
        more, miss, _ = ldd_packages(lib)
        need |= more
        missing += miss
    need = {p.split(":")[0] for p in need} - {"libc6"}
    check(not missing, "%s: every library of %s belongs to a package %s" % (rel, binary, missing))
    check(need <= have, "%s: runtime stage installs %s" % (rel, sorted(need - have)))


def check_dockerignore():
    with open(os.path.join(ROOT, ".dockerignore"), encoding="utf-8") as f:
        ignored = {ln.strip() for ln in f if ln.strip() and not ln.startswith("#")}
    for need in ("Makefile", "lib", "pkgconfig", "exporter", "demo-app", "deps"):
        check(need not in ignored, ".dockerignore keeps %s" % need)


def check_standins():
    for df in sorted(glob.glob(os.path.join(ROOT, "tests", "compose", "*.Dockerfile"))):
        with open(df, encoding="utf-8") as f:
            text = f.read()
        rel = os.path.relpath(df, ROOT)
        check(not re.search(r"(?mi)^#\s*syntax\s*=", text), "%s: no # syntax= line" % rel)
        check("TEST STAND-IN" in text and re.search(r"(?m)^FROM debian:bookworm-slim$", text),
              "%s: marked a test stand-in, on debian:bookworm-slim" % rel)


def main():
    check_compose()
    check_published_addresses()
    check_standins()
    for rel, binary in DOCKERFILES.items():
        check_dockerfile(rel, binary)
    check_dockerignore()
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())
