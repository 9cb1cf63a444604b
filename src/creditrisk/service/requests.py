"""Request models of the scoring API, generated from the schema module (one source of truth for every column).

Each raw table gets a pydantic model: one optional field per contract column with its type, its valid range
(the 365243 "never" sentinel allowed where the data has it) and its known categories; unknown fields are refused
so a misspelt column cannot be silently ignored. Errors carry the field's location and the reason.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator

from creditrisk.data import schema
from creditrisk.data.schema import HISTORY_TABLES, KEY
from creditrisk.errors import InvalidRequest


def _number_only(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON number, not text or true/false")
    return value


# JSON numbers only: true, false and "500000" are refused (pydantic would read them as 1, 0 and 500000)
JsonInt = Annotated[int, BeforeValidator(_number_only)]
JsonFloat = Annotated[float, BeforeValidator(_number_only), Field(allow_inf_nan=False)]
_PYTHON_TYPES = {"int64": JsonInt, "float64": JsonFloat, "object": str}
_KEYS = ("SK_ID_CURR", "SK_ID_BUREAU", "SK_ID_PREV")  # identifiers: whole numbers from 1 up

# Characters a person's free text must not hold: controls (a line break and a tab excepted) and the marks that
# reorder text on screen (a justification read by an auditor must read as it was written).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _plain_text(value: str) -> str:
    import unicodedata

    for character in value:
        if character in _BIDI or (unicodedata.category(character) == "Cc" and character not in "\n\t"):
            raise ValueError(f"contains the control or direction character U+{ord(character):04X}; write plain "
                             "text")
    return value


FreeText = Annotated[str, AfterValidator(_plain_text)]


def _range_check(column: schema.Column):
    """A validator refusing values outside [low, high] (the sentinel excepted), with the expected range."""
    def check(value: float | int | None) -> float | int | None:
        if value is None or value == column.sentinel:
            return value
        if column.low is not None and value < column.low:
            raise ValueError(f"{value} is below the smallest valid value {column.low:g}")
        if column.high is not None and value > column.high:
            raise ValueError(f"{value} is above the largest valid value {column.high:g}")
        return value

    return AfterValidator(check)


def _field(column: schema.Column, required: bool) -> tuple[Any, Any]:
    if column.categories:
        kind: Any = Literal[column.categories]
    elif column.name in _KEYS:
        kind = Annotated[JsonInt, Field(ge=1)]
    else:
        kind = _PYTHON_TYPES[column.dtype]
        if column.low is not None or column.high is not None:
            kind = Annotated[kind, _range_check(column)]
    if required:
        return kind, Field(...)
    return kind | None, Field(default=None)


@cache
def row_model(table_name: str, partial: bool = False) -> type[BaseModel]:
    """The request model of one row of ``table_name`` (application rows use the application_test contract).

    Keys and the columns the contract says are never empty are required; ``partial`` makes every field optional
    (changes to a row: only the fields given are checked).
    """
    table = schema.table("application_test" if table_name == "application" else table_name)
    keys = {KEY, *table.primary_key, *(fk[0] for fk in table.foreign_keys)}
    fields = {c.name: _field(c, required=not partial and (c.name in keys or not c.nullable)) for c in table.columns}
    name = "".join(part.capitalize() for part in table_name.split("_")) + ("Changes" if partial else "Row")
    return create_model(name, __config__=ConfigDict(extra="forbid", hide_input_in_errors=True), **fields)


def _check_links(records: BaseModel) -> BaseModel:
    """Every history row must belong to an applicant of the request (bureau_balance to a bureau row)."""
    clients = [row.SK_ID_CURR for row in records.application]
    if len(set(clients)) != len(clients):
        raise ValueError("application: SK_ID_CURR must be unique within a request")
    known = set(clients)
    for name in HISTORY_TABLES:
        entry = schema.ENTRIES[name]
        if entry.parent == "application":
            parents, what = known, "is not an applicant of this request"
        else:
            parents = {getattr(row, entry.link) for row in getattr(records, entry.parent)}
            what = f"has no {entry.parent} row in this request"
        for i, row in enumerate(getattr(records, name)):
            if getattr(row, entry.link) not in parents:
                raise ValueError(f"{name}[{i}].{entry.link} = {getattr(row, entry.link)} {what}")
    return records


def _records_model() -> type[BaseModel]:
    fields: dict[str, Any] = {"application": (list[row_model("application")], Field(..., min_length=1))}
    fields |= {name: (list[row_model(name)], Field(default_factory=list)) for name in HISTORY_TABLES}
    return create_model("RawRecords", __config__=ConfigDict(extra="forbid", hide_input_in_errors=True),
                        __validators__={"links": model_validator(mode="after")(_check_links)}, **fields)


RawRecords = _records_model()


def validate_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """What-if changes to an application row: known fields, valid values, never emptying a required field.

    Raises InvalidRequest naming each refused field and the reason.
    """
    from pydantic import ValidationError

    table = schema.table("application_test")
    problems = [f"changes.{k[:60]}: not a field that can be changed" for k in changes
                if k == KEY or k not in table.column_names]
    problems += [f"changes.{k}: must not be empty (the field is always filled)" for k, v in changes.items()
                 if v is None and k in table.column_names and not table.column(k).nullable]
    if not problems:
        try:
            row_model("application", partial=True).model_validate(changes)
        except ValidationError as error:
            problems = [f"changes.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
    if problems:
        raise InvalidRequest("; ".join(problems))
    return changes


def check_history_size(records: BaseModel, per_client: int, per_request: int) -> None:
    """Refuse a request whose history rows exceed the limits (params ``serve.max_history_rows_per_client`` and
    ``serve.max_history_rows``), naming the table, the applicant and the limit. Links are already checked."""
    from collections import Counter

    total = sum(len(getattr(records, name)) for name in HISTORY_TABLES)
    if total > per_request:
        raise InvalidRequest(f"records: {total} history rows in one request; the limit is {per_request} "
                             "(params serve.max_history_rows): split the batch")
    applicant_of: dict[str, dict[Any, int]] = {}  # a parent history table -> its key value -> applicant
    for name in HISTORY_TABLES:  # parents before children
        entry, rows = schema.ENTRIES[name], getattr(records, name)
        links = [getattr(row, entry.link) for row in rows]
        owners = links if entry.parent == "application" else [applicant_of[entry.parent][link] for link in links]
        client, count = Counter(owners).most_common(1)[0] if owners else (None, 0)
        if count > per_client:
            raise InvalidRequest(f"records.{name}: {count} rows for applicant {client}; the limit is {per_client} "
                                 "per applicant and table (params serve.max_history_rows_per_client)")
        if any(schema.ENTRIES[child].parent == name for child in HISTORY_TABLES):
            key = entry.primary_key[0]
            applicant_of[name] = {getattr(row, key): owner for row, owner in zip(rows, owners, strict=True)}
