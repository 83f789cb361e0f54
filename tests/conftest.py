from __future__ import annotations

from pathlib import Path

import pytest

from quizlib.loader import load_bank
from quizlib.models import Bank

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_bank() -> Bank:
    return load_bank(FIXTURES / "banks" / "all-types.yml")


from .test_book_build import built_book  # noqa: E402,F401  (session fixture shared by book tests)


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium for the whole session (Playwright allows one sync session per process)."""
    from .browser import chromium, require_chromium

    require_chromium()
    with chromium() as browser:
        yield browser
