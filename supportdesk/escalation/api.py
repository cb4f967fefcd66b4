"""REST API of the escalation: acknowledge a Prio 1 case."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.escalation import selectors, services


class EscalationAcknowledgeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="escalation.pk")
        status = serializers.CharField(source="escalation.status")
        accepted = serializers.BooleanField()
        acknowledged_by = serializers.CharField(source="escalation.acknowledged_by.username", allow_null=True)
        acknowledged_at = serializers.DateTimeField(source="escalation.acknowledged_at", allow_null=True)
        detail = serializers.CharField(source="message")

    @extend_schema(
        operation_id="escalation_acknowledge",
        request=None,
        responses={200: OutputSerializer, 409: OpenApiResponse(OutputSerializer, description="Acknowledged before")},
    )
    def post(self, request: Request, pk: int) -> Response:
        escalation = selectors.escalation_get_for_user(user=request.user, escalation_id=pk)  # type: ignore[arg-type]
        result = services.escalation_acknowledge(escalation=escalation, actor=request.user, via="api")  # type: ignore[arg-type]
        return Response(self.OutputSerializer(result).data, status=200 if result.accepted else 409)
