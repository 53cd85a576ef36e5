from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import active_membership
from api.parsers import JSONParser
from api.permissions import CanLookUp
from directory.api.serializers import (
    BatchLookupRequestSerializer,
    BatchLookupResponseSerializer,
    LookupRequestSerializer,
    LookupResponseSerializer,
    result_data,
)
from directory.lookups import lookup_numbers
from directory.matching import DISCLAIMER

MATCH_EXAMPLE = {
    "input": "(206) 555-0123",
    "e164": "+12065550123",
    "outcome": "match",
    "reason": "",
    "evidence": {
        "e164": "+12065550123",
        "first_contact": "2024-02-02",
        "last_contact": "2024-05-27",
        "contact_count": 3,
        "channels": ["call", "text"],
        "operations": [{"jurisdiction": "Seattle, WA, US", "started_on": "2024-02-01", "ended_on": "2024-03-15"}],
    },
    "disclaimer": DISCLAIMER,
}


LOOKUP_EXAMPLES = [
    OpenApiExample(
        "A number and a window",
        value={"number": "(206) 555-0123", "assigned_from": "2023-01-01"},
        request_only=True,
    ),
    OpenApiExample("A match", value=MATCH_EXAMPLE, response_only=True),
]
BATCH_EXAMPLES = [
    OpenApiExample(
        "Strings and objects",
        value={
            "numbers": ["206-555-0123", {"number": "+44 7700 900123", "assigned_to": "2022-12-31"}],
            "region": "US",
        },
        request_only=True,
    ),
]


class LookupAPIView(APIView):
    """Lookups are JSON requests of members who may look numbers up."""

    permission_classes = [CanLookUp]
    parser_classes = [JSONParser]


class LookupView(LookupAPIView):
    """Check one number. Counts against the member's rate limit and the organization's daily quota."""

    @extend_schema(request=LookupRequestSerializer, responses={200: LookupResponseSerializer}, examples=LOOKUP_EXAMPLES)
    def post(self, request):
        serializer = LookupRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        [result] = lookup_numbers(
            membership=active_membership(request.user),
            inputs=[serializer.to_match_input()],
            region=serializer.validated_data.get("region"),
            request=request,
        )
        return Response({**result_data(result), "disclaimer": DISCLAIMER})


class BatchLookupView(LookupAPIView):
    """Check up to 1,000 numbers at once; results come back in input order."""

    @extend_schema(
        request=BatchLookupRequestSerializer, responses={200: BatchLookupResponseSerializer}, examples=BATCH_EXAMPLES
    )
    def post(self, request):
        serializer = BatchLookupRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = lookup_numbers(
            membership=active_membership(request.user),
            inputs=serializer.validated_data["numbers"],
            region=serializer.validated_data.get("region"),
            request=request,
        )
        return Response({"results": [result_data(result) for result in results], "disclaimer": DISCLAIMER})
