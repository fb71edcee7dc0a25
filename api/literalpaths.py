"""A path that a route names literally is that route's, whatever the method.

``GET /v1/documents/batch`` was answered 422 ``doc_hash: must be 32 bytes as 64 hex digits``:
``/v1/documents/batch`` is served for POST only, so Starlette went on to the next route whose
path matched — ``GET /v1/documents/{doc_hash}`` — and read ``batch`` as a document hash. A
route with path parameters yields every path that a route with fewer parameters also matches
(:func:`yields`): the literal route answers it, a method it does not serve is 405 with its
``Allow`` (``api/errors.py``), as for ``POST /v1/documents/lodged``. ``allowed_methods`` there
names the methods of the same routes (:func:`claimants`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import BaseRoute


def _params(route: object) -> int:
    return len(getattr(route, "param_convertors", None) or {})


def _matches(route: object, path: str) -> bool:
    regex = getattr(route, "path_regex", None)
    return bool(getattr(route, "methods", None)) and regex is not None and bool(regex.match(path))


def claimants(routes: Iterable[Any], path: str) -> list[Any]:
    """The routes among ``routes`` whose path ``path`` is: of those matching it, the ones with
    the fewest path parameters (``/v1/documents/batch``, not ``/v1/documents/{doc_hash}``)."""
    matching = [r for r in routes if _matches(r, path)]
    if not matching:
        return []
    fewest = min(_params(r) for r in matching)
    return [r for r in matching if _params(r) == fewest]


def yields(route: BaseRoute, app: Any, path: str) -> bool:
    """Whether ``route`` (whose path matches ``path``) leaves ``path`` to a route of ``app``
    with fewer path parameters that matches it too: a literal segment where ``route`` has a
    parameter."""
    own = _params(route)
    if not own:
        return False
    return any(_matches(c, path) and _params(c) < own for c in served(app))


#: per app, the routes it serves, listed once: a request matching a route with path parameters
#: asks :func:`yields`, which walked the app's routes anew each time
_SERVED: weakref.WeakKeyDictionary[Any, list[RouteContext]] = weakref.WeakKeyDictionary()


def served(app: Any) -> list[RouteContext]:
    """Every route ``app`` serves, an included router's as included (its prefix); listed once
    per app (the gateway's routes are all added before it serves)."""
    found = _SERVED.get(app)
    if found is None:
        found = _SERVED[app] = list(iter_route_contexts(app.routes))
    return found


def route_path(scope: Any) -> str:
    """The request's path as routes match it: without the app's ``root_path``."""
    path, root = str(scope["path"]), str(scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(f"{root}/") else path
