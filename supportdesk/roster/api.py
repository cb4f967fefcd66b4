"""REST API of the roster: who is on call, the plan as a list, absences and swaps."""

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from supportdesk.accounts.models import User
from supportdesk.core.api import ErrorSerializer
from supportdesk.core.exceptions import NotFound
from supportdesk.roster import reports, selectors, services
from supportdesk.roster.models import Duty, SwapKind, SwapRequest, SwapStatus

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
                raise serializers.ValidationError(_("Must be between the years 1970 and 9000."))
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
                raise serializers.ValidationError(_("start is too late.")) from exc
            if end < start:
                raise serializers.ValidationError(_("end must not be before start."))
            if (end - start).days > MAX_DAYS:
                raise serializers.ValidationError(_("At most %(days)s days per request.") % {"days": MAX_DAYS})
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


# --- Absences (R6, R7) -----------------------------------------------------------------------------

DOMAIN_ERRORS = {
    **ERROR_RESPONSES,
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for this user."),
    404: OpenApiResponse(ErrorSerializer, description="No such user or request."),
    409: OpenApiResponse(ErrorSerializer, description="Conflicts with the current state (overlap, already taken)."),
}


class CellSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DutyCell"

    date = serializers.DateField()
    duty = serializers.ChoiceField(choices=[Duty.PHONE_DUTY, Duty.TECHNICAL_STANDBY])


