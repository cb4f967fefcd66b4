from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from supportdesk.core.http import AuthedRequest
from supportdesk.notifications import selectors
from supportdesk.notifications.models import DeliveryStatus


@login_required
@require_GET
def delivery_log(request: AuthedRequest) -> HttpResponse:
    """The coordinator's view of every notice and its delivery status."""
    if not request.user.is_coordinator:
        return render(request, "roster/forbidden.html", status=403)
    status = request.GET.get("status", "")
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows = selectors.delivery_list(status=status, page=page)
    return render(
        request,
        "notifications/pages/delivery_log.html",
        {
            "deliveries": rows[: selectors.PAGE_SIZE],
            "has_next": len(rows) > selectors.PAGE_SIZE,
            "page": page,
            "status": status if status in DeliveryStatus.values else "",
            "statuses": DeliveryStatus.choices,
            "problems": selectors.delivery_problem_count(),
        },
    )
