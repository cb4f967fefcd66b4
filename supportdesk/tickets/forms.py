import re
from typing import Any, cast

from django import forms
from django.core.validators import validate_email
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.tickets import selectors
from supportdesk.tickets.exceptions import InvalidPhoneNumber
from supportdesk.tickets.models import (
    OPEN_STATUSES,
    SUBJECT_MAX_LENGTH,
    ArticleKind,
    Contact,
    Customer,
    Priority,
    Status,
    Team,
)
from supportdesk.tickets.phones import normalize_phone, phone_search_prefix

# format_lazy, not "+": joining lazy strings would translate them once, at import, in the default language.
SUBJECT_ERRORS = {
    "max_length": format_lazy(
        "{} {}",
        _("The subject may have at most %(limit_value)d characters (it has %(show_value)d)."),
        _("Put the details into the note."),
    )
}


ALL_TICKETS = "all"
"""The list's ``view`` that shows every ticket (the selector's empty view)."""
OPEN_STATUS_CHOICES = frozenset({"open_all", *(str(s) for s in OPEN_STATUSES)})


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
            parts.append(f'<option value="{conditional_escape(text)}"{mark}>{conditional_escape(str(label))}</option>')
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
            ("", _("Open tickets")),
            (ALL_TICKETS, _("All tickets")),
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

    @classmethod
    def for_list(cls, params: QueryDict) -> "TicketFilterForm":
        """The list's form: without a view the list shows the open tickets; a chosen status that is
        not an open one (Resolved, Closed) shows all tickets of that status instead, and says so."""
        data = params.copy()
        if not data.get("view") and data.get("status") and data.get("status") not in OPEN_STATUS_CHOICES:
            data["view"] = ALL_TICKETS
        return cls(data or None)

    def query(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""

    def filters(self) -> selectors.TicketFilters:
        data = self.cleaned_data if self.is_valid() else {}
        view = data.get("view") or selectors.DEFAULT_VIEW
        return selectors.TicketFilters(
            view="" if view == ALL_TICKETS else view,
            status=data.get("status") or "",
            priority=data.get("priority"),
            group=data.get("group") or "",
            assignee=data.get("assignee") or "",
            customer=data.get("customer") or "",
            sort=data.get("sort") or "due",
        )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Answer to the customer"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000
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


# --- bulk changes on the ticket list ------------------------------------------------------

KEEP = ""
CLEAR = "none"


class TicketVersionsField(forms.Field):
    """The checked rows: ``<number>:<version>`` each (the version the list showed)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one ticket."),
        "invalid": _("The selection could not be read; reload the list and try again."),
        "too_many": _("At most %(limit)d tickets can be changed at once."),
    }

    def to_python(self, value: Any) -> list[tuple[str, int]]:
        items: list[tuple[str, int]] = []
        for raw in value or []:
            number, sep, version = str(raw).rpartition(":")
            if not sep or not number or not version.isdigit() or len(number) > 20:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            items.append((number, int(version)))
        return list(dict.fromkeys(items))

    def validate(self, value: list[tuple[str, int]]) -> None:
        super().validate(value)
        if len(value) > selectors.BULK_LIMIT:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": selectors.BULK_LIMIT}
            )


class BulkUpdateForm(forms.Form):
    """Status, person or group for the checked tickets; an empty choice leaves that field as it is."""

    item = TicketVersionsField()
    status = forms.ChoiceField(
        label=_("Set status"), required=False, widget=QuickSelect, choices=[(KEEP, _("keep")), *Status.choices]
    )
    assignee = forms.ChoiceField(label=_("Assign to person"), required=False, widget=QuickSelect)
    assignee_group = forms.ChoiceField(label=_("Assign to group"), required=False, widget=QuickSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            (KEEP, _("keep")),
            (CLEAR, _("nobody")),
            *(
                (username, display_name or f"{first} {last}".strip() or username)
                for username, display_name, first, last in _users().values_list(
                    "username", "display_name", "first_name", "last_name"
                )
            ),
        ]
        cast(forms.ChoiceField, self.fields["assignee_group"]).choices = [
            (KEEP, _("keep")),
            (CLEAR, _("no group")),
            *selectors.team_list().values_list("slug", "name"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("status") or data.get("assignee") or data.get("assignee_group")):
            raise forms.ValidationError(_("Choose a status, a person or a group to set."), code="nothing")
        return data

    def changes(self) -> dict[str, Any]:
        """The fields to set, as ``ticket_update`` takes them (one query per person or group named)."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        if data.get("status"):
            changes["status"] = data["status"]
        if data.get("assignee") == CLEAR:
            changes["assignee"] = None
        elif data.get("assignee"):
            changes["assignee"] = _users().get(username=data["assignee"])
        if data.get("assignee_group") == CLEAR:
            changes["assignee_group"] = None
        elif data.get("assignee_group"):
            changes["assignee_group"] = selectors.team_get(slug=data["assignee_group"])
        return changes


# --- customers, contacts, projects -------------------------------------------------------------

RESERVED_CUSTOMER_CODES = {"new", "import"}
"""Path segments of the customer pages; a customer with such a key could not be opened."""
_SEPARATORS = re.compile(r"[\n,;]+")


def _lines(value: str) -> list[str]:
    return [v.strip() for v in _SEPARATORS.split(value or "") if v.strip()]


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("Name or key"), "autocomplete": "off"}),
    )