def _user_by_username(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(_("No active user %(username)r.") % {"username": username})
    return user


def _duty_by_code(code: str) -> Duty:
    duty = Duty.objects.filter(code=code).first()
    if duty is None:
        raise NotFound(_("No duty %(code)r.") % {"code": code})
    return duty


def _cells(cells: list[tuple[Any, str]]) -> list[dict[str, str]]:
    return [{"date": day.isoformat(), "duty": code} for day, code in cells]


def absence_payload(cover: selectors.AbsenceCover, *, viewer: User) -> dict[str, Any]:
    """Colleagues see when someone is away; why (sick, vacation) only the person and coordinators."""
    absence = cover.absence
    private = viewer.is_coordinator or viewer.pk == absence.user_id
    return {
        "id": absence.pk,
        "username": absence.user.username,
        "kind": absence.kind if private else None,
        "start": absence.start.isoformat(),
        "end": absence.end.isoformat(),
        "status": cover.status,
        "uncovered": _cells(cover.uncovered),
    }


class AbsenceListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AbsenceInput"

        username = serializers.CharField(max_length=150)
        # Plain strings in the schema: the "kind" and "status" enum names are taken by the tickets API.
        kind = serializers.CharField(help_text="vacation | sick | other")
        start = serializers.DateField()
        end = serializers.DateField()
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class CreatedSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AbsenceCreated"

        id = serializers.IntegerField()
        status = serializers.CharField(help_text="confirmed | cover_missing | covered")
        uncovered = CellSerializer(many=True)

    class FilterSerializer(serializers.Serializer):
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)
        username = serializers.CharField(required=False)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Absence"

        id = serializers.IntegerField()
        username = serializers.CharField()
        kind = serializers.CharField(
            allow_null=True, help_text="vacation | sick | other; null for other people's absences (private)."
        )
        start = serializers.DateField()
        end = serializers.DateField()
        status = serializers.CharField(help_text="confirmed | cover_missing | covered")
        uncovered = CellSerializer(many=True)

    @extend_schema(
        summary="Absences (default: from today on)",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="YYYY-MM-DD; default today"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="YYYY-MM-DD, inclusive"),
            OpenApiParameter("username", str),
        ],
        responses={200: OutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        params = _validated(self.FilterSerializer(data=request.query_params))
        user = _user_by_username(params["username"]) if params.get("username") else None
        absences = selectors.absence_list(
            start=params.get("start") or selectors.today(), end=params.get("end"), user=user
        )
        return Response([absence_payload(c, viewer=request.user) for c in selectors.absences_cover(absences)])

    @extend_schema(
        summary="Enter an absence; the answer names the duties it leaves uncovered",
        request=InputSerializer,
        responses={201: CreatedSerializer, **DOMAIN_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = _validated(self.InputSerializer(data=request.data))
        absence = services.absence_create(
            actor=request.user,
            user=_user_by_username(data["username"]),
            kind=data["kind"],
            start=data["start"],
            end=data["end"],
            note=data["note"],
        )
        cover = selectors.absence_cover(absence)
        return Response({"id": absence.pk, "status": cover.status, "uncovered": _cells(cover.uncovered)}, status=201)


# --- Swaps and takeovers (R5) ----------------------------------------------------------------------


def swap_payload(req: SwapRequest) -> dict[str, Any]:
    return {
        "id": req.pk,
        "kind": req.kind,
        "status": req.status,
        "requester": req.requester.username if req.requester else None,
        "date": req.date.isoformat(),
        "duty": req.duty.code,
        "candidate": req.candidate.username if req.candidate else None,
        "target": {"date": req.target_date.isoformat(), "duty": req.target_duty.code}
        if req.target_date and req.target_duty
        else None,
        "note": req.note,
        "created_at": req.created_at.isoformat(),
        "decided_at": req.decided_at.isoformat() if req.decided_at else None,
        "decided_by": req.decided_by.username if req.decided_by else None,
    }


class SwapOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SwapRequest"

    id = serializers.IntegerField()
    # Plain strings in the schema: the "kind" and "status" enum names are taken by the tickets API.
    kind = serializers.CharField(help_text="takeover | swap")
    status = serializers.CharField(help_text="open | accepted | declined | withdrawn | expired")
    requester = serializers.CharField(allow_null=True, help_text="Null: the system offers an open duty.")
    date = serializers.DateField()
    duty = serializers.CharField()
    candidate = serializers.CharField(allow_null=True, help_text="Null: everyone eligible; the first to accept.")
    target = CellSerializer(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(allow_null=True)


class SwapListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SwapRequestInput"

        kind = serializers.CharField(default=SwapKind.TAKEOVER, help_text="takeover | swap")
        date = serializers.DateField()
        duty = serializers.CharField()
        candidate = serializers.CharField(required=False, allow_null=True, default=None)
        target_date = serializers.DateField(required=False, allow_null=True, default=None)
        target_duty = serializers.CharField(required=False, allow_null=True, default=None)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=SwapStatus.values, required=False)

    @extend_schema(
        summary="Swap and takeover requests I made, was asked or may take (coordinators: all)",
        parameters=[OpenApiParameter("status", str, enum=SwapStatus.values)],
        responses={200: SwapOutputSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        params = _validated(self.FilterSerializer(data=request.query_params))
        return Response(
            [swap_payload(r) for r in selectors.swap_requests_for(user=request.user, status=params.get("status"))]
        )

    @extend_schema(
        summary="Ask a colleague (or everyone eligible) to take over or swap one of my duties",
        request=InputSerializer,
        responses={201: SwapOutputSerializer, **DOMAIN_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = _validated(self.InputSerializer(data=request.data))
        req = services.swap_request_create(
            actor=request.user,
            day=data["date"],
            duty=_duty_by_code(data["duty"]),
            kind=data["kind"],
            candidate=_user_by_username(data["candidate"]) if data["candidate"] else None,
            target_day=data["target_date"],
            target_duty=_duty_by_code(data["target_duty"]) if data["target_duty"] else None,
            note=data["note"],
        )
        return Response(swap_payload(req), status=201)


class SwapActionApi(APIView):
    """``accept``, ``decline`` or ``withdraw`` one request."""

    action: str = ""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SwapActionInput"

        token = serializers.CharField(required=False, help_text="The secret of the link in the notice, if used.")

    @extend_schema(request=InputSerializer, responses={200: SwapOutputSerializer, **DOMAIN_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(self.InputSerializer(data=request.data))
        req = selectors.swap_request_get(pk=pk)
        if req is None:
            raise NotFound(_("No such swap request."))
        if self.action == "accept":
            req = services.swap_request_accept(actor=request.user, request=req, token=data.get("token"))
        elif self.action == "decline":
            req = services.swap_request_decline(actor=request.user, request=req, token=data.get("token"))
        else:
            req = services.swap_request_withdraw(actor=request.user, request=req)
        req = selectors.swap_request_get(pk=req.pk) or req
        return Response(swap_payload(req))


class SwapAcceptApi(SwapActionApi):
    action = "accept"


class SwapDeclineApi(SwapActionApi):
    action = "decline"


class SwapWithdrawApi(SwapActionApi):
    action = "withdraw"


# --- Working-time report (R8) ----------------------------------------------------------------------


class CsvRenderer(BaseRenderer):
    """Passes the report's ready-made CSV bytes through; selected by ``?format=csv``."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class XlsxRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class WorkingTimeReportApi(APIView):
    """Duties held per person in a month, as regular working time (R8).

    Coordinators get everyone, anyone else only themselves. JSON by default;
    ``format=csv`` (semicolons, UTF-8 with BOM) and ``format=xlsx`` are the downloads.
    """

    renderer_classes = [JSONRenderer, CsvRenderer, XlsxRenderer]

    class InputSerializer(serializers.Serializer):
        month = serializers.CharField(required=False, allow_blank=True)

        def validate_month(self, value: str) -> date:
            try:
                return reports.parse_month(value, today=selectors.today())
            except ValueError as exc:
                raise serializers.ValidationError(_("Use YYYY-MM, e.g. 2026-11.")) from exc

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as exc:
            raise InvalidParameters(_("format: use json, csv or xlsx.")) from exc

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        # Errors keep DRF's {"detail": ...} shape as JSON, whatever format was asked for (STYLE 13).
        if response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="Working time from support duties in a month (regular working time, never overtime)",
        parameters=[
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM; default this month"),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv", "xlsx"], description="default json"),
        ],
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        params = _validated(self.InputSerializer(data={"month": request.query_params.get("month", "")}))
        month = params.get("month") or reports.parse_month("", today=selectors.today())
        report = reports.working_time_report_for(viewer=request.user, month=month)
        fmt = request.accepted_renderer.format
        if fmt == "csv":
            body = reports.report_csv(report)
        elif fmt == "xlsx":
            body = reports.report_xlsx(report)
        else:
            return Response(reports.report_payload(report))
        return Response(
            body, headers={"Content-Disposition": f'attachment; filename="{reports.export_filename(report, fmt)}"'}
        )
