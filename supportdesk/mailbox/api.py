"""REST API of the support mailbox: triage (R20, R21) and quarantine; the same services as the pages."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.accounts.models import User
from supportdesk.core.api import ErrorSerializer
from supportdesk.core.exceptions import PermissionDenied
from supportdesk.mailbox import selectors, services
from supportdesk.mailbox.exceptions import MailCannotBeSent
from supportdesk.mailbox.models import InboundMail, TriageAction
from supportdesk.tickets import selectors as ticket_selectors
from supportdesk.tickets.api import InvalidInput, _error_text
from supportdesk.tickets.exceptions import InvalidTicket
from supportdesk.tickets.models import Priority

LIST_LIMIT = 500


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
    404: OpenApiResponse(ErrorSerializer, description="No such mail."),
    409: OpenApiResponse(ErrorSerializer, description="Someone handled the mail already; `detail` says who and when."),
}


def _validated(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        raise InvalidInput(_error_text(serializer.errors))
    return dict(serializer.validated_data)


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidTicket(_("Unknown user %(username)s.") % {"username": username})
    return user


class MailOutSerializer(serializers.Serializer):
    class Meta:
        ref_name = "TriageMail"

    id = serializers.IntegerField()
    subject = serializers.CharField()
    received_at = serializers.DateTimeField()
    hint = serializers.CharField()
    flood = serializers.BooleanField()
    is_automatic = serializers.BooleanField()


# "from" is a Python keyword: declared after the class, in its place after "id" (for the schema)
MailOutSerializer._declared_fields = {
    "id": MailOutSerializer._declared_fields["id"],
    "from": serializers.CharField(help_text="The sender's address."),
    **MailOutSerializer._declared_fields,
}


class QuarantineOutSerializer(MailOutSerializer):
    class Meta:
        ref_name = "QuarantinedMail"

    reason = serializers.CharField()


class HandledOutSerializer(serializers.Serializer):
    class Meta:
        ref_name = "HandledMail"

    id = serializers.IntegerField()
    state = serializers.CharField()
    action = serializers.CharField()
    ticket = serializers.CharField(allow_null=True, help_text="The ticket number, if any.")
    action_id = serializers.IntegerField(
        allow_null=True,
        help_text="The triage action just taken: `POST /api/v1/triage/actions/{action_id}/undo` reverts it.",
    )
    undo_until = serializers.DateTimeField(
        allow_null=True,
        help_text="Until when the action can be undone; a reply or forward leaves only then. "
        "Null when it cannot be undone (a Prio 1 ticket) or for quarantine actions.",
    )


def mail_payload(mail: InboundMail) -> dict[str, Any]:
    return {
        "id": mail.pk,
        "from": mail.from_address,
        "subject": mail.subject,
        "received_at": mail.received_at.isoformat(),
        "hint": mail.hint,
        "flood": mail.flood,
        "is_automatic": mail.is_automatic,
    }


UNDOABLE = (TriageAction.CREATE_TICKET, TriageAction.ADD_TO_TICKET, TriageAction.REPLY, TriageAction.FORWARD)


def handled_payload(mail: InboundMail) -> dict[str, Any]:
    record = selectors.triage_record_current(mail=mail) if mail.handled_action in UNDOABLE else None
    return {
        "id": mail.pk,
        "state": mail.state,
        "action": mail.handled_action,
        "ticket": mail.ticket.number if mail.ticket else None,
        "action_id": record.pk if record is not None else None,
        "undo_until": record.undo_until.isoformat() if record is not None and record.undo_until else None,
    }


class TriageListApi(APIView):
    @extend_schema(
        operation_id="triage_list", summary="Mails waiting for triage", responses={200: MailOutSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        mails = selectors.inbound_mail_triage_list()[:LIST_LIMIT]
        return Response([mail_payload(m) for m in mails])


class QuarantineListApi(APIView):
    @extend_schema(
        operation_id="quarantine_list", summary="Quarantined mails", responses={200: QuarantineOutSerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        mails = selectors.inbound_mail_quarantine_list()[:LIST_LIMIT]
        return Response([{**mail_payload(m), "reason": m.reason} for m in mails])


class TriageCreateTicketApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TriageCreateTicketInput"

        assignee = serializers.CharField(required=False, allow_blank=True, default="", help_text="Username.")
        assignee_group = serializers.CharField(required=False, allow_blank=True, default="", help_text="Group key.")
        priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.P3)
        subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    @extend_schema(
        operation_id="triage_create_ticket",
        summary="Turn the mail into a ticket (assignment suggested when not given)",
        request=InputSerializer,
        responses={200: HandledOutSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(TriageCreateTicketApi.InputSerializer(data=request.data))
        mail = services.triage_create_ticket(
            actor=request.user,
            mail_id=pk,
            assignee=_user(data["assignee"]),
            assignee_group=ticket_selectors.team_get(slug=data["assignee_group"]) if data["assignee_group"] else None,
            priority=data["priority"],
            subject=data["subject"],
        )
        return Response(handled_payload(mail))


class TriageAddToTicketApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TriageAddToTicketInput"

        ticket = serializers.CharField(help_text="The ticket number, e.g. SD-2026-00042.")
        assignee = serializers.CharField(required=False, allow_blank=True, default="", help_text="Username.")

    @extend_schema(
        operation_id="triage_add_to_ticket",
        summary="Copy the mail into an existing ticket",
        request=InputSerializer,
        responses={200: HandledOutSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(TriageAddToTicketApi.InputSerializer(data=request.data))
        ticket = ticket_selectors.ticket_get_for_user(user=request.user, number=data["ticket"].strip().upper())
        mail = services.triage_add_to_ticket(
            actor=request.user, mail_id=pk, ticket=ticket, assignee=_user(data["assignee"])
        )
        return Response(handled_payload(mail))


class TicketCandidateOutSerializer(serializers.Serializer):
    class Meta:
        ref_name = "TriageTicketCandidate"

    number = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.CharField()
    customer = serializers.CharField(allow_null=True, help_text="The customer's name.")
    source = serializers.ChoiceField(
        choices=["number", "customer", "search"],
        help_text="Why it is proposed: the query names its number, it is an open ticket of the sender's customer, "
        "or the full-text search found it.",
    )


class TriageTicketCandidatesApi(APIView):
    @extend_schema(
        operation_id="triage_ticket_candidates",
        summary="Tickets the mail may belong to (for add-to-ticket), best first",
        description="The ticket whose number `q` names, then the open tickets of the sender's customer "
        "(those matching every word of `q`), then the full-text ticket search for `q`. "
        "Without `q`: the sender's customer's open tickets.",
        parameters=[
            OpenApiParameter(
                "q", str, required=False, description="A ticket number, words of its subject, a customer or contact."
            )
        ],
        responses={200: TicketCandidateOutSerializer(many=True), 404: ERRORS[404]},
    )
    def get(self, request: Request, pk: int) -> Response:
        mail = selectors.inbound_mail_get(pk=pk)
        candidates = selectors.ticket_candidates(user=request.user, mail=mail, query=request.query_params.get("q", ""))
        return Response(
            [
                {
                    "number": c.ticket.number,
                    "subject": c.ticket.subject,
                    "status": c.ticket.status,
                    "customer": c.ticket.customer.name if c.ticket.customer else None,
                    "source": c.source,
                }
                for c in candidates
            ]
        )


class TriageReplyApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TriageReplyInput"

        body = serializers.CharField(max_length=100_000)

    @extend_schema(
        operation_id="triage_reply",
        summary="Answer the mail (without a ticket)",
        request=InputSerializer,
        responses={200: HandledOutSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(TriageReplyApi.InputSerializer(data=request.data))
        mail = services.triage_reply(actor=request.user, mail_id=pk, body=data["body"])
        return Response(handled_payload(mail))


class TriageForwardApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TriageForwardInput"

        username = serializers.CharField()
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)

    @extend_schema(
        operation_id="triage_forward",
        summary="Forward the mail personally to a colleague",
        request=InputSerializer,
        responses={200: HandledOutSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(TriageForwardApi.InputSerializer(data=request.data))
        colleague = _user(data["username"])
        if colleague is None:
            raise MailCannotBeSent(_("Name the colleague to forward to."))
        mail = services.triage_forward(actor=request.user, mail_id=pk, colleague=colleague, note=data["note"])
        return Response(handled_payload(mail))


def _coordinator(request: Request) -> None:
    if not request.user.is_coordinator:
        raise PermissionDenied(_("Only coordinators and admins handle quarantined mails."))


class QuarantineRetryApi(APIView):
    @extend_schema(
        operation_id="quarantine_retry",
        summary="Read a quarantined mail again",
        request=None,
        responses={200: HandledOutSerializer, 403: OpenApiResponse(ErrorSerializer), **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        _coordinator(request)
        return Response(handled_payload(services.quarantine_retry(actor=request.user, mail_id=pk)))


class QuarantineDiscardApi(APIView):
    @extend_schema(
        operation_id="quarantine_discard",
        summary="Discard a quarantined mail (the record stays)",
        request=None,
        responses={200: HandledOutSerializer, 403: OpenApiResponse(ErrorSerializer), **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        _coordinator(request)
        return Response(handled_payload(services.quarantine_discard(actor=request.user, mail_id=pk)))


class TriageUndoApi(APIView):
    @extend_schema(
        operation_id="triage_action_undo",
        summary="Undo a triage action within its window",
        description=(
            "Reverts everything the action did: deletes the ticket it created (if nothing else happened to it), "
            "removes the article it added, cancels the queued answer or forward, and puts the mail back into "
            "triage. Allowed for the person who acted and for coordinators, until `undo_until`."
        ),
        request=None,
        responses={
            200: HandledOutSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Neither the person who acted nor a coordinator."),
            404: OpenApiResponse(ErrorSerializer, description="No such triage action."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Too late, undone already, the mail already sent, or the ticket changed since; "
                "`detail` says which. Nothing was changed.",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        return Response(handled_payload(services.triage_undo(actor=request.user, record_id=pk)))
