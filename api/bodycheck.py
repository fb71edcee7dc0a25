"""A write's body holds what its route takes, as that route takes it — or it is refused (422).

Every write is a signed, irreversible chain action, so nothing in its body may be guessed:

* **Unknown fields** are refused, naming the field and the ones the route takes, never ignored:
  ``"legalid"`` for ``legal_id`` used to onboard a member with an all-zero legal id hash,
  ``-F doctype=invoice`` to register the file as ``other``. So are fields sent to a route that
  takes no body (``{"reason_code": 3}`` to ``…/close``). Checked here, on every route and at
  every depth of a JSON body (``documents[0].extra``), naming what the route or the object
  takes (:func:`reject_unknown_body`); the request models forbid them too (:class:`RequestBody`,
  ``extra="forbid"``).
* **A form field given twice** (``-F file=@a -F file=@b``: only ``b`` was registered, ``a``
  silently lost) is refused naming it, unless the route takes a list (``files`` of
  ``/v1/documents/batch``). A JSON object that names a key twice is refused before any route
  sees it (:mod:`ledger.jsonkeys`, in :class:`api.limits.JsonDepthLimit`).
* **A body left out** of a route that requires one is refused naming its first required field
  (``reason_code`` of a revocation), not "body".
* **A body in another media type than the route reads** is refused naming ``Content-Type``
  and the type the route takes (a JSON body sent as ``text/plain``, or with no content type,
  read as "not a JSON object"; a JSON body sent to a file upload), on every route that takes a
  body (:func:`check_content_type`).
* **Wrongly typed values** are refused, not coerced (:data:`JsonInt`: no ``true`` for 1, no
  ``"100"``, no ``100.0``, no ``-0``; :data:`JsonBool`: no ``1`` or ``"yes"`` for ``true``;
  :data:`IsoDateTime`: no Unix seconds for a date), quoting the value as the client wrote it:
  every route's JSON body is read keeping each number's literal (:class:`WrittenNumbersRoute`,
  :mod:`ledger.jsonliterals`), so ``1e3`` is refused as ``1e3``, never as the ``1000.0`` Python
  reads it to, and ``-0`` as ``-0``, never as the ``0`` it parses to.

The same for query parameters is :mod:`api.querycheck`.
"""

from __future__ import annotations

import email.message
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args, get_origin

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.params import Form
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError
from starlette.routing import Match
from starlette.types import Scope

from api.literalpaths import route_path, yields
from api.querycheck import _takes_many
from ledger.calendardays import no_such_day
from ledger.errors import InvalidInput
from ledger.jsonliterals import (
    WrittenFloat,
    WrittenInt,
    as_written,
    exponent_rule,
    in_exponent_notation,
    is_whole_number,
)
from ledger.services.roles import one_of_rule
from ledger.words import visible

#: the methods whose body a route reads (the others send none)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# -- request models ---------------------------------------------------------------------------


class RequestBody(BaseModel):
    """A write's JSON body: a field its model does not declare is refused (422 naming it),
    at any depth, never ignored."""

    model_config = ConfigDict(extra="forbid")


class WrittenNumbersRequest(Request):
    """A request whose JSON body is read keeping each number's literal beside its value
    (:class:`ledger.jsonliterals.WrittenFloat`: ``1e3`` is the float 1000.0 that remembers it
    was written ``1e3``; :class:`ledger.jsonliterals.WrittenInt`: ``-0`` is the 0 that remembers
    its sign), for a refusal to quote it as sent (:func:`_given`) and :data:`JsonInt` to tell
    ``-0`` from ``0``."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(
                await self.body(), parse_float=WrittenFloat, parse_int=WrittenInt
            )
        return self._json


class WrittenNumbersRoute(APIRoute):
    """A route that reads its JSON body with :class:`WrittenNumbersRequest`: every router of
    the gateway is made with it (``APIRouter(route_class=WrittenNumbersRoute)``)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """As :class:`APIRoute` matches, but a path that a route with fewer path parameters
        names is left to it (:func:`api.literalpaths.yields`): ``GET /v1/documents/batch`` is
        405 ``Allow: POST``, never a ``{doc_hash}`` of ``batch``."""
        match, child = super().matches(scope)
        app = scope.get("app")
        if match is Match.NONE or app is None:
            return match, child
        if yields(self, app, route_path(scope)):
            return Match.NONE, {}
        return match, child

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def written(request: Request) -> Response:
            response: Response = await handler(
                WrittenNumbersRequest(request.scope, request.receive)
            )
            return response

        return written