class CustomerForm(forms.Form):
    code = forms.SlugField(
        label=_("Customer key"),
        max_length=50,
        help_text=_("Short and stable, e.g. stadtwerke-regensburg; the API and the import use it."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    project_manager = forms.ModelChoiceField(
        label=_("Project manager"), queryset=_users(), required=False, empty_label=_("nobody"), widget=QuickSelect
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().lower()
        if code in RESERVED_CUSTOMER_CODES:
            raise forms.ValidationError(_("“%(code)s” cannot be used as a key."), params={"code": code})
        return code


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, e.g. 0941 123456 or +49 170 1234567"),
    )
    emails = forms.CharField(
        label=_("Mail addresses"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line"),
    )

    def clean_phones(self) -> list[str]:
        numbers, bad = [], []
        for raw in _lines(self.cleaned_data.get("phones", "")):
            try:
                numbers.append(normalize_phone(raw))
            except InvalidPhoneNumber:
                bad.append(raw)
        if bad:
            raise forms.ValidationError(
                _("Not a valid phone number: %(numbers)s. Write it as 0941 123456 or +49 941 123456."),
                code="invalid_phone",
                params={"numbers": ", ".join(bad)},
            )
        return numbers

    def clean_emails(self) -> list[str]:
        addresses, bad = [], []
        for raw in _lines(self.cleaned_data.get("emails", "")):
            try:
                validate_email(raw)
            except forms.ValidationError:
                bad.append(raw)
            else:
                addresses.append(raw.lower())
        if bad:
            raise forms.ValidationError(
                _("Not a valid mail address: %(addresses)s."),
                code="invalid_email",
                params={"addresses": ", ".join(bad)},
            )
        return addresses


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=200)
    manager = forms.ModelChoiceField(
        label=_("Project manager"), queryset=_users(), required=False, empty_label=_("nobody"), widget=QuickSelect
    )


IMPORT_MAX_BYTES = 2 * 1024 * 1024


class CustomerImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: customer_code, customer_name, project_manager, contact_name, emails, phones "
            "(several mails or numbers separated by |)."
        ),
    )

    def clean_file(self) -> str:
        """The file's text (UTF-8, with or without BOM)."""
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 2 MB)."), code="too_large")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("The file is not UTF-8 text; save it as “CSV UTF-8” and try again."), code="encoding"
            ) from exc


class DigestPreferenceForm(forms.Form):
    digest = forms.BooleanField(
        label=_("Morning digest"),
        required=False,
        help_text=_(
            "Hear of non-urgent tickets created outside core hours in one mail at the start of the next working day."
        ),
    )
