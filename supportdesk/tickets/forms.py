from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.tickets import selectors
from supportdesk.tickets.models import SUBJECT_MAX_LENGTH, ArticleKind, Contact, Customer, Priority, Status, Team
from supportdesk.tickets.phones import phone_search_prefix

SUBJECT_ERRORS = {
    "max_length": _("The subject may have at most %(limit_value)d characters (it has %(show_value)d).")
    + " "
    + _("Put the details into the note.")
}


def _users() -> Any:
    return User.objects.filter(is_active=True).order_by("display_name", "username")


class TicketFilterForm(forms.Form):
    view = forms.ChoiceField(
        label=_("View"),
        required=False,
        choices=[
            ("", _("All tickets")),
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
            ("prio1_open", _("Prio 1 open")),
            ("due_next_working_day", _("Due next working day")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any")), ("open_all", _("any open")), *Status.choices]
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), required=False, coerce=int, empty_value=None, choices=[("", _("any")), *Priority.choices]
    )
    group = forms.ChoiceField(label=_("Group"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    customer = forms.ChoiceField(label=_("Customer"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("due", _("due first")),
            ("priority", _("priority")),
            ("-created", _("newest")),
            ("created", _("oldest")),
            ("number", _("number")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["group"]).choices = [
            ("", _("any")),
            ("none", _("no group")),
            *((t.slug, t.name) for t in selectors.team_list()),
        ]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("anyone")),
            ("me", _("me")),
            ("none", _("nobody")),
            *((u.username, u.name) for u in _users()),
        ]
        cast(forms.ChoiceField, self.fields["customer"]).choices = [
            ("", _("any")),
            *((c.code, c.name) for c in selectors.customer_list()),
        ]

    def filters(self) -> selectors.TicketFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.TicketFilters(
            view=data.get("view") or "",
            status=data.get("status") or "",
            priority=data.get("priority"),
            group=data.get("group") or "",
            assignee=data.get("assignee") or "",
            customer=data.get("customer") or "",
            sort=data.get("sort") or "due",
        )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in ArticleKind.choices if c[0] != ArticleKind.STATUS_UPDATE],
        initial=ArticleKind.INTERNAL_NOTE,
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), max_length=100_000)


class TicketUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    assignee_group = forms.ModelChoiceField(
        label=_("Group"), queryset=Team.objects.order_by("name"), required=False, empty_label=_("no group")
    )
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=_users(), required=False, empty_label=_("nobody"))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Comma separated"), max_length=500)

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version")
        data["tags"] = [t for t in data["tags"].split(",") if t.strip()]
        return data


class PhoneIntakeForm(forms.Form):
    q = forms.CharField(label=_("Caller's number or name"), required=False, max_length=200)
    contact = forms.ModelChoiceField(queryset=Contact.objects.all(), required=False, widget=forms.HiddenInput)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40)
    caller_name = forms.CharField(label=_("Name of a new caller"), required=False, max_length=200)
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.order_by("name"), required=False, empty_label=_("unknown")
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH, error_messages=SUBJECT_ERRORS)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.P3, widget=forms.RadioSelect
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        query = (data.get("q") or "").strip()
        if query and not data.get("contact"):
            if phone_search_prefix(query) and not data.get("phone"):
                data["phone"] = query
            elif not phone_search_prefix(query) and not data.get("caller_name"):
                data["caller_name"] = query
        return data
