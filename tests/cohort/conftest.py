"""Fixtures of the cohort tests (the small cohort lives in cohort_fixtures.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from cohort_fixtures import small_cohort  # noqa: E402


@pytest.fixture
def cohort():
    return small_cohort()
