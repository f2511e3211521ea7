"""Shared request/response types: bounded strings, finite numbers, sane UTC instants, database-range ids, and the
one error shape every 4xx/5xx answer has (declared in the OpenAPI document)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

EARLIEST_UTC = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_UTC = datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite's range is wider, so this bounds both
MAX_TEXT = 2000


def _sane_utc(t: datetime) -> datetime:
    try:
        t = (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is in year 10000 in UTC
        raise ValueError(f"must be between {EARLIEST_UTC.date()} and {LATEST_UTC.date()} (UTC)") from None
    if not EARLIEST_UTC <= t <= LATEST_UTC:
        raise ValueError(f"must be between {EARLIEST_UTC.date()} and {LATEST_UTC.date()} (UTC)")
    return t


UtcDatetime = Annotated[datetime, AfterValidator(_sane_utc)]
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a database id")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Serial = Annotated[str, Field(min_length=1, max_length=64)]
Iso2 = Annotated[str, Field(min_length=2, max_length=2, pattern="^[A-Z]{2}$")]


def _check(value: Any, where: str) -> None:
    """Raise a pydantic error whose context names the field (``where``) when a string holds a NUL byte or a number
    is not finite; the 422 answer puts that field in ``field``."""
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("nul_byte", "NUL bytes are not allowed", {"field": where or None})
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("not_finite", "must be a finite number (not NaN or Infinity), got {value}",
                                      {"field": where or None, "value": str(value)})
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, where)
            _check(v, f"{where}.{k}" if where else str(k))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check(v, f"{where}[{i}]")


class In(BaseModel):
    """Base of every request body: strings bounded, no NUL bytes, finite numbers only."""

    model_config = ConfigDict(allow_inf_nan=False, str_max_length=MAX_TEXT)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_no_nan(cls, data: Any) -> Any:
        _check(data, "")
        return data


class Issue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error answer: a message naming the field and value; for 422 also the field and each issue."""

    detail: str
    field: str | None = None
    errors: list[Issue] | None = None


ERRORS = {status: {"model": ErrorBody, "description": text} for status, text in (
    (400, "malformed request"), (401, "no valid key or session"), (403, "the caller's role may not do this"),
    (404, "not found"), (409, "conflicts with stored data"), (413, "request body too large"),
    (422, "invalid value (the message names the field and value)"), (503, "at capacity or not ready: retry"))}
