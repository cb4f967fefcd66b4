from typing import Any, cast

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.tickets import selectors
from supportdesk.tickets.models import SUBJECT_MAX_LENGTH, ArticleKind, Contact, Customer, Priority, Status, Team
from supportdesk.tickets.phones import phone_search_prefix

# format_lazy, not "+": joining lazy strings would translate them once, at import, in the default language.
SUBJECT_ERRORS = {
    "max_length": format_lazy(
        "{} {}",
        _("The subject may have at most %(limit_value)d characters (it has %(show_value)d)."),
        _("Put the details into the note."),
    )
}


def _users() -> Any:
    return User.objects.filter(is_active=True).order_by("display_name", "username")


class QuickSelect(forms.Select):
    """A ``<select>`` written in Python: the same markup as Django's, without a template per option.

    The customer filter has an option per customer; rendering 500 options through the
    option template took most of the list page's time (bench/tickets.py).
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        selected = set(self.format_value(value))
        parts = [f'<select name="{conditional_escape(name)}"{flatatt(final_attrs)}>']
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            mark = ""
            if text in selected:
                mark = " selected"
                selected = set()  # a single select marks its first match only
            parts.append(f'<option value="{conditional_escape(text)}"{mark}>{conditional_escape(label)}</option>')
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped


class TicketFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("Subject, text or customer"), "autocomplete": "off"}),
    )
    view = forms.ChoiceField(
        label=_("View"),
        required=False,
        widget=QuickSelect,
        choices=[
            ("", _("All tickets")),
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
            ("prio1_open", _("Prio 1 open")),
            ("due_next_working_day", _("Due next working day")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=QuickSelect,
        choices=[("", _("any")), ("open_all", _("any open")), *Status.choices],
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
        choices=[("", _("any")), *Priority.choices],
    )
    group = forms.ChoiceField(label=_("Group"), required=False, widget=QuickSelect)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, widget=QuickSelect)
    customer = forms.ChoiceField(label=_("Customer"), required=False, widget=QuickSelect)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        widget=QuickSelect,
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
            *(
                (username, display_name or f"{first} {last}".strip() or username)  # User.name, without the rows
                for username, display_name, first, last in _users().values_list(
                    "username", "display_name", "first_name", "last_name"
                )
            ),
        ]
        cast(forms.ChoiceField, self.fields["customer"]).choices = [
            ("", _("any")),
            *selectors.customer_list().values_list("code", "name"),
        ]

    def query(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""

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
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, widget=QuickSelect)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int, widget=QuickSelect)
    assignee_group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("no group"),
        widget=QuickSelect,
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=_users(), required=False, empty_label=_("nobody"), widget=QuickSelect
    )
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
        label=_("Customer"),
        queryset=Customer.objects.order_by("name"),
        required=False,
        empty_label=_("unknown"),
        widget=QuickSelect,
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
