"""The REST API under /api/v1/: each app contributes its ``api.py`` views."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from supportdesk.escalation import api as escalation_api
from supportdesk.handover import api as handover_api
from supportdesk.mailbox import api as mailbox_api
from supportdesk.roster import api as roster_api
from supportdesk.tickets import api as tickets_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("oncall", roster_api.OnCallApi.as_view(), name="api-oncall"),
    path("roster", roster_api.RosterListApi.as_view(), name="api-roster"),
    path("absences", roster_api.AbsenceListCreateApi.as_view(), name="api-absences"),
    path("swaps", roster_api.SwapListCreateApi.as_view(), name="api-swaps"),
    path("swaps/<int:pk>/accept", roster_api.SwapAcceptApi.as_view(), name="api-swap-accept"),
    path("swaps/<int:pk>/decline", roster_api.SwapDeclineApi.as_view(), name="api-swap-decline"),
    path("swaps/<int:pk>/withdraw", roster_api.SwapWithdrawApi.as_view(), name="api-swap-withdraw"),
    path("reports/working-time", roster_api.WorkingTimeReportApi.as_view(), name="api-working-time-report"),
    path("tickets", tickets_api.TicketCollectionApi.as_view(), name="api-tickets"),
    path("tickets/<str:number>", tickets_api.TicketResourceApi.as_view(), name="api-ticket"),
    path("tickets/<str:number>/articles", tickets_api.ArticleCreateApi.as_view(), name="api-ticket-articles"),
    path(
        "escalations/<int:pk>/acknowledge",
        escalation_api.EscalationAcknowledgeApi.as_view(),
        name="api-escalation-acknowledge",
    ),
    path("routing/support-line", handover_api.SupportLineApi.as_view(), name="api-routing-support-line"),
    path("triage", mailbox_api.TriageListApi.as_view(), name="api-triage"),
    path("triage/<int:pk>/create-ticket", mailbox_api.TriageCreateTicketApi.as_view(), name="api-triage-create-ticket"),
    path("triage/<int:pk>/add-to-ticket", mailbox_api.TriageAddToTicketApi.as_view(), name="api-triage-add-to-ticket"),
    path(
        "triage/<int:pk>/ticket-candidates",
        mailbox_api.TriageTicketCandidatesApi.as_view(),
        name="api-triage-ticket-candidates",
    ),
    path("triage/<int:pk>/reply", mailbox_api.TriageReplyApi.as_view(), name="api-triage-reply"),
    path("triage/<int:pk>/forward", mailbox_api.TriageForwardApi.as_view(), name="api-triage-forward"),
    path("triage/actions/<int:pk>/undo", mailbox_api.TriageUndoApi.as_view(), name="api-triage-action-undo"),
    path("quarantine", mailbox_api.QuarantineListApi.as_view(), name="api-quarantine"),
    path("quarantine/<int:pk>/retry", mailbox_api.QuarantineRetryApi.as_view(), name="api-quarantine-retry"),
    path("quarantine/<int:pk>/discard", mailbox_api.QuarantineDiscardApi.as_view(), name="api-quarantine-discard"),
]
