"""Every answer under /api/ is JSON `{"detail": ...}`, whatever went wrong and whatever DEBUG is.

DRF answers its own errors in JSON; this catches the rest: a body over the size limit, a path
that matches no route, a crash, and Django's own error pages (HTML, or the debug pages).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

API_PREFIX = "/api/"
DETAILS = {
    400: "Bad request.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    500: "Server error. It has been logged; try again later.",
}


class JsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400 or is_json(response):
            return response
        return as_json(response)

    def process_exception(self, request, exception):
        if request.path.startswith(API_PREFIX) and isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20
            return JsonResponse({"detail": f"The request body is larger than the limit of {limit} MB."}, status=413)
        return None


def is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def as_json(response) -> JsonResponse:
    """The same status and headers, with what DRF said (it rendered a browsable page) or a plain message."""
    data = getattr(response, "data", None)
    if not (isinstance(data, dict) and "detail" in data):
        data = {"detail": DETAILS.get(response.status_code, response.reason_phrase)}
    answer = JsonResponse(data, status=response.status_code)
    for header, value in response.headers.items():
        if header.lower() not in {"content-type", "content-length"}:
            answer.headers[header] = value
    return answer
