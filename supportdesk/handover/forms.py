from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.handover.models import DayFlowSettings, PresenceState
from supportdesk.handover.selectors import DEFAULT_CHECKLIST


class PresenceForm(forms.Form):
    state = forms.ChoiceField(label=_("Presence"), choices=PresenceState.choices, widget=forms.RadioSelect)
    leaving_at = forms.TimeField(label=_("Leaving at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("state") == PresenceState.LEAVING and not data.get("leaving_at"):
            self.add_error("leaving_at", _("Give the time you are leaving at."))
        return data


class ReadinessForm(forms.Form):
    reachable = forms.BooleanField(label=_("I am reachable at my known number"), required=False)
    computer = forms.BooleanField(label=_("My computer is at hand"), required=False)
    vpn = forms.BooleanField(label=_("I have tested the VPN connection"), required=False)


class DayFlowSettingsForm(forms.ModelForm):
    """The coordinators' settings of the day's flow and the closing checklist per language."""

    class Meta:
        model = DayFlowSettings
        fields = [
            "auto_handover",
            "handover_repeat_minutes",
            "handover_repeat_count",
            "readiness_lead_minutes",
            "readiness_grace_minutes",
            "closing_grace_minutes",
            "triage_owner",
        ]
        widgets = {
            name: forms.NumberInput(attrs={"min": 0, "class": "narrow"})
            for name in fields
            if name.endswith(("_minutes", "_count"))
        }

    def __init__(self, *args: Any, checklists: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["triage_owner"]
        assert isinstance(owner, forms.ModelChoiceField)  # noqa: S101 -- a ForeignKey's form field
        owner.queryset = User.objects.filter(is_active=True).order_by("display_name", "username")
        owner.empty_label = _("the mailbox head")
        owner.help_text = ""
        for language, name in settings.LANGUAGES:
            self.fields[f"checklist_{language}"] = forms.CharField(
                label=_("Closing checklist (%(language)s)") % {"language": name},
                required=False,
                initial=(checklists or {}).get(language, ""),
                widget=forms.Textarea(attrs={"rows": 4, "placeholder": DEFAULT_CHECKLIST.get(language, "")}),
                help_text=_("One item per line. Empty: the built-in checklist."),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for language, _name in settings.LANGUAGES:
            lines = [line for line in (data.get(f"checklist_{language}") or "").splitlines() if line.strip()]
            if len(lines) > CHECKLIST_MAX_ITEMS:
                self.add_error(
                    f"checklist_{language}",
                    _("At most %(count)s items, one per line.") % {"count": CHECKLIST_MAX_ITEMS},
                )
            elif any(len(line) > CHECKLIST_MAX_LINE for line in lines):
                self.add_error(
                    f"checklist_{language}",
                    _("An item has at most %(count)s characters.") % {"count": CHECKLIST_MAX_LINE},
                )
        return data

    def settings_values(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def checklists(self) -> dict[str, str]:
        return {language: self.cleaned_data.get(f"checklist_{language}", "") for language, _n in settings.LANGUAGES}


CHECKLIST_MAX_ITEMS = 12
CHECKLIST_MAX_LINE = 200
