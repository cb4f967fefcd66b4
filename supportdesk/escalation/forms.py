"""Forms of the coordinator's Prio 1 rule page: the rule and the test box."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from supportdesk.escalation import rules
from supportdesk.escalation.models import Prio1Rule
from supportdesk.tickets.models import Customer


class Prio1RuleForm(forms.ModelForm):
    class Meta:
        model = Prio1Rule
        fields = ["name", "active", "customers", "only_24x7", "phrases", "match_subject", "match_body"]
        widgets = {"phrases": forms.Textarea(attrs={"rows": 8}), "customers": forms.SelectMultiple(attrs={"size": 6})}
        help_texts = {
            "customers": _("None selected: every customer."),
            "phrases": _(
                "One per line, case-insensitive, whole words only: 'down' does not hit 'Download'. "
                "* stands for any letters within a word: ausgefallen*, *ausfall."
            ),
        }

    def clean_phrases(self) -> str:
        try:
            return "\n".join(rules.phrases_parse(self.cleaned_data["phrases"]))
        except rules.InvalidPhrases as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not (data.get("match_subject") or data.get("match_body")):
            raise forms.ValidationError(_("Look in the subject, the body or both."))
        return data

    def draft(self) -> tuple[rules.RuleSpec | None, str]:
        """The rule as typed so far, for the test box, valid or not; and why its phrases would be refused."""
        raw = self.data.get("phrases", "")
        try:
            phrases, problem = tuple(rules.phrases_parse(raw)), ""
        except rules.InvalidPhrases as exc:
            phrases, problem = (), str(exc)
            # Test what can be tested: the lines that parse on their own.
            good = []
            for line in raw.splitlines():
                try:
                    good += rules.phrases_parse(line)
                except rules.InvalidPhrases:
                    continue
            phrases = tuple(good)
        chosen = self.data.getlist("customers") if isinstance(self.data, QueryDict) else self.data.get("customers", [])
        customer_ids = frozenset(int(pk) for pk in chosen if str(pk).isdigit())
        spec = rules.RuleSpec(
            name=self.data.get("name", "") or gettext("(this rule)"),
            phrases=phrases,
            customer_ids=customer_ids,
            only_24x7=bool(self.data.get("only_24x7")),
            match_subject=bool(self.data.get("match_subject")),
            match_body=bool(self.data.get("match_body")),
            active=True,
        )
        return spec, problem


class RuleTestForm(forms.Form):
    sample_customer = forms.ModelChoiceField(
        Customer.objects.order_by("name"), required=False, label=_("Sample customer"), empty_label=_("(no customer)")
    )
    sample_subject = forms.CharField(required=False, label=_("Sample subject"), max_length=500)
    sample_body = forms.CharField(
        required=False, label=_("Sample text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000
    )
