"""REST API of the hand-over: where the support line rings now (R10, R15, R16)."""

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.handover import selectors
from supportdesk.handover.models import RoutingTarget
from supportdesk.roster.api import ERROR_RESPONSES, InvalidParameters


class PlainTextRenderer(BaseRenderer):
    """``?format=text``: one line, the number to dial or ``voicemail``."""

    media_type = "text/plain"
    format = "text"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return f"{data}\n".encode() if isinstance(data, str) else b""


class SupportLineApi(APIView):
    """Where the support line rings now: the mailbox head, the phone duty, a coordinator or voicemail."""

    renderer_classes = [JSONRenderer, PlainTextRenderer]

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SupportLineRouting"

        target = serializers.ChoiceField(choices=RoutingTarget.choices)
        name = serializers.CharField(allow_blank=True)
        number = serializers.CharField(allow_null=True)
        until = serializers.DateTimeField(allow_null=True)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as exc:
            raise InvalidParameters("format: use json or text.") from exc

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        # Errors keep DRF's {"detail": ...} shape as JSON, whatever format was asked for (STYLE 13).
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Where the support line rings now",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "text"], description="default json")],
        responses={200: OutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        routing = selectors.routing_at(now=timezone.now())
        if request.accepted_renderer.format == "text":
            return Response(routing.dial)
        return Response(routing.payload())
