"""Unknown query parameters are refused, not ignored.

A misspelt filter (``?stauts=active``, ``?regisrant=0x…``) used to answer as if no filter had
been given: a full, plausible page that the caller takes for the filtered one. Every route now
answers 422 ``invalid_input`` naming the parameter and the ones the route takes.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from ledger.errors import InvalidInput

_KNOWN: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _known(route: APIRoute) -> frozenset[str]:
    found = _KNOWN.get(id(route))
    if found is None:
        found = frozenset(_query_names(route.dependant))
        _KNOWN[id(route)] = found
    return found


async def reject_unknown_query(request: Request) -> None:
    """Raise InvalidInput (422) when the query string names a parameter the route does not
    take: ``field`` is that parameter, ``rule`` lists the ones it takes."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known = _known(route)
    unknown = sorted(set(request.query_params.keys()) - known)
    if unknown:
        takes = ", ".join(sorted(known)) if known else "none"
        raise InvalidInput(
            unknown[0],
            f"is not a query parameter of {request.method} {route.path} (it takes: {takes})",
            unknown=unknown,
        )
