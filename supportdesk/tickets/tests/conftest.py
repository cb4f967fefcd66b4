"""Fixtures of the tickets tests."""

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture
def english() -> Iterator[None]:
    """Service messages are worded in the active language; these tests read the English ones."""
    with translation.override("en"):
        yield
