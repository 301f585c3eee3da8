import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thamdee.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: without the keys that `thamdee check --deploy` demands, refuse to serve at all.
from thamdee.people.checks import refuse_without_keys  # noqa: E402

refuse_without_keys()
