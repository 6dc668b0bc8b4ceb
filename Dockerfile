# The LIF platform image: the `lif` CLI, the relay, and the Dagster code location, webserver and
# daemon (docker-compose.yml runs each as a service from this one image).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/home \
    DAGSTER_TELEMETRY_ENABLED=false \
    LIF_HOME=/var/lib/lif

WORKDIR /opt/lif

# The project and its pinned dependencies (psycopg and crc32c ship wheels: no compiler needed).
COPY pyproject.toml README.md ./
COPY lif_core ./lif_core
COPY ingestors ./ingestors
COPY projections ./projections
COPY dagster_project ./dagster_project
RUN pip install . \
    && lif --help > /dev/null

# Dagster's instance (PostgreSQL storage) and workspace (the code location served over gRPC).
COPY deploy/dagster.yaml deploy/workspace.yaml /opt/dagster/home/

RUN useradd --system --uid 10001 --home-dir /var/lib/lif --shell /usr/sbin/nologin lif \
    && mkdir -p /var/lib/lif /var/lib/dagster \
    && chown -R lif:lif /var/lib/lif /var/lib/dagster /opt/dagster/home
USER lif

EXPOSE 3000 4000
CMD ["lif", "--help"]
