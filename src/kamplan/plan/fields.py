"""Field types shared by the plan models: text kept as written, numbers, dates, ids.

The YAML reader hands plain scalars over as :class:`~kamplan.parse.reader.Plain` text. These types decide
what a field means: text fields keep the text exactly (``no``, ``0123``), number fields accept only
unquoted numbers (``1200000`` or ``1_200_000``), date fields accept ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from kamplan.parse.reader import Plain

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
SLUG = re.compile(SLUG_PATTERN)
_INT = re.compile(r"[-+]?[0-9]+")
_BASED = re.compile(r"[-+]?0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def to_text(value: Any) -> Any:
    """Keep a scalar's text exactly as written; numbers given from Python become their text."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return value  # let pydantic report "expected text"
    if isinstance(value, int | float):
        return str(value)
    return value


def parse_number(text: str) -> int | float | None:
    """Parse YAML number text; None when it is not a number.

    Underscores are ignored wherever they are (``1_200_000``), and ``0x``/``0o``/``0b`` prefixes
    are read, as YAML parsers read numbers (yaml-rs, which the fast path uses, does the same).
    """
    bare = text.replace("_", "") if "_" in text else text
    if _INT.fullmatch(bare):
        _check_digits(bare)
        return int(bare)
    if _BASED.fullmatch(bare):
        _check_digits(bare)
        return int(bare, 0)
    if _FLOAT.fullmatch(bare):
        return float(bare)
    return None


MAX_DIGITS = 4300  # Python's own limit for reading an integer from text (sys.get_int_max_str_digits)
MONEY_LIMIT = 10**15  # a quadrillion: beyond the revenue of any company, so a typo or a unit mix-up


def _check_digits(bare: str) -> None:
    if len(bare) > MAX_DIGITS:
        raise PydanticCustomError(
            "number_too_long", "a number of {digits} digits is too long to read (the limit is {limit} digits); "
            "quote it to keep it as text", {"digits": f"{len(bare):,}", "limit": f"{MAX_DIGITS:,}"})


def to_money(value: Any) -> Any:
    """A money amount: a number (see :func:`to_number`), 0 or more and no bigger than 10^15."""
    number = to_number(value)
    if number < 0:
        raise PydanticCustomError("number_range", "{value} is negative: an amount is never below 0",
                                  {"value": str(value) if isinstance(value, str) else f"{number:,.0f}"})
    if abs(number) > MONEY_LIMIT:
        shown = str(value) if isinstance(value, str) else f"{number:,.0f}" if abs(number) < 1e30 else f"{number:.3g}"
        raise PydanticCustomError(
            "number_range", "{value} is beyond 10^15, more than any account is worth: a typo or a unit mix-up?",
            {"value": shown if len(shown) <= 40 else shown[:37] + "..."})
    return number


def to_number(value: Any) -> Any:
    """Accept unquoted numbers only; quoted text in a number field is a type error."""
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "expected a number, got {value}", {"value": repr(value)})
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise PydanticCustomError("number_type", "expected a finite number", {})
        return value
    if isinstance(value, Plain):
        number = parse_number(value)
        if number is not None and math.isfinite(number):
            return number
        raise PydanticCustomError(
            "number_type", "expected a number, got the text {value}", {"value": repr(str(value))}
        )
    if isinstance(value, str):
        raise PydanticCustomError(
            "number_type",
            "expected a number, got the quoted text {value} (remove the quotes)",
            {"value": repr(value)},
        )
    raise PydanticCustomError("number_type", "expected a number", {})


def number_or_text(value: Any) -> Any:
    """A number when written as one, otherwise the text (goal targets of custom metrics)."""
    if isinstance(value, Plain):
        number = parse_number(value)
        return str(value) if number is None else number
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return to_text(value)


def to_date(value: Any) -> Any:
    """Accept ``YYYY-MM-DD`` (a real calendar day) or a ``datetime.date``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "date_format", "expected a date YYYY-MM-DD, got {value}", {"value": repr(str(value))}
    )


def resolve_plain(value: Any) -> Any:
    """Resolve free-form data (``custom:``) with the YAML 1.2 core schema; leading zeros stay text."""
    if isinstance(value, dict):
        return {str(k): resolve_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_plain(v) for v in value]
    if isinstance(value, Plain):
        if value in ("true", "True", "TRUE"):
            return True
        if value in ("false", "False", "FALSE"):
            return False
        number = parse_number(value) if not value.startswith("0") or value == "0" or "." in value else None
        return str(value) if number is None else number
    return value


def resolve_custom(value: Any, info: ValidationInfo) -> Any:
    """:func:`resolve_plain` for ``custom:`` fields.

    On the fast path (:mod:`kamplan.parse.fast`) yaml-rs has already resolved numbers and keys, and
    their spelling is gone (``0123`` arrived as 123): a number or a non-text key there sends the
    plan to the full reader, which keeps the spelling.
    """
    if info.context and info.context.get("fast") and _has_resolved_number(value):
        raise PydanticCustomError("fast_path", "read again with positions and spelling", {})
    return resolve_plain(value)


def _has_resolved_number(value: Any) -> bool:
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _has_resolved_number(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_resolved_number(v) for v in value)
    return isinstance(value, int | float) and not isinstance(value, bool)


# Text fields take any YAML text: plain scalars arrive as ``Plain`` (a str subclass), which pydantic
# turns into an exact ``str``, so no Python validator runs per field (this is the hot path of loading).
Text = str
Id = Annotated[str, Field(pattern=SLUG_PATTERN)]  # checked in Rust; reported as E204 (schema_errors)
Number = Annotated[int | float, BeforeValidator(to_number)]
Money = Annotated[int | float, BeforeValidator(to_money)]
Target = Annotated[int | float | str, BeforeValidator(number_or_text)]
Day = Annotated[dt.date, BeforeValidator(to_date)]
Custom = Annotated[dict[str, Any], BeforeValidator(resolve_custom)]
