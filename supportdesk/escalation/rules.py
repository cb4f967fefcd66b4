"""Prio 1 keyword rules as pure functions: parse the phrases, match them against a mail.

A phrase matches whole words only, case-insensitively: ``down`` hits "the server is down" but
not "Download der Rechnung". ``*`` stands for any letters within one word (``ausgefallen*``,
``*ausfall``); spaces match any run of white space. Text and phrases are NFC-normalised first,
so an umlaut written as "u" plus a combining mark is a letter like "ü" and no word boundary.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext

if TYPE_CHECKING:
    from supportdesk.escalation.models import Prio1Rule

MAX_PHRASES = 200
MAX_PHRASE_LENGTH = 200
MIN_LETTERS = 2
"""A phrase needs this many letters or digits besides its wildcards: ``*`` alone would match every mail."""


class InvalidPhrases(ValueError):
    """The phrases cannot be saved; ``str()`` says why, naming the line."""


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def phrases_parse(text: str) -> list[str]:
    """The phrases of ``text``, one per non-empty line, white space collapsed; raises :class:`InvalidPhrases`."""
    phrases: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        phrase = " ".join(_normalise(line).split())
        if not phrase:
            continue
        if len(phrase) > MAX_PHRASE_LENGTH:
            raise InvalidPhrases(
                gettext("Line %(line)s is longer than %(max)s characters.") % {"line": number, "max": MAX_PHRASE_LENGTH}
            )
        if "**" in phrase:
            raise InvalidPhrases(
                gettext("Line %(line)s (“%(phrase)s”): write one * for any letters, not two.")
                % {"line": number, "phrase": phrase}
            )
        if sum(1 for char in phrase if char.isalnum()) < MIN_LETTERS:
            raise InvalidPhrases(
                gettext("Line %(line)s (“%(phrase)s”) needs at least %(min)s letters or digits besides the wildcards.")
                % {"line": number, "phrase": phrase, "min": MIN_LETTERS}
            )
        if phrase.casefold() not in seen:
            seen.add(phrase.casefold())
            phrases.append(phrase)
    if not phrases:
        raise InvalidPhrases(gettext("Enter at least one phrase (one per line)."))
    if len(phrases) > MAX_PHRASES:
        raise InvalidPhrases(gettext("A rule may have at most %(max)s phrases.") % {"max": MAX_PHRASES})
    return phrases


@lru_cache(maxsize=2048)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """``phrase`` as a regular expression: whole words, ``*`` = letters within a word, any white space."""
    parts = []
    for word in _normalise(phrase).split():
        parts.append(r"\w*".join(re.escape(piece) for piece in word.split("*")))
    # Look-arounds instead of \b: a phrase may start or end with a non-letter ("24/7", "C++").
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    field: str
    """``subject`` or ``body``."""
    phrase: str
    text: str
    """What the phrase matched, as written in the mail."""


@dataclass(frozen=True)
class RuleSpec:
    """What matching needs of a rule, saved or not (the test box evaluates the unsaved form)."""

    name: str
    phrases: tuple[str, ...]
    customer_ids: frozenset[int] = frozenset()
    """Empty: every customer."""
    only_24x7: bool = False
    match_subject: bool = True
    match_body: bool = True
    active: bool = True


@dataclass(frozen=True)
class Evaluation:
    spec: RuleSpec
    hits: tuple[Hit, ...] = ()
    blocked_by: str = ""
    """Why the rule does not apply to this mail whatever its text says; empty when it applies."""

    @property
    def matched(self) -> bool:
        return bool(self.hits) and not self.blocked_by


class RuleLike(Protocol):
    name: str
    phrases: str
    only_24x7: bool
    match_subject: bool
    match_body: bool
    active: bool


def spec_of(rule: RuleLike, *, customer_ids: Iterable[int]) -> RuleSpec:
    """A saved rule's spec; phrases that no longer parse are skipped rather than failing the intake."""
    try:
        phrases = tuple(phrases_parse(rule.phrases))
    except InvalidPhrases:
        phrases = ()
    return RuleSpec(
        name=rule.name,
        phrases=phrases,
        customer_ids=frozenset(customer_ids),
        only_24x7=rule.only_24x7,
        match_subject=rule.match_subject,
        match_body=rule.match_body,
        active=rule.active,
    )


def phrase_hits(phrases: Sequence[str], *, field_name: str, text: str) -> list[Hit]:
    text = _normalise(text)
    hits = []
    for phrase in phrases:
        found = phrase_pattern(phrase).search(text)
        if found is not None:
            hits.append(Hit(field=field_name, phrase=phrase, text=found.group(0)))
    return hits


def evaluate(spec: RuleSpec, *, customer_id: int | None, has_24x7: bool, subject: str, body: str) -> Evaluation:
    """Which of ``spec``'s phrases hit the mail, and whether the rule applies to its customer at all."""
    blocked_by = ""
    if not spec.active:
        blocked_by = gettext("the rule is switched off")
    elif spec.customer_ids and customer_id not in spec.customer_ids:
        blocked_by = gettext("the rule is not for this customer")
    elif spec.only_24x7 and not has_24x7:
        blocked_by = gettext("the customer has no 24/7 support")
    hits: list[Hit] = []
    if spec.match_subject:
        hits += phrase_hits(spec.phrases, field_name="subject", text=subject)
    if spec.match_body:
        hits += phrase_hits(spec.phrases, field_name="body", text=body)
    return Evaluation(spec=spec, hits=tuple(hits), blocked_by=blocked_by)


def spec_matches(spec: RuleSpec, *, customer_id: int | None, has_24x7: bool, subject: str, body: str) -> bool:
    return evaluate(spec, customer_id=customer_id, has_24x7=has_24x7, subject=subject, body=body).matched


def rule_matches(rule: "Prio1Rule", *, customer_id: int | None, has_24x7: bool, subject: str, body: str) -> bool:
    """Whether the saved ``rule`` makes this mail a Prio 1.

    Pure once ``rule.customers`` is prefetched (as :func:`~supportdesk.escalation.selectors.prio1_rule_for_mail`
    does); otherwise reading the customers costs one query.
    """
    spec = spec_of(rule, customer_ids=(customer.pk for customer in rule.customers.all()))
    return spec_matches(spec, customer_id=customer_id, has_24x7=has_24x7, subject=subject, body=body)
