# debatebot in a container: `docker build -t debatebot .`, then see compose.yaml for PostgreSQL, Redis and two
# bot processes. Settings come from the environment (every one is listed in .env.example); none are baked in here.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
# A wheel, not an editable install: the knowledge base ships inside it (bot/_knowledge).
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
COPY --from=build /install /usr/local
RUN useradd --create-home --uid 10001 debatebot
USER debatebot
WORKDIR /home/debatebot
ENV PYTHONUNBUFFERED=1 \
    LOG_FORMAT=json \
    OPS_HOST=0.0.0.0 \
    OPS_PORT=9100
# 3000: Slack HTTP mode (SLACK_HTTP_PORT); 9100: /healthz, /readyz and /metrics (OPS_PORT).
EXPOSE 3000 9100
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['OPS_PORT'], timeout=2)"]
ENTRYPOINT ["debatebot"]
CMD ["run"]
