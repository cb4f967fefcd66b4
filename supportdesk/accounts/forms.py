from django import forms
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User, time_zone_choices


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["display_name", "office_phone", "mobile", "language", "time_zone"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
