# TEST STAND-IN for the prom/prometheus image, which no registry can supply
# to the test engine: Debian's prometheus package (2.42), laid out as
# compose.yml expects of the real image (ENTRYPOINT prometheus, data in
# /prometheus owned by nobody, `wget` for the healthcheck).  check-compose-up
# tags it with compose.yml's image name inside its own engine only.
# Build context: any directory (nothing is copied).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
