import os
from urllib.parse import unquote, urlparse

u = urlparse(os.environ.get("DATABASE_URL", "postgres://localhost/shop"))
SECRET_KEY = "fixture"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "people", "inventory"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": u.path[1:], "HOST": u.hostname, "PORT": u.port,
                         "USER": unquote(u.username or ""), "PASSWORD": unquote(u.password or "")}}
