import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import every view while the worker starts, not in its first request: the URLconf pulls in WeasyPrint,
# openpyxl and the rest, about 2 s that the first citizens after each deploy or restart would wait for.
get_resolver().url_patterns  # noqa: B018 (the lookup is the point)
