"""REST API of the roster: who is on call, and the plan as a list."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.accounts.models import User
from supportdesk.roster import selectors
from supportdesk.roster.models import Duty


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField(source="office_phone")
    mobile = serializers.CharField()


class OnCallApi(APIView):
    class InputSerializer(serializers.Serializer):
        at = serializers.DateTimeField(required=False)

    class WindowSerializer(serializers.Serializer):
        start = serializers.DateTimeField()
        end = serializers.DateTimeField()

    class OutputSerializer(serializers.Serializer):
        at = serializers.DateTimeField()
        window = serializers.DictField(allow_null=True)
        phone_duty = PersonSerializer(allow_null=True)
        technical_standby = PersonSerializer(allow_null=True)

    @extend_schema(
        summary="Who is on duty at a moment",
        parameters=[OpenApiParameter("at", datetime, description="ISO 8601 moment; default now")],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        at = params.validated_data.get("at") or timezone.now()
        oncall = selectors.oncall_at(at=at)

        def person(code: str) -> dict[str, Any] | None:
            holder = oncall.holders.get(code)
            return _person(holder.user) if holder and holder.user else None

        window = oncall.window
        return Response(
            {
                "at": timezone.localtime(at).isoformat(),
                "window": {"start": window.start.isoformat(), "end": window.end.isoformat()} if window else None,
                "phone_duty": person(Duty.PHONE_DUTY),
                "technical_standby": person(Duty.TECHNICAL_STANDBY),
            }
        )


def _person(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "phone": user.office_phone,
        "mobile": user.mobile,
    }


class RosterListApi(APIView):
    class InputSerializer(serializers.Serializer):
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            start = attrs.get("start") or selectors.today()
            end = attrs.get("end") or start + timedelta(days=6)
            if end < start:
                raise serializers.ValidationError("end must not be before start.")
            if (end - start).days > 400:
                raise serializers.ValidationError("At most 400 days per request.")
            return {"start": start, "end": end}

    class OutputSerializer(serializers.Serializer):
        date = serializers.DateField()
        duty = serializers.ChoiceField(choices=[Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY])
        username = serializers.CharField(allow_null=True)
        open = serializers.BooleanField()
        published = serializers.BooleanField()

    @extend_schema(
        summary="The plan between two dates",
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD; default today"),
            OpenApiParameter("end", str, description="YYYY-MM-DD; default start + 6 days"),
        ],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        entries = selectors.roster_entries(**params.validated_data)
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
