"""REST API of tickets: create, list, read, change (with ``version``), add articles.

One class per operation with its nested serializers. ``GET`` and ``POST`` on
``/tickets`` (and ``GET``/``PATCH`` on ``/tickets/<number>``) share a URL, so
the URL's view combines two operation classes; each method names its own
class's serializers explicitly.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from supportdesk.accounts.models import User
from supportdesk.core.api import ErrorSerializer
from supportdesk.tickets import selectors, services
from supportdesk.tickets.exceptions import InvalidTicket
from supportdesk.tickets.models import SUBJECT_MAX_LENGTH, Article, ArticleKind, Channel, Priority, Status, Ticket


def _subject_too_long() -> str:
    return _("The subject may have at most %(max)s characters; put the details into the body.") % {
        "max": SUBJECT_MAX_LENGTH
    }


SUBJECT_TOO_LONG = lazy(_subject_too_long, str)()
"""Worded when shown, in the language of the request."""


class InvalidInput(APIException):
    status_code = 400
    default_detail = "Invalid input."
    default_code = "invalid"


def _error_text(errors: Mapping[str, Any]) -> str:
    parts = []
    for name, messages in errors.items():
        text = " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
        parts.append(text if name == api_settings.NON_FIELD_ERRORS_KEY else f"{name}: {text}")
    return " ".join(parts)


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        raise InvalidInput(_error_text(serializer.errors))
    return dict(serializer.validated_data)


# Other apps' components have a ``status`` and a ``kind`` with other choices; spectacular would name
# the shared enum components ambiguously (and warn). Wrapped in ``allOf`` the enums stay inline.
@extend_schema_field({"allOf": [{"type": "string", "enum": Status.values}], "description": "Ticket status"})
class TicketStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Status.choices, **kwargs)


@extend_schema_field({"allOf": [{"type": "string", "enum": ArticleKind.values}], "description": "Article kind"})
class ArticleKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ArticleKind.choices, **kwargs)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input; `detail` says which field and why."),
    401: OpenApiResponse(ErrorSerializer, description="No token, or a wrong or revoked one."),
}


class ContactOutSerializer(serializers.Serializer):
    class Meta:
        ref_name = "TicketContact"

    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketOutSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Ticket"

    number = serializers.CharField()
    subject = serializers.CharField()
    status = TicketStatusField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    customer = serializers.CharField(allow_null=True, help_text="The customer key.")
    contact = ContactOutSerializer(allow_null=True)
    assignee_group = serializers.CharField(allow_null=True, help_text="The group key.")
    assignee = serializers.CharField(allow_null=True, help_text="The username.")
    due_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Send it back with PATCH.")
    tags = serializers.ListField(child=serializers.CharField())


class ArticleOutSerializer(serializers.Serializer):
    class Meta:
        ref_name = "TicketArticle"

    id = serializers.IntegerField()
    kind = ArticleKindField()
    body = serializers.CharField(help_text="Plain text.")
    author = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "customer": ticket.customer.code if ticket.customer else None,
        "contact": {"id": ticket.contact.pk, "name": ticket.contact.name} if ticket.contact else None,
        "assignee_group": ticket.assignee_group.slug if ticket.assignee_group else None,
        "assignee": ticket.assignee.username if ticket.assignee else None,
        "due_at": ticket.due_at.isoformat(),
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "version": ticket.version,
        "tags": [t.name for t in ticket.tags.all()],
    }


def article_payload(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "kind": article.kind,
        "body": article.body,
        "author": article.author.username if article.author else None,
        "created_at": article.created_at.isoformat(),
    }


def _assignee(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidTicket(_("Unknown user %(username)r.") % {"username": username})
    return user


class TicketCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketCreateInput"

        subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH, error_messages={"max_length": SUBJECT_TOO_LONG})
        body = serializers.CharField(required=False, allow_blank=True, default="")
        priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.P3)
        channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
        customer = serializers.CharField(required=False, allow_blank=True, default="", help_text="Customer key.")
        contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
        contact_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
        contact_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
        assignee_group = serializers.CharField(required=False, allow_blank=True, default="", help_text="Group key.")

    @extend_schema(
        operation_id="tickets_create",
        summary="Create a ticket",
        request=InputSerializer,
        responses={201: TicketOutSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = _validated(TicketCreateApi.InputSerializer(data=request.data))
        ticket = services.ticket_create_with_contact(
            actor=request.user,
            subject=data["subject"],
            body=data["body"],
            priority=data["priority"],
            channel=data["channel"],
            customer=selectors.customer_get(code=data["customer"]) if data["customer"] else None,
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            contact_name=data["contact_name"],
            assignee_group=selectors.team_get(slug=data["assignee_group"]) if data["assignee_group"] else None,
        )
        return Response(ticket_payload(ticket), status=201)


class TicketListApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketListInput"

        status = serializers.ChoiceField(choices=[*Status.values, "open_all"], required=False, default="")
        priority = serializers.ChoiceField(choices=Priority.values, required=False, default=None)
        group = serializers.CharField(required=False, default="")
        assignee = serializers.CharField(required=False, default="")
        customer = serializers.CharField(required=False, default="")
        view = serializers.ChoiceField(choices=selectors.VIEWS, required=False, default="")
        sort = serializers.ChoiceField(choices=list(selectors.SORTS), required=False, default="due")
        q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)

    @extend_schema(
        operation_id="tickets_list",
        summary="List tickets",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=[*Status.values, "open_all"]),
            OpenApiParameter("priority", OpenApiTypes.INT, enum=Priority.values),
            OpenApiParameter("group", OpenApiTypes.STR, description="Group key, or `none`"),
            OpenApiParameter("assignee", OpenApiTypes.STR, description="Username, `me` or `none`"),
            OpenApiParameter("customer", OpenApiTypes.STR, description="Customer key"),
            OpenApiParameter("view", OpenApiTypes.STR, enum=list(selectors.VIEWS)),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.SORTS)),
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Full-text search in subject, articles and customer/contact names; results come "
                "best match first (at most 50) and `sort` is ignored.",
            ),
        ],
        responses={200: TicketOutSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        params = _validated(TicketListApi.InputSerializer(data=request.query_params))
        query = params.pop("q").strip()
        filters = selectors.TicketFilters(**params)
        if query:
            found = selectors.ticket_search(user=request.user, query=query, filters=filters)
            return Response([ticket_payload(t) for t in found])
        tickets = selectors.ticket_list(user=request.user, filters=filters)
        return Response([ticket_payload(t) for t in tickets[: selectors.LIST_LIMIT]])


class TicketCollectionApi(TicketListApi, TicketCreateApi):
    """``/tickets``: GET lists (TicketListApi), POST creates (TicketCreateApi)."""


class TicketDetailApi(APIView):
    class OutputSerializer(TicketOutSerializer):
        class Meta:
            ref_name = "TicketDetail"

        articles = ArticleOutSerializer(many=True)

    @extend_schema(
        operation_id="tickets_retrieve",
        summary="A ticket with its articles",
        responses={200: OutputSerializer, 404: OpenApiResponse(ErrorSerializer), **ERRORS},
    )
    def get(self, request: Request, number: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, number=number)
        articles = selectors.ticket_articles(ticket=ticket)
        return Response({**ticket_payload(ticket), "articles": [article_payload(a) for a in articles]})


class TicketUpdateApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketUpdateInput"

        version = serializers.IntegerField(min_value=1, help_text="The version you loaded; 409 if it is stale.")
        subject = serializers.CharField(
            required=False, max_length=SUBJECT_MAX_LENGTH, error_messages={"max_length": SUBJECT_TOO_LONG}
        )
        priority = serializers.ChoiceField(choices=Priority.choices, required=False)
        status = TicketStatusField(required=False)
        assignee_group = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        assignee = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        due_at = serializers.DateTimeField(required=False)
        tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)

    @extend_schema(
        operation_id="tickets_partial_update",
        summary="Change a ticket",
        request=InputSerializer,
        responses={
            200: TicketOutSerializer,
            404: OpenApiResponse(ErrorSerializer),
            409: OpenApiResponse(ErrorSerializer, description="Changed meanwhile; `detail` says what, who and when."),
            **ERRORS,
        },
    )
    def patch(self, request: Request, number: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, number=number)
        data = _validated(TicketUpdateApi.InputSerializer(data=request.data))
        version = data.pop("version")
        if "assignee_group" in data:
            slug = data["assignee_group"]
            data["assignee_group"] = selectors.team_get(slug=slug) if slug else None
        if "assignee" in data:
            data["assignee"] = _assignee(data["assignee"])
        ticket = services.ticket_update(request.user, ticket, version, **data)
        return Response(ticket_payload(ticket))


class TicketResourceApi(TicketDetailApi, TicketUpdateApi):
    """``/tickets/<number>``: GET reads (TicketDetailApi), PATCH changes (TicketUpdateApi)."""


class ArticleCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketArticleInput"

        kind = ArticleKindField(
            default=ArticleKind.INTERNAL_NOTE,
            help_text="Any kind but `status_update`, which only status changes write.",
        )
        body = serializers.CharField(max_length=100_000)

    @extend_schema(
        operation_id="tickets_articles_create",
        summary="Add a note or mail to a ticket",
        request=InputSerializer,
        responses={201: ArticleOutSerializer, 404: OpenApiResponse(ErrorSerializer), **ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        ticket = selectors.ticket_get_for_user(user=request.user, number=number)
        data = _validated(ArticleCreateApi.InputSerializer(data=request.data))
        article = services.article_add(actor=request.user, ticket=ticket, kind=data["kind"], body=data["body"])
        return Response(article_payload(article), status=201)
