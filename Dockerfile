# The tracker in a container: `tracker schedule` by default; any other command with `docker run ... CMD`.
#   docker build -t oss-tracker .
#   docker run -d --name tracker -v tracker-data:/data -e GITHUB_TOKEN oss-tracker
#   docker exec tracker tracker status          # or: docker run --rm -v tracker-data:/data oss-tracker status
#   docker stop -t 300 tracker                  # SIGTERM: the current project's write is finished first
#   docker logs -f tracker
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/tracker
COPY pyproject.toml README.md ./
COPY tracker ./tracker
COPY collectors ./collectors
COPY app.py ./
COPY docs/methodology.md ./docs/methodology.md
COPY data/projects.yaml ./data/projects.yaml
COPY deploy/schedule.toml /etc/tracker/schedule.toml
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --no-create-home tracker \
    && mkdir -p /data && chown tracker:tracker /data

USER tracker
ENV TRACKER_DB=/data/tracker.duckdb \
    TRACKER_GIT_CACHE=/data/git-cache \
    TRACKER_SCHEDULE_CONFIG=/etc/tracker/schedule.toml \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["tracker"]
CMD ["schedule"]
