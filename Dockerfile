FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=learnstream.settings.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings to import; these placeholders never reach a running container.
RUN SECRET_KEY=build-only-placeholder-build-only-placeholder-build-only DEBUG=False \
    python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 learnstream && mkdir -p /app/var && chown learnstream /app/var
USER learnstream
EXPOSE 8000
CMD ["gunicorn", "learnstream.wsgi:application"]
