"""REST API of the roster: who is on call, and the plan as a list."""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from supportdesk.accounts.models import User
from supportdesk.roster import selectors
from supportdesk.roster.models import Duty

MAX_DAYS = 400


class InvalidParameters(APIException):
    """A bad query parameter, reported in DRF's ``{"detail": ...}`` shape (STYLE 13)."""

    status_code = 400
    default_detail = "Invalid query parameters."
    default_code = "invalid"


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        raise InvalidParameters(_error_text(serializer.errors))
    return dict(serializer.validated_data)


def _error_text(errors: Mapping[str, Any]) -> str:
    parts = []
    for name, messages in errors.items():
        text = " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
        parts.append(text if name == api_settings.NON_FIELD_ERRORS_KEY else f"{name}: {text}")
    return " ".join(parts)


_UNENCODED_OFFSET = re.compile(r"^(.*\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def _restore_plus(raw: str) -> str:
    """Undo the query-string decoding of an unencoded ``+01:00`` offset into `` 01:00``."""
    return _UNENCODED_OFFSET.sub(r"\1+\2", raw.strip())


class ErrorSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Error"

    detail = serializers.CharField()


ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description="A bad query parameter; `detail` says which and why."),
    401: OpenApiResponse(ErrorSerializer, description="No token, or a wrong or revoked one."),
}


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField(source="office_phone")
    mobile = serializers.CharField()


class WindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


def _person(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "phone": user.office_phone,
        "mobile": user.mobile,
    }


def oncall_payload(*, at: datetime) -> dict[str, Any]:
    """The on-call answer for ``at``; the ``oncall --json`` command prints the same."""
    oncall = selectors.oncall_at(at=at)
    tz = ZoneInfo(settings.TIME_ZONE)

    def person(code: str) -> dict[str, Any] | None:
        holder = oncall.holders.get(code)
        return _person(holder.user) if holder and holder.user else None

    window = oncall.window
    return {
        "at": at.astimezone(tz).isoformat(),
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()} if window else None,
        "phone_duty": person(Duty.PHONE_DUTY),
        "technical_standby": person(Duty.TECHNICAL_STANDBY),
    }


class OnCallApi(APIView):
    class InputSerializer(serializers.Serializer):
        at = serializers.DateTimeField(required=False)

        def validate_at(self, value: datetime) -> datetime:
            if not 1970 <= value.year <= 9000:
                raise serializers.ValidationError("Must be between the years 1970 and 9000.")
            return value

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OnCall"  # the schema component; both views' nested classes are "Output"

        at = serializers.DateTimeField()
        window = WindowSerializer(allow_null=True)
        phone_duty = PersonSerializer(allow_null=True)
        technical_standby = PersonSerializer(allow_null=True)

    @extend_schema(
        summary="Who is on duty at a moment",
        parameters=[
            OpenApiParameter("at", datetime, description="ISO 8601 moment, e.g. 2026-11-30T16:30:00+01:00; default now")
        ],
        responses={200: OutputSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        data = request.query_params.copy()
        if "at" in data:
            data["at"] = _restore_plus(data["at"])
        params = _validated(self.InputSerializer(data=data))
        return Response(oncall_payload(at=params.get("at") or timezone.now()))


class RosterListApi(APIView):
    class InputSerializer(serializers.Serializer):
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            start = attrs.get("start") or selectors.today()
            try:
                end = attrs.get("end") or start + timedelta(days=6)
            except OverflowError as exc:
                raise serializers.ValidationError("start is too late.") from exc
            if end < start:
                raise serializers.ValidationError("end must not be before start.")
            if (end - start).days > MAX_DAYS:
                raise serializers.ValidationError(f"At most {MAX_DAYS} days per request.")
            return {"start": start, "end": end}

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RosterEntry"

        date = serializers.DateField()
        duty = serializers.ChoiceField(choices=[Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY])
        username = serializers.CharField(allow_null=True)
        open = serializers.BooleanField()
        published = serializers.BooleanField()

    @extend_schema(
        summary="The plan between two dates",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="YYYY-MM-DD; default today"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="YYYY-MM-DD, inclusive; default start + 6 days"),
        ],
        responses={200: OutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        params = _validated(self.InputSerializer(data=request.query_params))
        entries = selectors.roster_entries(**params)
        return Response(
            [
                {
                    "date": a.date.isoformat(),
                    "duty": a.duty.code,
                    "username": a.user.username if a.user else None,
                    "open": a.user_id is None,
                    "published": a.week.is_published,
                }
                for a in entries
            ]
        )
