"""A one-file Django project (Debian's python3-django) for test_wsgi.py."""
import os

import django
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only-not-secret",
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["*"],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()


def index(request):
    return HttpResponse("Hello from Django %s\n" % django.get_version())


def info(request, name):
    return JsonResponse({"name": name, "q": request.GET.get("q"), "pid": os.getpid(),
                         "script_name": request.META.get("SCRIPT_NAME")})


@csrf_exempt
def post(request):
    return JsonResponse({"length": len(request.body), "ctype": request.content_type})


urlpatterns = [path("", index), path("info/<str:name>", info), path("post", post)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
