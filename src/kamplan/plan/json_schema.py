"""JSON Schemas for editors that accept exactly the documents kamplan accepts (``kamplan schema --kind``).

An editor's YAML language server hands the schema what a YAML 1.2 core parser delivers, not what
kamplan reads: ``1_000_000`` arrives as the text "1_000_000", a year ``2026`` and a text ``0123`` or
``1.10`` as numbers, a date as text (or, from other parsers, a date). Each field type is therefore
described by what any of those parsers may deliver for a value kamplan accepts:

- text: a string, a number or a boolean (kamplan keeps the spelling: ``0123``, ``true``);
- an id: a slug, or a non-negative number (an id written ``2026`` is the slug "2026");
- a number or an amount: a number, or number text with underscores (amounts 0 to 10^15);
- a date: ``YYYY-MM-DD`` text;
- a revenue period: ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` text, or a year as a number.

Three kinds: ``plan`` (a whole plan file, or the header file of a folder plan), ``fragment`` (any file
of a folder plan: the same sections, none required) and ``config`` (``kamplan.yaml``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from kamplan.plan.fields import (
    MONEY_LIMIT,
    SLUG_PATTERN,
    number_or_text,
    resolve_custom,
    to_date,
    to_money,
    to_number,
)
from kamplan.plan.model import Plan, PortfolioConfig

SchemaKind = Literal["plan", "fragment", "config"]
KINDS: tuple[SchemaKind, ...] = ("plan", "fragment", "config")
DRAFT = "https://json-schema.org/draft/2020-12/schema"
NUMBER_TEXT = r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?$"
AMOUNT_TEXT = r"^\+?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?$"
DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"
PERIOD_PATTERN = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
TEXT: dict[str, Any] = {"type": ["string", "number", "boolean"]}
TITLES = {
    "plan": "kamplan account plan, format version 1",
    "fragment": "kamplan folder-plan file (sections added to the plan), format version 1",
    "config": "kamplan portfolio configuration (kamplan.yaml), format version 1",
}


class _AsYamlDelivers(GenerateJsonSchema):
    """Pydantic's schema generator, with each kamplan field type as a YAML parser may deliver it."""

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> dict[str, Any]:
        function = schema["function"]["function"]
        if function is to_money:
            return {"anyOf": [{"type": "number", "minimum": 0, "maximum": MONEY_LIMIT},
                              {"type": "string", "pattern": AMOUNT_TEXT}]}
        if function is to_number:
            inner = super().function_before_schema(schema)
            bounds = {k: v for k, v in inner.items() if k in ("minimum", "maximum", "exclusiveMinimum",
                                                                 "exclusiveMaximum")}
            return {"anyOf": [{"type": "number", **bounds}, {"type": "string", "pattern": NUMBER_TEXT}]}
        if function is to_date:
            return {"type": "string", "format": "date", "pattern": DATE_TEXT}
        if function is number_or_text:
            return dict(TEXT)
        if function is resolve_custom:
            return {"type": "object"}
        return super().function_before_schema(schema)

    def str_schema(self, schema: core_schema.StringSchema) -> dict[str, Any]:
        base = super().str_schema(schema)
        pattern = base.get("pattern")
        if pattern == SLUG_PATTERN:
            return {"anyOf": [base, {"type": "number", "minimum": 0}]}
        if pattern == PERIOD_PATTERN:
            return {"anyOf": [base, {"type": "integer", "minimum": 1000, "maximum": 9999}]}
        if pattern is None and "format" not in base and "enum" not in base and "const" not in base:
            return dict(TEXT)
        return base


def json_schema(kind: SchemaKind = "plan") -> dict[str, Any]:
    """The JSON Schema of one kind of kamplan document (see the module docstring).

    Args:
        kind: ``plan``, ``fragment`` or ``config``.

    Returns:
        A draft 2020-12 JSON Schema.
    """
    model = PortfolioConfig if kind == "config" else Plan
    schema = model.model_json_schema(by_alias=True, mode="validation", schema_generator=_AsYamlDelivers)
    if kind == "fragment":
        schema.pop("required", None)
    return {"$schema": DRAFT, "title": TITLES[kind], **{k: v for k, v in schema.items() if k != "title"}}
