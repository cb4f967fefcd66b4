from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.handover.models import PresenceState


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
