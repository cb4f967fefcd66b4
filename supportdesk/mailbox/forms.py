"""Forms of the triage page: one per action, plus the bulk form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.selectors import user_list_active
from supportdesk.tickets.models import Priority, Team


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:  # type: ignore[no-untyped-def]
        return obj.name


NONE = _("— none —")
CHOOSE = _("— choose —")


class CreateTicketForm(forms.Form):
    assignee = UserChoiceField(label=_("Assignee"), queryset=user_list_active(), required=False, empty_label=NONE)
    assignee_group = forms.ModelChoiceField(
        label=_("Group"), queryset=Team.objects.order_by("name"), required=False, empty_label=NONE
    )
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.P3)


class AddToTicketForm(forms.Form):
    ticket = forms.CharField(label=_("Ticket"), max_length=200)
    """A ticket number, or text around one (the finder puts the chosen number here)."""
    assignee = UserChoiceField(
        label=_("Assignee"),
        queryset=user_list_active(),
        required=False,
        empty_label=_("— unchanged —"),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))


class ForwardForm(forms.Form):
    colleague = UserChoiceField(label=_("Colleague"), queryset=user_list_active().exclude(email=""), empty_label=CHOOSE)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BulkForm(forms.Form):
    ACTIONS = (("create_ticket", _("Create tickets")), ("forward", _("Forward")))

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    colleague = UserChoiceField(
        label=_("Colleague"), queryset=user_list_active().exclude(email=""), required=False, empty_label=CHOOSE
    )
