from __future__ import annotations

from hypothesis import given, settings

from quizlib.loader import dump_bank, parse_bank
from quizlib.models import Bank

from .strategies import bank_dicts


@settings(max_examples=150, deadline=None)
@given(data=bank_dicts())
def test_dumped_bank_reloads_equal(data):
    bank = Bank.model_validate(data)
    again = parse_bank(dump_bank(bank), "dumped.yml")
    assert again == bank


def test_fixture_roundtrip(fixture_bank):
    assert parse_bank(dump_bank(fixture_bank), "x.yml") == fixture_bank
