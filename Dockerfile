# The Arshif app (web UI + API + CLI). The search engine runs beside it (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY arshif ./arshif
COPY indexer ./indexer
COPY web ./web
COPY cli ./cli
COPY mappings ./mappings
COPY demo ./demo
RUN pip install --no-cache-dir -e .
ENV ARSHIF_DATA_DIR=/data ARSHIF_HOST=0.0.0.0 ARSHIF_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=5 CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health').status==200 else 1)"
CMD ["arshif", "serve"]
