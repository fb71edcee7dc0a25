"""Time bounds mean what they say: ISO 8601 date or date-time, or Unix seconds, both inclusive.

A date alone as an upper bound (``until=2026-03-14``, ``to=…``) was read as that day's first
second, so a one-day query (``since=D&until=D``) answered nothing. It is now the whole of that day
(UTC): up to 23:59:59 for block times, 23:59:59.999 for the gateway's millisecond log. A
date-time upper bound is kept as given; an empty bound is refused, not read as "no bound".
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.errors import InvalidInput
from ledger.services import audit
from ledger.services.audit import EMPTY_FILTER_RULE, Period, parse_bounds_ms, parse_instant_ms
from ledger.services.documents import DocumentFilter
from ledger.services.roles import DocStatus

DAY_START = int(datetime(2026, 3, 14, tzinfo=UTC).timestamp())
DAY_END = DAY_START + 86_399


def test_a_date_as_upper_bound_is_the_whole_day() -> None:
    assert Period.parse("2026-03-14", "2026-03-14") == Period(DAY_START, DAY_END)
    assert Period.parse(until="2026-03-14") == Period(None, DAY_END)
    assert parse_instant_ms("2026-03-14", "until", upper=True) == DAY_END * 1000 + 999
    assert parse_instant_ms("2026-03-14", "since") == DAY_START * 1000


def test_a_date_time_bound_is_kept_as_given() -> None:
    assert Period.parse(until="2026-03-14T09:30:00Z").until == DAY_START + 9 * 3600 + 1800
    assert Period.parse(until="2026-03-14T09:30:00+01:00").until == DAY_START + 8 * 3600 + 1800
    assert Period.parse(since="2026-03-14T00:00:00").since == DAY_START  # no offset: UTC
    # a fraction: the lower bound is the next whole second of a block time, the upper the last
    assert Period.parse("2026-03-14T09:30:00.5Z", "2026-03-14T09:30:01.5Z") == Period(
        DAY_START + 34_201, DAY_START + 34_201
    )
    assert parse_bounds_ms("2026-03-14T09:30:00.250Z", "2026-03-14T09:30:00.750Z") == (
        (DAY_START + 34_200) * 1000 + 250,
        (DAY_START + 34_200) * 1000 + 750,
    )
    assert Period.parse(str(DAY_START), str(DAY_START)) == Period(DAY_START, DAY_START)
    assert parse_bounds_ms(None, str(DAY_START)) == (None, DAY_START * 1000 + 999)


def test_the_same_day_as_since_and_a_time_on_it_as_until_is_not_backwards() -> None:
    assert Period.parse("2026-03-14T12:00:00Z", "2026-03-14").until == DAY_END
    with pytest.raises(InvalidInput) as refused:
        Period.parse("2026-03-15", "2026-03-14")
    assert (refused.value.field, refused.value.rule) == ("until", "must not be before since")


def test_the_document_filter_reads_its_bounds_the_same_way() -> None:
    where = DocumentFilter.parse(registered_from="2026-03-14", registered_to="2026-03-14")
    assert (where.registered_from, where.registered_to) == (DAY_START, DAY_END)
    with pytest.raises(InvalidInput) as refused:
        DocumentFilter.parse(registered_from="2026-03-15", registered_to="2026-03-14")
    assert (refused.value.field, refused.value.rule) == ("to", "must not be before from")


@pytest.mark.parametrize("blank", ["", " "])
@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda v: Period.parse(since=v), "since"),
        (lambda v: Period.parse(until=v), "until"),
        (lambda v: DocumentFilter.parse(registrant=v), "registrant"),
        (lambda v: DocumentFilter.parse(doc_type=v), "type"),
        (lambda v: DocumentFilter.parse(status=v), "status"),
        (lambda v: DocumentFilter.parse(registered_from=v), "from"),
        (lambda v: DocumentFilter.parse(registered_to=v), "to"),
        (lambda v: audit.parse_filter(v, "bank", audit.parse_address), "bank"),
    ],
)
def test_an_empty_filter_is_refused_not_read_as_no_filter(
    call: object, field: str, blank: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        call(blank)  # type: ignore[operator]
    assert (refused.value.field, refused.value.rule) == (field, EMPTY_FILTER_RULE)


def test_a_filter_left_out_is_no_filter() -> None:
    assert DocumentFilter.parse() == DocumentFilter()
    assert Period.parse() == Period()
    assert DocumentFilter.parse(status="active").status is DocStatus.ACTIVE
    with pytest.raises(InvalidInput):  # taken as written: another case or spaces are refused
        DocumentFilter.parse(status=" Active ")


def test_a_bad_bound_names_its_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        DocumentFilter.parse(registered_to="14/03/2026")
    assert refused.value.field == "to"
    assert "ISO 8601" in refused.value.rule
    with pytest.raises(InvalidInput) as refused:
        Period.parse(until=str(audit.MAX_TIME + 1))
    assert refused.value.field == "until"
