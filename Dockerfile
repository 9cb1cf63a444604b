# The project's pipeline image: the locked environment (with pyspark and Java for `creditrisk score-portfolio`),
# for the tuning workers and the MLflow server of docker-compose's `scale` profile, or any pipeline command.
# Build from the project root: docker build -t creditrisk-pipeline .
FROM python:3.11-slim
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      openjdk-17-jre-headless git && rm -rf /var/lib/apt/lists/* && useradd --create-home --uid 1000 creditrisk
ENV UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 GX_ANALYTICS_ENABLED=false \
    DVC_NO_ANALYTICS=1 MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false UV_COMPILE_BYTECODE=1
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --group spark --no-install-project
COPY src/ src/
RUN uv sync --frozen --no-dev --group spark
USER creditrisk
# the project folder (params.yaml, data/, models/) is mounted at /app/project by docker-compose
WORKDIR /app/project
CMD ["creditrisk", "--help"]
