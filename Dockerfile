# The tracker in a container: `tracker serve` (the scheduler and the app on port 8501) by default; any
# other command with `docker run ... CMD` (`schedule` and `app` for split deployments).
#   docker build -t oss-tracker .
#   docker run -d --name tracker -p 127.0.0.1:8501:8501 -v tracker-data:/data -e GITHUB_TOKEN oss-tracker
#   docker exec tracker tracker status          # or: docker run --rm -v tracker-data:/data oss-tracker status
#   docker stop -t 300 tracker                  # SIGTERM: the current project's write is finished first
#   docker logs -f tracker
# The app has no login: publish its port on 127.0.0.1 (as above) or behind an authenticating proxy.
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
COPY data/sample ./data/sample
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
EXPOSE 8501
STOPSIGNAL SIGTERM
ENTRYPOINT ["tracker"]
# Inside the container the app listens on every interface; the port is published by `docker run -p`.
CMD ["serve", "--address", "0.0.0.0"]
