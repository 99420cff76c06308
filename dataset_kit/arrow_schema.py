"""Derive the Arrow schema of the exported Parquet files from the JSON schema.

One column per property of the JSON schema, in the schema's order, plus
``cluster_id`` (see :data:`CLUSTER_ID`). Types follow the JSON types:

=====================  ==========================================================
JSON schema            Arrow
=====================  ==========================================================
string (any format)    ``string`` (dates stay text: RFC 3339 offsets and date-only
                       values survive unchanged)
integer                ``int64``
number                 ``float64`` (also integer-or-number)
boolean                ``bool``
array of T             ``list<T>``
object with properties ``struct`` of the properties (when no other keys are allowed)
anything else          ``string`` holding the value as JSON text (a property that
                       allows several types, or an open object)
=====================  ==========================================================

A column is non-nullable only when the property is required and ``null`` is not
among its allowed types. ``anyOf``/``oneOf`` branches, ``enum``/``const`` and
local ``$ref`` are followed. The schema must declare every field
(``additionalProperties: false``): a field it does not declare would have no column
and be lost, which an export refuses to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa

from .errors import SchemaError

CLUSTER_ID = "cluster_id"
CLUSTER_ID_DESCRIPTION = (
    "id of the near-duplicate cluster's representative; records sharing a cluster_id are "
    "near-duplicates, and a record without near-duplicates has its own id"
)


@dataclass(frozen=True)
class Column:
    """One top-level field: its Arrow type, nullability, and whether values are stored
    as JSON text."""

    name: str
    type: pa.DataType
    nullable: bool
    json_text: bool = False

    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=self.nullable)


@dataclass(frozen=True)
class _Derived:
    type: pa.DataType
    nullable: bool
    json_text: bool = False


_JSON = _Derived(pa.string(), True, True)
_SCALARS = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
}


def _resolve(node: Any, root: Mapping[str, Any], depth: int = 0) -> Any:
    while isinstance(node, Mapping) and "$ref" in node and depth < 32:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise SchemaError(
                f"cannot derive a Parquet column from $ref {ref!r}: only references inside "
                "the schema (#/...) are supported"
            )
        target: Any = root
        for part in ref[1:].split("/")[1:] if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                raise SchemaError(f"$ref {ref!r} points at nothing in the schema")
            target = target[part]
        node = target
        depth += 1
    return node


def _value_types(values: Sequence[Any]) -> set[str]:
    kinds = set()
    for value in values:
        if value is None:
            kinds.add("null")
        elif isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float):
            kinds.add("number")
        elif isinstance(value, str):
            kinds.add("string")
        elif isinstance(value, list):
            kinds.add("array")
        else:
            kinds.add("object")
    return kinds


def _combine(parts: Sequence[_Derived]) -> _Derived:
    nullable = any(p.nullable for p in parts)
    typed = [p for p in parts if not pa.types.is_null(p.type)]
    if not typed:
        return _Derived(pa.string(), True)
    if any(p.json_text for p in typed):
        return _Derived(pa.string(), nullable, True)
    kinds = {p.type for p in typed}
    if len(kinds) == 1:
        return _Derived(typed[0].type, nullable)
    if kinds <= {pa.int64(), pa.float64()}:
        return _Derived(pa.float64(), nullable)
    return _Derived(pa.string(), nullable, True)


def _derive(node: Any, root: Mapping[str, Any], depth: int = 0) -> _Derived:
    if depth > 16:
        return _JSON
    node = _resolve(node, root)
    if node is True or node == {}:
        return _JSON
    if node is False or not isinstance(node, Mapping):
        return _JSON
    branches = node.get("anyOf") or node.get("oneOf")
    if "type" not in node and isinstance(branches, list) and branches:
        return _combine([_derive(branch, root, depth + 1) for branch in branches])
    if "type" not in node and isinstance(node.get("allOf"), list):
        for branch in node["allOf"]:
            derived = _derive(branch, root, depth + 1)
            if derived is not _JSON:
                return derived
        return _JSON
    if "type" in node:
        declared = node["type"]
        kinds = set(declared) if isinstance(declared, list) else {declared}
    elif "const" in node:
        kinds = _value_types([node["const"]])
    elif isinstance(node.get("enum"), list):
        kinds = _value_types(node["enum"])
    else:
        return _JSON
    nullable = "null" in kinds
    kinds.discard("null")
    parts: list[_Derived] = []
    for kind in sorted(kinds):
        if kind in _SCALARS:
            parts.append(_Derived(_SCALARS[kind], False))
        elif kind == "array":
            items = node.get("items", True)
            if isinstance(items, list):  # tuple form (draft 4-7): mixed positions
                parts.append(_Derived(pa.string(), False, True))
                continue
            item = _derive(items, root, depth + 1)
            if item.json_text:
                parts.append(_Derived(pa.string(), False, True))
            else:
                value_field = pa.field("item", item.type, nullable=item.nullable)
                parts.append(_Derived(pa.list_(value_field), False))
        elif kind == "object":
            parts.append(_derive_object(node, root, depth))
        else:
            parts.append(_Derived(pa.string(), False, True))
    if not parts:
        return _Derived(pa.null(), True)
    combined = _combine(parts)
    return _Derived(combined.type, nullable or combined.nullable, combined.json_text)


def _derive_object(node: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> _Derived:
    properties = node.get("properties")
    if not isinstance(properties, Mapping) or not properties:
        return _Derived(pa.string(), False, True)
    if node.get("additionalProperties", True) is not False:
        return _Derived(pa.string(), False, True)
    required = set(node.get("required", []))
    fields = []
    for name, sub in properties.items():
        derived = _derive(sub, root, depth + 1)
        if derived.json_text:
            return _Derived(pa.string(), False, True)
        fields.append(
            pa.field(name, derived.type, nullable=derived.nullable or name not in required)
        )
    return _Derived(pa.struct(fields), False)


def columns_for(schema: Mapping[str, Any]) -> list[Column]:
    """The columns of the dataset for a JSON schema of one record (without cluster_id).

    Raises :class:`SchemaError` when the schema does not describe an object with
    properties, allows undeclared fields, or already has a ``cluster_id`` property.
    """
    if not isinstance(schema, Mapping):
        raise SchemaError("the schema must be a JSON object describing one record")
    properties = schema.get("properties")
    if not isinstance(properties, Mapping) or not properties:
        raise SchemaError("the schema declares no properties, so there are no columns to export")
    if schema.get("additionalProperties", True) is not False:
        raise SchemaError(
            "the schema allows undeclared fields (additionalProperties is not false): those "
            "fields would have no Parquet column and be lost; declare every field and set "
            '"additionalProperties": false'
        )
    if CLUSTER_ID in properties:
        raise SchemaError(
            f"the schema declares a {CLUSTER_ID!r} property, which export adds itself; "
            "rename the property"
        )
    required = set(schema.get("required", []))
    columns = []
    for name, node in properties.items():
        derived = _derive(node, schema)
        if pa.types.is_null(derived.type):
            derived = _Derived(pa.string(), True)
        columns.append(
            Column(name, derived.type, derived.nullable or name not in required, derived.json_text)
        )
    return columns


def arrow_schema(columns: Sequence[Column], *, cluster_id: bool = True) -> pa.Schema:
    """The Arrow schema of the Parquet shards: the columns, then ``cluster_id``."""
    fields = [column.field() for column in columns]
    if cluster_id:
        fields.append(
            pa.field(
                CLUSTER_ID,
                pa.string(),
                nullable=False,
                metadata={"description": CLUSTER_ID_DESCRIPTION},
            )
        )
    return pa.schema(fields)


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode("utf-8")


def _column_values(records: Sequence[Mapping[str, Any]], column: Column) -> list[Any]:
    name = column.name
    if column.json_text:
        return [_json_text(record.get(name)) for record in records]
    return [record.get(name) for record in records]


def to_batch(
    records: Sequence[Mapping[str, Any]], columns: Sequence[Column]
) -> tuple[pa.RecordBatch, list[tuple[int, str, str]]]:
    """Convert valid records to one Arrow batch (schema without ``cluster_id``).

    Returns the batch and the records that could not be stored, as ``(position,
    column, reason)`` (e.g. an integer beyond 64 bits); those are left out of the
    batch, for the caller to reject.
    """
    schema = arrow_schema(columns, cluster_id=False)
    try:
        arrays = [pa.array(_column_values(records, c), type=c.type) for c in columns]
        return pa.RecordBatch.from_arrays(arrays, schema=schema), []
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        pass
    # Something in the batch does not fit its column: find it record by record.
    failures: list[tuple[int, str, str]] = []
    keep: list[Mapping[str, Any]] = []
    for position, record in enumerate(records):
        for column in columns:
            try:
                pa.array(_column_values([record], column), type=column.type)
            except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
                failures.append(
                    (position, column.name, f"cannot be stored as {column.type}: {exc}")
                )
                break
        else:
            keep.append(record)
    arrays = [pa.array(_column_values(keep, c), type=c.type) for c in columns]
    return pa.RecordBatch.from_arrays(arrays, schema=schema), failures
