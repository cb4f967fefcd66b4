"""The team page: the afternoon pool and each member's weekdays."""

import logging
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from supportdesk.accounts.models import User
from supportdesk.accounts.selectors import user_list_active
from supportdesk.core.exceptions import DomainError
from supportdesk.roster import selectors, services
from supportdesk.roster.forms import WEEKDAY_CHOICES, PoolMemberForm
from supportdesk.roster.models import PoolMember
from supportdesk.roster.views.common import Request, _forbidden

logger = logging.getLogger(__name__)


@dataclass
class TeamRow:
    user: User
    membership: PoolMember | None
    form: PoolMemberForm | None = None

    @property
    def dom_id(self) -> str:
        return f"member-{self.user.pk}"

    @property
    def in_pool(self) -> bool:
        return bool(self.membership and self.membership.active)


def _team_rows() -> list[TeamRow]:
    members = {m.user_id: m for m in selectors.pool_members(active_only=False)}
    return [TeamRow(user=u, membership=members.get(u.pk)) for u in user_list_active()]


def _team_context(rows: list[TeamRow]) -> dict[str, object]:
    return {"rows": rows, "pool_count": sum(r.in_pool for r in rows), "weekday_labels": WEEKDAY_CHOICES[:5]}


@login_required
@require_GET
def team(request: Request) -> HttpResponse:
    return render(request, "roster/team.html", _team_context(_team_rows()))


@login_required
@require_http_methods(["GET", "POST"])
def pool_member_edit(request: Request, user_id: int) -> HttpResponse:
    if not request.user.is_coordinator:
        return _forbidden(request)
    rows = _team_rows()
    row = next((r for r in rows if r.user.pk == user_id), None)
    if row is None:
        raise Http404("no such active user")
    context = {**_team_context(rows), "row": row}
    membership = row.membership
    if request.method == "GET":
        if "cancel" not in request.GET:
            row.form = PoolMemberForm(
                initial={
                    "weekdays": membership.weekdays if membership else [0, 1, 2, 3, 4],
                    "active": membership.active if membership else True,
                }
            )
        return render(request, "roster/team.html#member" if request.htmx else "roster/team.html", context)
    form = PoolMemberForm(request.POST)
    if form.is_valid():
        try:
            row.membership = services.pool_member_set(
                actor=request.user,
                user=row.user,
                weekdays=form.cleaned_data["weekdays"],
                active=form.cleaned_data["active"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            row.form = form
        else:
            if not request.htmx:
                messages.success(request, _("%(name)s was saved.") % {"name": row.user.name})
                return redirect("roster:team")
    else:
        row.form = form
    if not request.htmx:
        return render(request, "roster/team.html", context)
    return render(request, "roster/team.html#member", context)
