# One image for the web process, Celery workers and extracted context services.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 app
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN SECRET_KEY=build python manage.py collectstatic --noinput -v0 && chown -R app:app /app
# The image runs hardened (HTTPS only, HSTS, secure cookies) and refuses to start without a real SECRET_KEY.
ENV PAGERO_ENV=production
USER app
EXPOSE 8000
# Web by default; docker-compose overrides the command for the worker.
CMD ["gunicorn", "pagero.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