def _given(value: object) -> str:
    """``value`` as the client wrote it in JSON, for an error message (``true``, ``"100"``,
    ``1e3``: :func:`ledger.jsonliterals.as_written`)."""
    return as_written(value)


#: the rule a value of an integer field (:data:`JsonInt`) breaks when it is not one
JSON_INT_RULE = (
    "must be a whole number written as a JSON integer: digits alone, no sign (such as 42), "
    "not {given}"
)


def json_int(value: object) -> int:
    """``value`` (parsed JSON) when it is a whole number of 0 or more written as JSON writes
    one, in digits alone (:func:`ledger.jsonliterals.is_whole_number`), else
    PydanticCustomError in :data:`JSON_INT_RULE`'s words, quoting it as written."""
    refuse_exponent(value)
    if is_whole_number(value) and value >= 0:
        return int(value)
    raise PydanticCustomError("json_int", JSON_INT_RULE, {"given": _given(value)})


def refuse_exponent(value: object) -> None:
    """PydanticCustomError in :func:`ledger.jsonliterals.exponent_rule`'s words when ``value``
    (parsed JSON, or text from a query or a path) is a number in exponent notation: one rule
    for ``1e2`` and ``1e400`` alike, before any rule of its magnitude."""
    if in_exponent_notation(value):
        raise PydanticCustomError(
            "exponent_notation", "{rule}", {"rule": exponent_rule(_given(value))}
        )


#: an integer as JSON writes one, in digits alone — every integer a body takes is 0 or more (an
#: amount, a reason code, a threshold): ``true`` is not 1, ``"100"`` is not 100, neither is
#: ``100.0`` or ``1e2``, and ``-0`` is not 0: each is refused naming the field, never coerced, in
#: one rule (:data:`JSON_INT_RULE`). Put it last, ``Annotated[int, Field(ge=0), JsonInt]``, so
#: that the bounds stay in the OpenAPI schema
JsonInt = BeforeValidator(json_int)


def _json_bool(value: object) -> object:
    if isinstance(value, bool):
        return value
    raise PydanticCustomError(
        "json_bool", "must be true or false (a JSON boolean), not {given}", {"given": _given(value)}
    )


#: a JSON boolean: ``1``, ``"yes"``, ``"on"`` or ``"true"`` (which pydantic reads as true) are
#: refused naming the field, never coerced — a flag such as ``acknowledge_suspicions`` lets a
#: write through that is refused without it
JsonBool = BeforeValidator(_json_bool)


def _query_bool(value: object) -> object:
    if value in ("true", "false") or isinstance(value, bool):
        return value == "true" or value is True
    raise PydanticCustomError(
        "query_bool",
        "{rule}",
        {"rule": one_of_rule(("true", "false"), value)},
    )


#: a boolean query parameter, ``true`` or ``false`` as listed: ``TRUE``, ``yes``, ``1`` or
#: ``on`` (which pydantic reads as true) are refused naming the parameter, as every enumerated
#: filter refuses another spelling than its own (``?pending=yes``)
QueryBool = BeforeValidator(_query_bool)


_DATETIME = TypeAdapter(datetime)
#: a date followed by a time: read by the date-time's rule
_DATE_AND_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")


def is_date_time(text: str) -> bool:
    """Whether ``text`` is written as a date followed by a time (read by the date-time's
    rule, :func:`read_date_time`), not as a date alone."""
    return _DATE_AND_TIME.match(text.strip()) is not None


