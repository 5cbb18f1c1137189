"""Project-level views: the API's catch-all 404, friendly error pages and /favicon.ico."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static

from learnstream.errors import (
    ApplicationError,
    NotFound,
    PermissionDenied,
    ServerError,
    is_api_request,
    problem_response,
)


def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    # Routed explicitly so /api/ answers problem+json even with DEBUG=True (which skips handler404).
    return problem_response(NotFound(f"No API endpoint at {request.path}."))


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own (for responses that are not our
    pages, such as JSON): the site icon in static files. Not permanent: its hashed static
    name changes with its content."""
    return HttpResponseRedirect(static("favicon.svg"))


def _page_or_problem(request: HttpRequest, error: ApplicationError, template: str) -> HttpResponse:
    if is_api_request(request):
        return problem_response(error)
    return render(request, template, status=error.status)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page_or_problem(request, NotFound(), "404.html")


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page_or_problem(request, PermissionDenied(), "403.html")


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    error = ApplicationError("The request could not be understood.")
    return _page_or_problem(request, error, "400.html")


def handler500(request: HttpRequest) -> HttpResponse:
    error = ServerError("An unexpected error occurred.")
    if is_api_request(request):
        return problem_response(error)
    # No template context processors here: a 500 page must render even when the DB is down.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    error = PermissionDenied("CSRF verification failed. Reload the page and try again.")
    return _page_or_problem(request, error, "403.html")
