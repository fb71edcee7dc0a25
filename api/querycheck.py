"""Unknown, repeated and empty query parameters are refused, not ignored.

A misspelt filter (``?stauts=active``, ``?regisrant=0x…``) used to answer as if no filter had
been given: a full, plausible page that the caller takes for the filtered one. Every route now
answers 422 ``invalid_input`` naming the parameter and the ones the route takes.

A parameter given twice (``?status=active&status=revoked``) was read as its last value, so the
caller got one of the two filters without being told which. It is refused the same way, naming
the parameter, unless the route takes a list for it (``?fingerprint=…&fingerprint=…``).

A parameter given empty (``?bank=``: a script's unset variable, ``bank=$BANK``) was read as if it
had been left out on some routes — every bank's records, 200 — and refused on others. On every
read (GET) route it is now a 422 naming it: ``must not be empty: leave it out for no filter``
(``ledger.services.audit.EMPTY_FILTER_RULE``; the CLI refuses an empty option the same way). A
write's query parameter (``POST /v1/documents/openattestation?doc_type=``) is its route's to
refuse with its own rule.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from ledger.errors import InvalidInput
from ledger.services.audit import EMPTY_FILTER_RULE

#: the methods whose query parameters are filters: an empty one is refused here
_READS = frozenset({"GET", "HEAD"})

#: per route: the query parameters it takes, and those of them it takes as a list
_KNOWN: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def _takes_many(annotation: Any) -> bool:
    """Whether a parameter annotated ``annotation`` is a list (``list[str] | None`` too)."""
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return any(_takes_many(arg) for arg in get_args(annotation) if arg is not type(None))


def _query_names(dependant: Dependant) -> tuple[set[str], set[str]]:
    names = {p.alias for p in dependant.query_params}
    many = {p.alias for p in dependant.query_params if _takes_many(p.field_info.annotation)}
    for sub in dependant.dependencies:
        sub_names, sub_many = _query_names(sub)
        names |= sub_names
        many |= sub_many
    return names, many


def _known(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    found = _KNOWN.get(id(route))
    if found is None:
        names, many = _query_names(route.dependant)
        found = frozenset(names), frozenset(many)
        _KNOWN[id(route)] = found
    return found


async def reject_unknown_query(request: Request) -> None:
    """Raise InvalidInput (422) when the query string names a parameter the route does not
    take (``rule`` lists the ones it takes), gives one it takes once more than once, or — on a
    read — gives one empty or blank (``rule`` :data:`EMPTY_FILTER_RULE`).

    ``field`` and ``rule`` are the first problem's; ``details.problems`` lists every one
    (``{"field", "rule"}``, one per parameter, in the order: repeated, unknown, empty), as a
    body's validation lists each field it refuses — a tryout's ``?stauts=x&regisrant=y`` was
    told of ``regisrant`` alone. ``details.repeated``, ``unknown`` and ``empty`` list the
    parameters of each kind found."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known, many = _known(route)
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(n for n, c in counts.items() if c > 1 and n in known and n not in many)
    unknown = sorted(set(request.query_params.keys()) - known)
    empty: list[str] = []
    if request.method in _READS:
        empty = sorted(
            {
                name
                for name, value in request.query_params.multi_items()
                if not value.strip() and name in known and name not in repeated
            }
        )
    takes = ", ".join(sorted(known)) if known else "none"
    problems = [
        *(
            {"field": n, "rule": "is given more than once: give it once (a list is not taken here)"}
            for n in repeated
        ),
        *(
            {
                "field": n,
                "rule": f"is not a query parameter of {request.method} {route.path} "
                f"(it takes: {takes})",
            }
            for n in unknown
        ),
        *({"field": n, "rule": EMPTY_FILTER_RULE} for n in empty),
    ]
    if not problems:
        return
    found = {
        kind: names
        for kind, names in (("repeated", repeated), ("unknown", unknown), ("empty", empty))
        if names
    }
    first = problems[0]
    raise InvalidInput(first["field"], first["rule"], problems=problems, **found)
