"""A currency is checked against the day it is used (``ledger.documents.currencies``): a
document's against its issue date, a financing's against today, and as written when exact."""

from __future__ import annotations

from datetime import date

import pycountry
import pytest

from ledger.documents.currencies import WITHDRAWN, check_currency, minor_unit_exponent
from ledger.errors import InvalidInput


def test_the_withdrawals_table_holds_only_withdrawn_codes_and_active_successors() -> None:
    """pycountry (Debian's iso-codes) lists the active codes: a withdrawn one it still lists
    would be active, and a successor it does not list would make the table's advice wrong."""
    for code, withdrawal in WITHDRAWN.items():
        assert pycountry.currencies.get(alpha_3=code) is None, code
        assert pycountry.currencies.get(alpha_3=withdrawal.replaced_by) is not None, code


@pytest.mark.parametrize(
    ("code", "last_day"),
    [("HRK", date(2022, 12, 31)), ("BGN", date(2025, 12, 31)), ("DEM", date(2001, 12, 31))],
)
def test_a_withdrawn_code_is_in_force_until_its_successor_takes_over(
    code: str, last_day: date
) -> None:
    assert check_currency(code, "currency", issued=last_day) == code
    with pytest.raises(InvalidInput) as refused:
        check_currency(code, "currency", issued=date(last_day.year + 1, 1, 1))
    assert f"withdrawn on {last_day.year + 1}-01-01" in refused.value.rule
    with pytest.raises(InvalidInput) as refused:
        check_currency(code, "currency")  # a financing, made now
    assert "a new financing is made in an active currency" in refused.value.rule


def test_a_code_never_in_iso_4217_is_refused_whatever_the_date() -> None:
    with pytest.raises(InvalidInput, match="not an active ISO 4217"):
        check_currency("ZZZ", "currency", issued=date(2001, 1, 1))


@pytest.mark.parametrize("written", ["eur", "Eur", " EUR", "EUR\n"])
def test_an_exact_code_is_taken_as_written(written: str) -> None:
    with pytest.raises(InvalidInput, match="three upper-case letters"):
        check_currency(written, "currency", exact=True)
    assert check_currency(written, "currency") == "EUR"  # read leniently: as before
    assert check_currency("EUR", "currency", exact=True) == "EUR"


def test_withdrawn_codes_keep_their_decimals() -> None:
    assert minor_unit_exponent("ITL") == 0
    assert minor_unit_exponent("HRK") == 2
