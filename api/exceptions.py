from rest_framework.exceptions import Throttled
from rest_framework.views import exception_handler

from directory.limits import LimitExceeded


def json_exception_handler(exc, context):
    """Every error is `{"detail": "..."}`; field errors are kept under `errors`.

    A reached rate limit or quota is a 429 with Retry-After and a plain message.
    """
    if isinstance(exc, LimitExceeded):
        exc = Throttled(wait=exc.retry_after, detail=exc.message)
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        return response
    response.data = {"detail": first_message(data), "errors": data}
    return response


def first_message(data) -> str:
    if isinstance(data, dict):
        for field, value in data.items():
            message = first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(data, list) and data:
        return first_message(data[0])
    return str(data)
