"""Forms of the coordinator's Prio 1 pages: the rule and its test box, a customer's outside-window policy."""

from collections.abc import Sequence

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from supportdesk.accounts.models import User
from supportdesk.escalation import rules
from supportdesk.escalation.models import OutsideWindowMode, Prio1Rule
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


class CustomerPolicyForm(forms.Form):
    """One customer's row on the outside-window page; ``prefix`` keeps the rows' fields apart.

    ``people`` (the active accounts) is read once for the whole page, not once per row.
    """

    mode = forms.ChoiceField(label=_("Who is told"), choices=OutsideWindowMode.choices)
    person = forms.ChoiceField(label=_("Named person"), required=False)

    def __init__(self, *args: object, people: Sequence[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._people = {str(user.pk): user for user in people}
        self.fields["person"].choices = [("", _("(choose a person)"))] + [  # type: ignore[attr-defined]
            (pk, user.name) for pk, user in self._people.items()
        ]

    def clean_person(self) -> User | None:
        return self._people.get(self.cleaned_data.get("person") or "")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("mode") == OutsideWindowMode.PERSON and not data.get("person") and "person" not in self.errors:
            self.add_error("person", _("Choose the person who is to be notified."))
        return data
