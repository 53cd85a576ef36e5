"""The private-screening API: the set-up download (with an ETag) and the answer to a blinded request."""

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import active_membership
from api.parsers import JSONParser
from api.permissions import CanScreen
from audit.services import record_event
from directory.api.serializers import BatchLookupRequestSerializer, BatchLookupResponseSerializer, result_data
from directory.matching import DISCLAIMER
from private_screening import services, setups, tasks

BINARY = "application/octet-stream"
# An encrypted number is 33 bytes and a few of framing; anything much larger is not a request.
MAX_BYTES_PER_NUMBER = 64

SETUP_DESCRIPTION = (
    "The set-up message of the listed numbers, encrypted under the server's key, in shards. The body is "
    "a 4-byte big-endian length, a JSON header of that length (`version`, `key_id`, `directory_as_of`, "
    "`shard_count`, `client_capacity`, `false_positive_rate`, `request_max_numbers`, `shard_sizes`), then "
    "each shard's serialized `psi_proto.ServerSetup` (openmined-psi), of the sizes the header gives. A number "
    "belongs to shard `int(last four digits of its E.164) % shard_count`. Send `If-None-Match` with the "
    "ETag of a copy you keep: an unchanged set-up answers 304 with no body. While no set-up is built yet "
    "the answer is 503 with Retry-After."
)
REQUEST_DESCRIPTION = (
    "The client's blinded request, a serialized `psi_proto.Request` (openmined-psi, reveal_intersection "
    "true) of at most `request_max_numbers` encrypted numbers, answered with a serialized "
    "`psi_proto.Response` in the same order. The server learns how many numbers were sent, never which: "
    "the count is charged to the organization's daily screening quota and written to the audit log. "
    "The `Private-Screening-Key` header names the key: it must match the set-up's `key_id`."
)
CONFIRM_DESCRIPTION = (
    "The batch lookup of a private screening's hits, with their windows: the same request and answer as "
    "`POST /api/v1/lookups/batch/`. Hits were charged to the daily screening quota when they were sent "
    "blinded, so they count against no lookup limit; an organization confirms each number it sent blinded at "
    "most once (429 past that)."
)


class BlindedRequestParser(BaseParser):
    media_type = BINARY

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.PSI_REQUEST_MAX_NUMBERS * MAX_BYTES_PER_NUMBER
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise ParseError("The request is larger than the most numbers a request may hold.")
        return body


class PrivateScreeningView(APIView):
    """Private screening is for the members who may screen lists (HR and admins); its requests are JSON
    unless said otherwise."""

    permission_classes = [CanScreen]
    parser_classes = [JSONParser]


class SetupView(PrivateScreeningView):
    """The private-screening set-up message."""

    @extend_schema(
        description=SETUP_DESCRIPTION,
        parameters=[OpenApiParameter("If-None-Match", location=OpenApiParameter.HEADER, required=False)],
        responses={
            (200, BINARY): OpenApiResponse(OpenApiTypes.BINARY, description="The set-up, with an ETag header."),
            304: OpenApiResponse(description="The copy whose ETag was sent is current."),
            503: OpenApiResponse(description="No set-up is built yet; try again after Retry-After seconds."),
        },
    )
    def get(self, request):
        setup = setups.current_setup()
        if setup is None:
            tasks.queue_refresh(1)
            response = Response({"detail": "The private-screening set-up is being built. Try again in a minute."})
            response.status_code, response["Retry-After"] = 503, "60"
            return response
        if request.headers.get("If-None-Match") == setup.etag:
            response = HttpResponse(status=304)
        else:
            record_event(action="private_screening.setup_downloaded", request=request, detail={"version": setup.pk})
            response = StreamingHttpResponse(services.setup_download(setup), content_type=BINARY)
        response["ETag"] = setup.etag
        response["Last-Modified"] = setup.directory_as_of.strftime("%a, %d %b %Y %H:%M:%S GMT")
        return response


class BlindedRequestView(PrivateScreeningView):
    """Answer a private-screening client's blinded request."""

    parser_classes = [BlindedRequestParser]

    @extend_schema(
        description=REQUEST_DESCRIPTION,
        request={BINARY: OpenApiTypes.BINARY},
        responses={
            (200, BINARY): OpenApiResponse(OpenApiTypes.BINARY, description="The server's response."),
            400: OpenApiResponse(description="The body is not a blinded request."),
            429: OpenApiResponse(description="The rate limit or the daily screening quota is reached."),
        },
    )
    def post(self, request):
        body = request.data if isinstance(request.data, bytes) else b""  # DRF gives {} for an empty body
        answer = services.answer_request(membership=active_membership(request.user), body=body, request=request)
        response = HttpResponse(answer, content_type=BINARY)
        response["Private-Screening-Key"] = setups.key_id()
        return response


class ConfirmView(PrivateScreeningView):
    """Look up the hits of a private screening."""

    @extend_schema(
        description=CONFIRM_DESCRIPTION,
        request=BatchLookupRequestSerializer,
        responses={
            200: BatchLookupResponseSerializer,
            400: OpenApiResponse(description="The body is not a list of numbers."),
            429: OpenApiResponse(description="The rate limit is reached, or these are more numbers than were sent."),
        },
    )
    def post(self, request):
        serializer = BatchLookupRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = services.confirm_hits(
            membership=active_membership(request.user),
            inputs=serializer.validated_data["numbers"],
            region=serializer.validated_data.get("region"),
            request=request,
        )
        return Response({"results": [result_data(result) for result in results], "disclaimer": DISCLAIMER})