def read_date_time(text: str) -> datetime:
    """``text`` as a date-time, read as a body's ``maturity`` is (the API's and the CLI's
    alike). ValueError whose message is the rule, with what is wrong in it (``must be an ISO
    8601 date-time such as 2026-03-31T12:00:00Z (hour must be in 0..23)``)."""
    not_a_day = no_such_day(text)  # 2027-02-30T10:00:00Z: the day is the fault, not the form
    if not_a_day is not None:
        raise ValueError(not_a_day)
    try:
        return _DATETIME.validate_python(text)
    except ValidationError as exc:
        reason = _datetime_reason(text) or str(
            exc.errors()[0].get("ctx", {}).get("error") or "not one"
        )
        raise ValueError(
            f"must be an ISO 8601 date-time such as 2026-03-31T12:00:00Z ({reason})"
        ) from None


def _datetime_reason(text: str) -> str | None:
    """Why ``text`` is no date-time, in the standard library's words where pydantic's do not
    say (``hour must be in 0..23`` where pydantic reads past a bad hour as "unexpected extra
    characters")."""
    try:
        datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        said = str(exc)
        return None if said.startswith("Invalid isoformat") else said
    return None


def _iso_text(value: object) -> object:
    if isinstance(value, str) and value.strip():
        try:
            float(value)
        except ValueError:
            if not is_date_time(value):
                return value  # a date, or none: pydantic's date rules and words (api.errors)
            # a date-time: its own rule, not a date's ("must be a day of the calendar" for
            # 2030-06-30T25:00:00Z, a tryout)
            try:
                return read_date_time(value)
            except ValueError as exc:
                raise PydanticCustomError(
                    "iso_datetime",
                    "{rule}, not {given}",
                    {"rule": str(exc), "given": _given(value)},
                ) from None
    raise PydanticCustomError(
        "iso_date",
        "must be an ISO 8601 date or date-time written as a JSON string (such as 2026-03-31 or "
        "2026-03-31T12:00:00Z), not {given}",
        {"given": _given(value)},
    )


#: a date or date-time in ISO 8601 text: a number (``20260331``, Unix seconds, also as a
#: string) is refused, where pydantic would read it as seconds since 1970
IsoDateTime = Annotated[date | datetime, BeforeValidator(_iso_text)]


def _decimal_digits(value: object) -> object:
    if isinstance(value, str) and in_exponent_notation(value):
        raise PydanticCustomError("exponent_notation", "{rule}", {"rule": exponent_rule(value)})
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise PydanticCustomError(
            "int_parsing",
            "must be written in decimal digits (such as 7), not {given}",
            {"given": _given(value)},
        )
    return value


#: a path's numeric id in plain decimal digits: ``1.0``, ``+1``, `` 1`` or ``1_000`` (which
#: pydantic reads as 1 and 1000) are refused. Put it last, like :data:`JsonInt`
DecimalId = BeforeValidator(_decimal_digits)


# -- what a route takes -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Takes:
    """The body a route takes: ``none``; ``form`` fields (``names``; ``many``: those it takes
    as a list); a JSON object of a ``model`` (``required``: the fields it cannot do without,
    when the body itself is required); or a ``free`` JSON body (a document: any keys)."""

    kind: Literal["none", "form", "model", "free"]
    names: frozenset[str] = frozenset()
    many: frozenset[str] = frozenset()
    model: type[BaseModel] | None = None
    required: tuple[str, ...] = ()


_TAKES: dict[int, _Takes] = {}


def _body_params(dependant: Dependant) -> Iterable[Any]:
    yield from dependant.body_params
    for sub in dependant.dependencies:
        yield from _body_params(sub)


