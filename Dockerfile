# civicmod image: one image for every subcommand (default: the Faust worker).
#   docker build -t civicmod .
#   docker run --rm -e KAFKA_BOOTSTRAP_SERVERS=broker:9092 civicmod topics
#   docker run --rm -e KAFKA_BOOTSTRAP_SERVERS=broker:9092 -p 6066:6066 civicmod worker
# Settings come from CIVICMOD__SECTION__KEY env vars (see civicmod/config.py), or a YAML file
# mounted at /app/civicmod.yaml (or anywhere, with CIVICMOD_CONFIG=/path/to/file).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# CPU-only torch first (a fraction of the size of the default CUDA build); the project's own
# `torch` requirement is then already satisfied. Its own layer, so code changes don't redo it.
RUN pip install --no-cache-dir torch --index-url https://download.pytorch.org/whl/cpu

WORKDIR /src
COPY pyproject.toml README.md ./
COPY civicmod/ ./civicmod/
COPY streams/ ./streams/
COPY rules/ ./rules/
COPY classifiers/ ./classifiers/
RUN pip install --no-cache-dir '.[onnx]'

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin civicmod \
    && mkdir -p /app /models \
    && chown civicmod:civicmod /app
WORKDIR /app
USER civicmod

# The worker's web server (GET /health) must listen on all interfaces inside a container.
ENV CIVICMOD__WORKER__WEB_HOST=0.0.0.0
EXPOSE 6066

ENTRYPOINT ["civicmod"]
CMD ["worker"]
