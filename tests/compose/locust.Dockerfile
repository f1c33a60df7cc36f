# TEST STAND-IN for the locustio/locust image, which no registry can supply
# to the test engine: Debian's python3-locust (2.12.1) run through
# tools/locust, with what compose.yml expects of the real image (ENTRYPOINT
# locust, `python` on PATH, a non-root user).  check-compose-up tags it with
# compose.yml's image name inside its own engine only.  Never published.
# Build from the repository root:  docker build -f tests/compose/locust.Dockerfile .
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-locust python-is-python3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 --shell /usr/sbin/nologin locust
COPY tools/locust /usr/local/bin/locust
USER 1000:1000
WORKDIR /home/locust
EXPOSE 8089 5557
ENTRYPOINT ["locust"]
