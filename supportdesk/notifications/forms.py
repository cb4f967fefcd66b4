from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.notifications.models import ChannelKind


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ChannelKind.choices)
    url = forms.CharField(
        label=_("Apprise URL or webhook URL"),
        max_length=500,
        required=False,
        help_text=_("Leave empty for mail (your account's address is used)."),
    )
    label = forms.CharField(label=_("label"), max_length=100, required=False)


class QuietHoursForm(forms.Form):
    start = forms.TimeField(
        label=_("Quiet from"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("Quiet until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
