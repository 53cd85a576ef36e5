from rest_framework.exceptions import APIException, Throttled
from rest_framework.views import exception_handler

from lib.errors import DomainError
from lib.limits import LimitExceeded


def json_exception_handler(exc, context):
    """Every error is `{"detail": "..."}`; field errors are kept under `errors`.

    A reached rate limit or quota is a 429 with Retry-After and a plain message; any other refusal
    of the product's rules (a DomainError) answers its own status with its message.
    """
    if isinstance(exc, LimitExceeded):
        exc = Throttled(wait=exc.retry_after, detail=exc.message)
    elif isinstance(exc, DomainError):
        exc = DomainRefusal(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        return response
    response.data = {"detail": first_message(data), "errors": data}
    return response


class DomainRefusal(APIException):
    """A DomainError as DRF answers it: its status and its message."""

    def __init__(self, error: DomainError):
        super().__init__(detail=error.message)
        self.status_code = error.status


def first_message(data) -> str:
    if isinstance(data, dict):
        for field, value in data.items():
            message = first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(data, list) and data:
        return first_message(data[0])
    return str(data)