def _model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a value annotated ``annotation`` is, or holds a list of (``Model``,
    ``Model | None``, ``list[Model]``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is Annotated:
        return _model(get_args(annotation)[0])
    models = {m for m in map(_model, get_args(annotation)) if m is not None}
    return models.pop() if len(models) == 1 else None


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s fields as JSON names them, with their annotations."""
    return {info.alias or name: info.annotation for name, info in model.model_fields.items()}


def _read_route(route: APIRoute) -> _Takes:
    params = list(_body_params(route.dependant))
    if not params:
        return _Takes("none")
    forms = [p for p in params if isinstance(p.field_info, Form)]
    if forms:
        many = {p.alias for p in forms if _takes_many(p.field_info.annotation)}
        return _Takes("form", frozenset(p.alias for p in forms), frozenset(many))
    model = _model(params[0].field_info.annotation) if len(params) == 1 else None
    if model is None:
        return _Takes("free")
    required: tuple[str, ...] = ()
    if params[0].field_info.is_required():
        required = tuple(
            info.alias or name for name, info in model.model_fields.items() if info.is_required()
        )
    return _Takes("model", model=model, required=required)


def _takes(route: APIRoute) -> _Takes:
    found = _TAKES.get(id(route))
    if found is None:
        found = _TAKES[id(route)] = _read_route(route)
    return found


# -- the check --------------------------------------------------------------------------------


def _content_type(request: Request) -> tuple[str, str]:
    """The body's media type as (maintype, subtype), lower case."""
    message = email.message.Message()
    message["content-type"] = request.headers.get("content-type", "")
    return message.get_content_maintype(), message.get_content_subtype()


def _is_json(kind: tuple[str, str]) -> bool:
    """Whether FastAPI reads a body of media type ``kind`` as JSON."""
    return kind[0] == "application" and (kind[1] == "json" or kind[1].endswith("+json"))


def _is_form(kind: tuple[str, str]) -> bool:
    return kind in (("multipart", "form-data"), ("application", "x-www-form-urlencoded"))


#: the media type each kind of body is sent as, in words for an error
_EXPECTED_TYPE = {
    "model": "application/json",
    "free": "application/json",
    "form": "multipart/form-data",
}


def check_content_type(request: Request, takes: _Takes, body: bytes, where: str) -> None:
    """Raise InvalidInput naming ``Content-Type`` when a non-empty ``body`` is not sent as the
    media type its route reads (JSON for a JSON body, a form for a file upload): a body is
    never read as another type than it says it is, and the client learns which type to send."""
    if takes.kind == "none" or not body.strip():
        return
    kind = _content_type(request)
    fits = _is_form(kind) if takes.kind == "form" else _is_json(kind)
    if fits:
        return
    sent = request.headers.get("content-type", "").split(";", 1)[0].strip()
    expected = _EXPECTED_TYPE[takes.kind]
    said = f"it was sent as {sent}" if sent else "it was sent with no Content-Type"
    raise InvalidInput(
        "Content-Type",
        f"must be {expected}: {where} reads its body as {expected}, and {said}",
        expected=expected,
        sent=sent or None,
    )


def _check_names(names: list[str], takes: _Takes, where: str, what: str) -> None:
    """Raise InvalidInput naming the first of ``names`` (form fields, or the keys of a body
    sent to a route that takes none) given twice though taken once, else the first unknown."""
    counts = Counter(names)
    repeated = sorted(n for n, c in counts.items() if c > 1 and n in takes.names - takes.many)
    if repeated:
        raise InvalidInput(
            repeated[0],
            "is given more than once: give it once (a list is not taken here)",
            repeated=repeated,
        )
    unknown = sorted(set(counts) - takes.names)
    if unknown:
        if takes.names:
            rule = f"is not {what} of {where} (it takes: {', '.join(sorted(takes.names))})"
        else:
            rule = f"is not taken: {where} takes no body"
        # a name is the client's text (a file's bytes sent without a Content-Type read as one
        # long name): its control characters escaped, cut to a length a message can carry
        shown = [_shown_name(n) for n in unknown[:10]]
        raise InvalidInput(shown[0], rule, unknown=shown)


def _shown_name(name: str, limit: int = 80) -> str:
    """``name`` as an error shows it: :func:`ledger.words.visible`, at most ``limit`` characters."""
    text = visible(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_fields(data: Any, model: type[BaseModel], path: str, where: str) -> None:
    """Raise InvalidInput naming the first key of ``data`` (at ``path``, ``documents[0]``) that
    is not a field of ``model``, and its nested models' in turn. Whatever else is wrong with
    ``data`` (not an object, a bad value) is the model's to say."""
    if isinstance(data, list):
        for i, item in enumerate(data):
            _check_fields(item, model, f"{path}[{i}]", where)
        return
    if not isinstance(data, dict):
        return
    fields = _fields(model)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        place = f"{path} in {where}" if path else where
        raise InvalidInput(
            f"{path}.{unknown[0]}" if path else unknown[0],
            f"is not a field of {place} (it takes: {', '.join(sorted(fields))})",
            unknown=unknown,
        )
    for name, annotation in fields.items():
        inner = _model(annotation)
        if inner is None or name not in data:
            continue
        if isinstance(data[name], list) != _holds_list(annotation):
            continue  # an object for a list, or a list for an object: the model says so
        _check_fields(data[name], inner, f"{path}.{name}" if path else name, where)


def _holds_list(annotation: Any) -> bool:
    """Whether a value annotated ``annotation`` is a list (``list[Model]``, ``list[Model] |
    None``): an object sent for it is the model's to refuse (``documents: must be a list``),
    never read as one of its items (a tryout's ``{"documents": {"a": 1}}`` was told
    ``documents.a: is not a field of documents``)."""
    if get_origin(annotation) is Annotated:
        return _holds_list(get_args(annotation)[0])
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return any(_holds_list(a) for a in get_args(annotation) if a is not type(None))


async def _sent_names(request: Request, kind: tuple[str, str]) -> list[str] | None:
    """The top-level names of a body a route takes no part of: its JSON object's keys or form
    fields; None for any other body (JSON ``{}`` and form fields: none)."""
    if _is_json(kind):
        try:
            data = await request.json()
        except ValueError:  # not JSON (nor UTF-8): no names to give
            return None
        return list(data) if isinstance(data, dict) else None
    if _is_form(kind):
        form = await request.form()
        try:
            return [name for name, _ in form.multi_items()]
        finally:
            await form.close()
    return None


async def reject_unknown_body(request: Request) -> None:
    """Raise InvalidInput (422) when a write's body names a field its route does not take
    (``field`` is that field, ``rule`` lists the ones it takes), gives a form field it takes
    once more than once, is left out where the route requires fields (``field``: the first
    of them), or is sent to a route that takes none. See the module docstring."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or request.method not in _BODY_METHODS:
        return
    takes = _takes(route)
    where = f"{request.method} {route.path}"
    kind = _content_type(request)
    if takes.kind != "none" and not (takes.kind == "form" and _is_form(kind)):
        # (a form FastAPI parsed has no body left to read; any other body is still there)
        check_content_type(request, takes, await request.body(), where)
    if takes.kind == "free":
        return
    if takes.kind == "form":
        if _is_form(kind):  # FastAPI parsed it already: this is its cached copy
            form = await request.form()
            _check_names([name for name, _ in form.multi_items()], takes, where, "a form field")
        return
    body = await request.body()
    if takes.kind == "model":
        null = bool(body.strip()) and _is_json(kind) and await request.json() is None
        empty = not body.strip() or null
        if null and takes.required:  # a tryout read "the body is empty" for a JSON null
            raise InvalidInput(
                "body",
                f"must be a JSON object, not null: send a JSON object with "
                f"{', '.join(takes.required)}",
                missing=list(takes.required),
            )
        if empty and takes.required:
            raise InvalidInput(
                takes.required[0],
                f"is required (the body is empty: send a JSON object with "
                f"{', '.join(takes.required)})",
                missing=list(takes.required),
            )
        if not empty and _is_json(kind) and takes.model is not None:
            _check_fields(await request.json(), takes.model, "", where)
        return
    if not body.strip():
        return
    names = await _sent_names(request, kind)
    if names is None:
        raise InvalidInput("body", f"must be empty: {where} takes no body")
    _check_names(names, takes, where, "a field")
