# One image for web, worker, beat and stream (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=polybot.settings.prod

WORKDIR /app
RUN groupadd --system polybot && useradd --system --gid polybot --home /app polybot

COPY . .
# gcc builds the stream's compiled book core (setup.py), then goes: the
# image keeps only the built module.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install -c requirements.lock . \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
    && DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build/none REDIS_URL=redis://build:6379/0 \
       python manage.py collectstatic --noinput

USER polybot
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "polybot.asgi:application"]
