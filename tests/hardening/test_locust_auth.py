#!/usr/bin/python3
"""Basic auth towards a REAL Locust (Debian 2.12.1, --web-auth user:pass,
--autostart so the UI is up and running), through tools/locust.

- without credentials: locust_up 0, reason="auth", a log line naming the flags;
- --locust.user + --locust.password-file: locust_up 1 with Locust's users;
- LOCUST_EXPORTER_PASSWORD: works too; a wrong password: reason="auth";
- the password never appears in the exporter's log (debug level), in /,
  /metrics, --help output or the process's command line.
"""
import os
import subprocess
import tempfile

from hcommon import (EXPORTER, LOCUST, PYTHON, ROOT, Exporter, check, curl, finish, free_port, samples,
                     scrape_until, spawn, stop, wait_port)

USER = "scraper"
PASSWORD = "Pw-7qZ!unique-91c3"
AUTH = 'locust_exporter_scrape_errors_total{reason="auth"}'


def start_locust(tmp):
    port = free_port()
    log = open(os.path.join(tmp, "locust.log"), "wb")
    p = spawn([PYTHON, LOCUST, "-f", os.path.join(ROOT, "tests", "hardening", "locustfile_idle.py"),
               "--web-host", "127.0.0.1", "--web-port", str(port),
               "--web-auth", "%s:%s" % (USER, PASSWORD),
               "--autostart", "-u", "3", "-r", "3", "--loglevel", "WARNING"],
              stdout=log, stderr=log, cwd=tmp)
    return p, port


def no_password(ex, what):
    base = "http://127.0.0.1:%d" % ex.port
    places = {"log": ex.log(), "/": curl(base + "/")[3], "/metrics": curl(base + "/metrics")[3]}
    with open("/proc/%d/cmdline" % ex.proc.pid, "rb") as f:
        places["cmdline"] = f.read().decode(errors="replace")
    leaked = [k for k, v in places.items() if PASSWORD in v]
    check(not leaked, "%s: password absent from log, /, /metrics and cmdline (leaked: %s)" % (what, leaked))


def main():
    with tempfile.TemporaryDirectory(prefix="le-locustauth-") as tmp:
        pwfile = os.path.join(tmp, "password")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        badfile = os.path.join(tmp, "wrong")
        with open(badfile, "w") as f:
            f.write("not-" + PASSWORD + "\n")
        locust, port = start_locust(tmp)
        up = wait_port(port, locust, timeout=60)
        check(up, "Locust 2.12 with --web-auth is up on port %d" % port)
        if not up:
            with open(os.path.join(tmp, "locust.log")) as f:
                print(f.read()[-2000:])
            finish()
        uri = "http://127.0.0.1:%d" % port
        rc, code, hdr, _ = curl(uri + "/stats/requests")
        check(code == 401 and "www-authenticate: basic" in hdr.lower(), "Locust itself answers 401 without creds")

        ex = Exporter("--locust.uri=" + uri, "--log.level=debug")
        s = samples(curl("http://127.0.0.1:%d/metrics" % ex.port)[3])
        check(s.get("locust_up") == 0 and s.get(AUTH) == 1, "no credentials: up 0, reason auth (%s)" % s.get(AUTH))
        check("--locust.user" in ex.log() and "--locust.password-file" in ex.log(),
              "the log says which flags to set")
        ex.stop()

        ex = Exporter("--locust.uri=" + uri, "--locust.user=" + USER, "--locust.password-file=" + pwfile,
                      "--log.level=debug")
        s = scrape_until("http://127.0.0.1:%d/metrics" % ex.port, "locust_users", 3.0, timeout=20)
        check(s.get("locust_up") == 1 and s.get("locust_users") == 3 and s.get("locust_running") == 2,
              "--locust.user + --locust.password-file: up 1, users 3, running (%s, %s)" % (
                  s.get("locust_up"), s.get("locust_users")))
        check(not s.get(AUTH), "no auth failures counted")
        no_password(ex, "password file")
        ex.stop()

        env = dict(os.environ, LOCUST_EXPORTER_PASSWORD=PASSWORD, LOCUST_EXPORTER_USER=USER)
        ex = Exporter("--locust.uri=" + uri, "--log.level=debug", env=env)
        s = scrape_until("http://127.0.0.1:%d/metrics" % ex.port, "locust_up", 1.0, timeout=10)
        check(s.get("locust_up") == 1, "LOCUST_EXPORTER_USER + LOCUST_EXPORTER_PASSWORD: up 1")
        no_password(ex, "password env")
        ex.stop()

        ex = Exporter("--locust.uri=" + uri, "--locust.user=" + USER, "--locust.password-file=" + badfile,
                      "--log.level=debug")
        s = samples(curl("http://127.0.0.1:%d/metrics" % ex.port)[3])
        check(s.get("locust_up") == 0 and s.get(AUTH) == 1, "wrong password: up 0, reason auth")
        check("not-" + PASSWORD not in ex.log(), "the wrong password is not logged either")
        ex.stop()

        p = subprocess.run([EXPORTER, "--help", "--locust.password-file=" + pwfile], env=env,
                           capture_output=True, timeout=10)
        out = (p.stdout + p.stderr).decode(errors="replace")
        check(p.returncode == 0 and "--locust.password-file" in out and PASSWORD not in out,
              "--help (with the env var set) does not print the password")
        stop(locust, wait=15)
    finish()


if __name__ == "__main__":
    main()
