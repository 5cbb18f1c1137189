"""Project-level views: the API's catch-all 404, friendly error pages and /favicon.ico."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt

from learnstream.errors import (
    ApplicationError,
    NotFound,
    PermissionDenied,
    ServerError,
    is_api_request,
    problem_response,
)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    # Routed explicitly so /api/ answers problem+json even with DEBUG=True (which skips handler404).
    # CSRF-exempt: it changes nothing, and a bearer POST to an unknown path must get this 404,
    # not Django's CSRF 403. The real routes are DRF views, whose SessionAuthentication still
    # enforces CSRF for cookie-authenticated calls.
    return problem_response(NotFound(f"No API endpoint at {request.path}."))


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own (for responses that are not our
    pages, such as JSON): the site icon in static files. Not permanent: its hashed static
    name changes with its content."""
    return HttpResponseRedirect(static("favicon.svg"))


def _page_or_problem(
    request: HttpRequest, error: ApplicationError, template: str, reason: str = ""
) -> HttpResponse:
    if is_api_request(request):
        return problem_response(error)
    return render(request, template, {"reason": reason}, status=error.status)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page_or_problem(request, NotFound(), "404.html")


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A domain refusal carries a sentence for the person (e.g. "verify your authenticator
    # first"); Django's own 403s carry none.
    reason = str(exception) if exception is not None and exception.args else ""
    return _page_or_problem(request, PermissionDenied(), "403.html", reason)


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
    return _page_or_problem(request, error, "403.html", error.detail)
