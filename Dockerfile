FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --create-home --uid 10001 support
COPY pyproject.toml README.md ./
COPY agent ./agent
COPY workflows ./workflows
COPY console ./console
RUN pip install .

USER support
# The embedded SQLite database lives in the user's home unless DATABASE_URL says otherwise.
WORKDIR /home/support
ENV HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000
CMD ["support-agent", "serve"]
