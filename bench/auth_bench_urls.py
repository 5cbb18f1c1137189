"""The project's URLs plus /bench/noop (anyone) and /bench/noop-auth (signed in): the same
empty DRF view, so the difference between them is the bearer-token check alone."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSignedIn


class NoopApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


class NoopAuthApi(NoopApi):
    permission_classes = [IsSignedIn]


urlpatterns = [
    path("bench/noop", NoopApi.as_view()),
    path("bench/noop-auth", NoopAuthApi.as_view()),
    path("", include("learnstream.urls")),
]
