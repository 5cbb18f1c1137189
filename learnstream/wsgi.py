import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnstream.settings.local")

django_application = get_wsgi_application()

from learnstream.shedding import ShedOverdueRequests  # noqa: E402  (once Django is set up)

# Requests that waited past the queue budget are answered before Django sees them.
application = ShedOverdueRequests(django_application)
