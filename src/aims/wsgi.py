import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")
application = get_wsgi_application()

from aims.core.server_process import warm_up_and_freeze  # noqa: E402  (needs the settings above)

warm_up_and_freeze()  # each gunicorn worker, before its first request
