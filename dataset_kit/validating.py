"""Validate records against a JSON schema, at Rust speed, with format assertions on.

:class:`Validator` wraps ``jsonschema-rs``. It checks the schema against its own
meta-schema first (a broken schema is a :class:`~dataset_kit.errors.SchemaError`, never
a confusing verdict later), then validates with **format assertions on**: by default
the JSON Schema spec treats ``format`` as an annotation, which would let
``"published_at": "11/11/2022 4:07 PM"`` through. Verdicts follow the schema's draft
(2020-12 when ``$schema`` is absent); the conformance test runs the official JSON
Schema Test Suite through this class.

The fast path calls ``is_valid`` (no error objects are built for the common, valid
case); only invalid records pay for :meth:`Validator.errors`, which turns each
failure into an :class:`Issue` with a JSON pointer, the failing keyword and a message
that says what was expected.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jsonschema_rs
import orjson

from .errors import SchemaError, printable
from .reading import Record

DEFAULT_SCHEMA_NAME = "article.schema.json"
ENGINES = ("rust", "python")


@dataclass(frozen=True, slots=True)
class Issue:
    """One reason a record is invalid.

    ``pointer`` is the JSON pointer (RFC 6901) of the offending value: for a missing
    required property it points at the property that is missing, so that issues group
    by field. ``keyword`` is the schema keyword that failed (``format``, ``required``,
    ``type``, ...) or, for input that could not be read as a record, the kind of read
    problem (``json``, ``encoding``, ``not-an-object``, ``truncated``, ``ingest``).
    """

    pointer: str
    keyword: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "keyword": self.keyword, "message": self.message}


def default_schema_path() -> Path:
    """The bundled article schema (``schema/article.schema.json``, shipped in the wheel)."""
    import importlib.resources

    return Path(str(importlib.resources.files("dataset_kit.schema") / DEFAULT_SCHEMA_NAME))


def load_schema(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read a JSON schema file (the bundled article schema when ``path`` is None).

    Raises :class:`SchemaError` naming the file when it is missing or not JSON.
    The schema is checked against its meta-schema when a :class:`Validator` is built.
    """
    schema_path = Path(path) if path is not None else default_schema_path()
    try:
        raw = schema_path.read_bytes()
    except FileNotFoundError as exc:
        raise SchemaError(f"{schema_path}: schema file not found") from exc
    except OSError as exc:
        raise SchemaError(f"{schema_path}: cannot read schema: {exc.strerror}") from exc
    try:
        schema = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SchemaError(
            f"{schema_path}: schema is not valid JSON (line {exc.lineno}, column {exc.colno}): "
            f"{exc.msg}"
        ) from exc
    if not isinstance(schema, (dict, bool)):
        raise SchemaError(f"{schema_path}: a schema must be a JSON object or boolean")
    return schema  # type: ignore[return-value]


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# Keywords whose subschemas apply to the same value as the schema holding them: a loop
# through these and local "$ref"s never reaches a smaller value, so it never ends.
_SAME_VALUE_LISTS = ("allOf", "anyOf", "oneOf")
_SAME_VALUE_ONE = ("not", "if", "then", "else")
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})


def _local_target(document: Any, ref: str) -> tuple[str, Any] | None:
    """The pointer and subschema a local ``$ref`` ("#", "#/a/b") names, or None."""
    if ref == "#":
        return "", document
    if not ref.startswith("#/"):
        return None
    node = document
    for part in ref[2:].split("/"):
        key = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return None
    return ref[1:], node


def _same_value_children(document: Any, pointer: str, node: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and (target := _local_target(document, ref)) is not None:
        yield target
    for key in _SAME_VALUE_LISTS:
        if isinstance(node.get(key), list):
            for i, child in enumerate(node[key]):
                yield f"{pointer}/{key}/{i}", child
    for key in _SAME_VALUE_ONE:
        if key in node:
            yield f"{pointer}/{key}", node[key]


def ref_cycle(schema: Any) -> list[str] | None:
    """A loop of local ``$ref``\\ s that comes back to a subschema without descending
    into a property or item (so validating any value would recurse for ever), as the
    JSON pointers along it; None when there is none. Recursion through ``properties``
    or ``items`` (a tree of comments) is fine and not reported."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    roots = [("", schema)]
    stack_nodes: list[tuple[str, Iterator[tuple[str, Any]]]] = []
    path: list[str] = []
    for pointer, node in _all_subschemas(schema, ""):
        roots.append((pointer, node))
    for root_pointer, root in roots:
        if state.get(root_pointer):
            continue
        state[root_pointer] = 1
        path.append(root_pointer)
        stack_nodes.append((root_pointer, _same_value_children(schema, root_pointer, root)))
        while stack_nodes:
            pointer, children = stack_nodes[-1]
            child = next(children, None)
            if child is None:
                state[pointer] = 2
                stack_nodes.pop()
                path.pop()
                continue
            child_pointer, child_node = child
            if state.get(child_pointer) == 1:
                return [*path[path.index(child_pointer) :], child_pointer]
            if state.get(child_pointer) is None:
                state[child_pointer] = 1
                path.append(child_pointer)
                stack_nodes.append(
                    (child_pointer, _same_value_children(schema, child_pointer, child_node))
                )
    return None


def _all_subschemas(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """Every object inside ``node`` with its JSON pointer (iteratively: no depth limit)."""
    pending = [(pointer, node)]
    while pending:
        where, value = pending.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            if isinstance(value, dict) and key in _DATA_KEYWORDS:
                continue  # instance data, not subschemas: a "$ref" there is a value
            if isinstance(child, (dict, list)):
                escaped = str(key).replace("~", "~0").replace("/", "~1")
                if isinstance(child, dict):
                    yield f"{where}/{escaped}", child
                pending.append((f"{where}/{escaped}", child))


def _refuse_fetch(uri: str) -> Any:
    raise ValueError(f"{uri} is not bundled, and nothing is fetched over the network")


def check_schema(
    schema: Mapping[str, Any] | bool, resources: Mapping[str, Any] | None = None
) -> None:
    """Raise :class:`SchemaError` unless ``schema`` is valid against its meta-schema.

    ``resources`` may hold a custom meta-schema that ``$schema`` names.
    """
    if isinstance(schema, bool):
        return
    if not isinstance(schema, Mapping):
        raise SchemaError("a schema must be a JSON object or boolean")
    meta_uri = schema.get("$schema")
    known = []
    if resources and isinstance(meta_uri, str) and meta_uri in resources:
        known = [(meta_uri, resources[meta_uri])]
    # Always pass a registry: without one, jsonschema-rs fetches an unknown $schema URL
    # over the network (a stalled server costs 30 s); with one it resolves the drafts
    # it bundles and refuses anything else.
    registry = jsonschema_rs.Registry(known, retriever=_refuse_fetch)
    try:
        jsonschema_rs.meta.validate(dict(schema), registry=registry)
    except jsonschema_rs.ReferencingError as exc:
        if isinstance(meta_uri, str) and not known and meta_uri in str(exc):
            raise SchemaError(
                f'the schema\'s "$schema" is {meta_uri}, which is not a meta-schema '
                "dataset-kit knows (JSON Schema drafts 4, 6, 7, 2019-09 and 2020-12); "
                "nothing is fetched over the network: use one of those drafts"
            ) from exc
        raise SchemaError(f"schema cannot be checked: {exc}") from exc
    except jsonschema_rs.ValidationError as exc:
        where = _pointer(exc.instance_path) or "the top level"
        raise SchemaError(
            f"schema is invalid against its meta-schema at {where}: {exc.message}"
        ) from exc
    cycle = ref_cycle(schema)
    if cycle is not None:
        raise SchemaError(
            "schema is invalid: its $refs loop without descending into a value ("
            + " -> ".join("#" + pointer for pointer in cycle)
            + "), so no record could ever be checked against it"
        )


class Validator:
    """Validates JSON values against one schema; reusable and cheap per call.

    ``assert_formats`` (default True) makes ``format`` an assertion, as a dataset
    needs; pass False for the spec's default annotation-only behaviour.
    ``resources`` preloads schemas that ``$ref`` may name by URI (nothing is fetched
    over the network); ``base_dir`` resolves relative file ``$ref``\\ s.

    >>> v = Validator({"type": "object", "properties": {"d": {"format": "date"}}})
    >>> v.is_valid({"d": "2022-11-11"}), v.is_valid({"d": "11/11/2022"})
    (True, False)
    """

    def __init__(
        self,
        schema: Mapping[str, Any] | bool,
        *,
        assert_formats: bool = True,
        resources: Mapping[str, Any] | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        engine: str = "rust",
        source: str | os.PathLike[str] | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise SchemaError(f"unknown validation engine {engine!r}; use one of {ENGINES}")
        try:
            check_schema(schema, resources)
        except SchemaError as exc:
            # ``source``: the schema's file, named so the user knows which one is wrong.
            if source is None:
                raise
            raise SchemaError(f"{printable(source)}: {exc}") from exc
        self.schema = schema
        self.engine = engine
        self._resources = dict(resources or {})
        self._base_dir = Path(base_dir) if base_dir is not None else None
        self.int_fields = integer_fields(schema)
        if engine == "python":
            self._py = _python_validator(schema, assert_formats, self._retrieve)
            self.is_valid = self._python_is_valid  # type: ignore[method-assign]
            self.errors = self._python_errors  # type: ignore[method-assign]
            return
        try:
            self._rs = jsonschema_rs.validator_for(
                schema if isinstance(schema, bool) else dict(schema),
                validate_formats=assert_formats,
                retriever=self._retrieve,
            )
        except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SchemaError(f"schema cannot be compiled: {first}") from exc
        self._long_strings = long_string_properties(schema)
        self._swaps = [0] * len(self._long_strings)
        self._sampled = 0
        if self._long_strings:
            self.is_valid = self._is_valid_sampling  # type: ignore[method-assign]
        else:
            # Bound straight to the Rust method: this call runs once per record.
            self.is_valid = self._rs.is_valid  # type: ignore[method-assign]

    def _retrieve(self, uri: str) -> Any:
        if uri in self._resources:
            return self._resources[uri]
        parsed = urlparse(uri)
        # A schema without $id gets the base URI json-schema:///, so a relative
        # "$ref": "part.json" arrives as json-schema:///part.json: a file next to it.
        # The reference library leaves a relative "$ref" as it is (no base URI).
        if parsed.scheme in ("file", "json-schema", ""):
            path = Path(unquote(parsed.path))
            if self._base_dir is not None and parsed.scheme != "file":
                path = self._base_dir / str(path).lstrip("/")
            try:
                return orjson.loads(path.read_bytes())
            except (OSError, orjson.JSONDecodeError) as exc:
                raise ValueError(f"$ref to {uri}: cannot read {path}: {exc}") from exc
        raise ValueError(
            f"$ref to {uri} cannot be resolved offline: pass it in `resources` "
            "or use a file reference"
        )

    def int64_issues(self, instance: Mapping[str, Any], raw: bytes | None = None) -> list[Issue]:
        """Values of integer fields that a 64-bit integer column cannot hold exactly.

        JSON Schema calls ``1e30`` an integer and sets no bound, but an export stores
        integer fields as int64, and an integer literal beyond 64 bits is already
        altered when parsed. ``validate`` applies this check too, so that
        it accepts exactly the records ``export`` can store. ``raw`` (the record's
        original JSON) lets the message show the value as written.
        """
        issues = []
        for name in self.int_fields:
            value = instance.get(name)
            if type(value) not in (int, float) or INT64_MIN <= value <= INT64_MAX:
                # In range (a whole float such as 5.0 is stored as 5), null, or of a
                # type that the schema's own check reports.
                continue
            issues.append(
                Issue(
                    f"/{name}",
                    "int64",
                    f"{_exact_value(raw, name, value)} is not an integer from {INT64_MIN} to "
                    f"{INT64_MAX}, which is what the field's 64-bit integer column holds",
                )
            )
        return issues

    def _python_errors(self, instance: Any) -> list[Issue]:
        with _python_schema_faults():
            return [_python_issue(error) for error in self._py.iter_errors(instance)]

    def _python_is_valid(self, instance: Any) -> bool:
        with _python_schema_faults():
            return bool(self._py.is_valid(instance))

    def is_valid(self, instance: Any) -> bool:
        """True when ``instance`` is valid (fast: builds no error objects)."""
        return self._rs.is_valid(instance)

    def _is_valid_via_prefixes(self, instance: Any) -> bool:
        # jsonschema-rs copies every string into Rust as UTF-8, and for a non-ASCII
        # article body that encoding costs more than the whole rest of the check. For
        # the properties long_string_properties() proved safe, a prefix stands in for
        # the long value: if the record is valid with the prefix, it is valid with the
        # whole value (see there); otherwise the whole record is checked again.
        if type(instance) is not dict:
            return self._rs.is_valid(instance)
        swapped = []
        for name, keep, max_length in self._long_strings:
            value = instance.get(name)
            if type(value) is str and keep < len(value) <= max_length:
                instance[name] = value[:keep]
                swapped.append((name, value))
        if not swapped:
            return self._rs.is_valid(instance)
        try:
            if self._rs.is_valid(instance):
                return True
        finally:
            for name, value in swapped:
                instance[name] = value
        return self._rs.is_valid(instance)

    def _is_valid_sampling(self, instance: Any) -> bool:
        # Looking up every candidate property costs more than it saves for those
        # that are short in practice (ids, names, titles). The first records show
        # which properties are long; from then on only those are swapped. Verdicts are the
        # same either way: the shortcut is exact, this only decides where to use it.
        if self._sampled >= _SAMPLE_RECORDS:
            # Settled; a caller that kept this bound method gets the chosen check.
            return self.is_valid(instance)
        if type(instance) is dict:
            for index, (name, _, _) in enumerate(self._long_strings):
                value = instance.get(name)
                self._swaps[index] += type(value) is str and len(value) > _WORTH_A_PREFIX
        verdict = self._is_valid_via_prefixes(instance)
        self._sampled += 1
        if self._sampled == _SAMPLE_RECORDS:
            self._long_strings = [
                prop
                for prop, swaps in zip(self._long_strings, self._swaps, strict=True)
                if swaps * 4 >= _SAMPLE_RECORDS
            ]
            if len(self._long_strings) == 1:
                self.is_valid = _one_prefix_check(  # type: ignore[method-assign]
                    self._rs.is_valid, *self._long_strings[0]
                )
            elif self._long_strings:
                self.is_valid = self._is_valid_via_prefixes  # type: ignore[method-assign]
            else:
                self.is_valid = self._rs.is_valid  # type: ignore[method-assign]
        return verdict

    def errors(self, instance: Any) -> list[Issue]:
        """Every reason ``instance`` is invalid, in a deterministic order; [] if valid."""
        return [_issue(error) for error in self._rs.iter_errors(instance)]


# A long string property may be checked through a prefix only when nothing but its own
# subschema looks at its value, and that subschema only constrains length and pattern.
_PREFIX_SAFE_ROOT_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$comment", "$defs", "definitions", "$anchor", "title",
        "description", "examples", "default", "deprecated", "readOnly", "writeOnly",
        "type", "properties", "required", "additionalProperties", "minProperties",
        "maxProperties", "dependentRequired", "propertyNames",
    }
)  # fmt: skip
_PREFIX_SAFE_STRING_KEYWORDS = frozenset(
    {
        "$comment", "title", "description", "examples", "default", "deprecated",
        "readOnly", "writeOnly", "type", "minLength", "maxLength", "pattern",
    }
)  # fmt: skip
# Escapes that stand for one character or a class of characters (no assertions such
# as \b, \B, \A, \z, \<, \>, no back-references).
_CLASS_ESCAPES = frozenset("sSdDwWtnrfv")
_LITERAL_ESCAPES = frozenset("\\.-+*?()[]{}|^$/ '\"#&~,:;=!@%`")
_HEX_ESCAPE = re.compile(r"x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|u\{[0-9A-Fa-f]{1,6}\}")
_UNICODE_CLASS = re.compile(r"[pP](?:[A-Za-z]|\{[A-Za-z_= ]+\})")
_COUNTED = re.compile(r"\{\d+(?:,\d*)?\}")
PREFIX_CHARS = 64
# Records a Validator looks at before it settles which long-string properties to
# shortcut: those longer than _WORTH_A_PREFIX characters in at least a quarter of
# them (below that, encoding the value costs less than looking it up).
_SAMPLE_RECORDS = 256
_WORTH_A_PREFIX = 1024


def long_string_properties(schema: Any) -> list[tuple[str, int, float]]:
    """Top-level string properties whose validity a prefix of the value decides.

    Returns ``(name, prefix_length, max_length)`` for each property of ``schema`` whose
    subschema only asks for a string with ``minLength``/``maxLength`` and a
    ``pattern`` that :func:`prefix_monotone` accepts, in a root schema whose
    other keywords never read property values. For such a property, a value ``v``
    with ``len(v) <= max_length`` is valid when its prefix ``v[:prefix_length]`` is:
    the prefix is at least ``minLength`` long, and a pattern found in the prefix is
    found in ``v``. Validating the record with the prefix in place is therefore
    enough to accept it; a rejection is rechecked on the real value.
    """
    if not isinstance(schema, dict) or not set(schema) <= _PREFIX_SAFE_ROOT_KEYWORDS:
        return []
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return []
    found = []
    for name, subschema in properties.items():
        if not isinstance(subschema, dict) or not subschema:
            continue
        if not set(subschema) <= _PREFIX_SAFE_STRING_KEYWORDS:
            continue
        kind = subschema.get("type", "string")
        if kind != "string" and not (isinstance(kind, list) and "string" in kind):
            continue
        pattern = subschema.get("pattern", "")
        if not isinstance(pattern, str) or not prefix_monotone(pattern):
            continue
        min_length = subschema.get("minLength", 0)
        max_length = subschema.get("maxLength", float("inf"))
        if not isinstance(min_length, int) or not isinstance(max_length, (int, float)):
            continue
        found.append((name, max(PREFIX_CHARS, min_length), max_length))
    return found


def prefix_monotone(pattern: str) -> bool:
    """Whether a match of ``pattern`` found in a prefix of a string is surely found in
    the whole string.

    True only for plain regular expressions, checked against an allow-list of syntax:
    literals, ``.``, character classes, class escapes (``\\S``, ``\\d``, ``\\p{L}``,
    ...), groups and non-capturing groups, alternation, ``^``, and greedy or lazy
    quantifiers. A match of such a pattern depends only on the characters it spans
    (and ``^`` on the start, which the prefix shares), so it stays a match when
    characters follow. Everything else is refused: ``$`` and word boundaries, which
    look at what follows; lookarounds, back-references, possessive quantifiers and
    inline flags (``(?x)`` can turn ``( ?!`` into a lookahead), which can depend on it
    or make the engine backtrack differently.
    """
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            end = _escape_end(pattern, i + 1)
            if end is None:
                return False
            i = end
        elif char == "[":
            end = _class_end(pattern, i + 1)
            if end is None:
                return False
            i = end
        elif char == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                return False
            i += 3 if pattern.startswith("(?:", i) else 1
        elif char in "*+?":
            i += 1
            if i < n and pattern[i] == "+":
                return False  # possessive
            if i < n and pattern[i] == "?":
                i += 1  # lazy
        elif char == "{":
            counted = _COUNTED.match(pattern, i)
            if counted is None:
                return False
            i = counted.end()
            if i < n and pattern[i] == "+":
                return False
            if i < n and pattern[i] == "?":
                i += 1
        elif char in "$}":
            return False
        else:  # a literal, ".", "|", ")" or "^"
            i += 1
    return True


def _escape_end(pattern: str, i: int) -> int | None:
    """End of the escape whose letter is at ``i``, if it is a safe one."""
    if i >= len(pattern):
        return None
    letter = pattern[i]
    if letter in _CLASS_ESCAPES or letter in _LITERAL_ESCAPES:
        return i + 1
    for form in (_HEX_ESCAPE, _UNICODE_CLASS):
        found = form.match(pattern, i)
        if found is not None:
            return found.end()
    return None


def _class_end(pattern: str, i: int) -> int | None:
    """End of the character class whose body starts at ``i`` (after ``[``)."""
    n = len(pattern)
    if i < n and pattern[i] == "^":
        i += 1
    if i < n and pattern[i] == "]":
        i += 1  # a leading "]" is a literal
    while i < n:
        char = pattern[i]
        if char == "]":
            return i + 1
        if char == "[":
            return None  # nested classes and set operations: not worth parsing
        if char == "\\":
            end = _escape_end(pattern, i + 1)
            if end is None:
                return None
            i = end
        else:
            i += 1
    return None


def _one_prefix_check(
    rust_is_valid: Any, name: str, keep: int, max_length: float
) -> Callable[[Any], bool]:
    """:meth:`Validator._is_valid_via_prefixes` for one property (the usual case:
    the article text), without its loop: this runs once per record."""

    def is_valid(instance: Any) -> bool:
        value = instance.get(name) if type(instance) is dict else None
        if type(value) is not str or not keep < len(value) <= max_length:
            return rust_is_valid(instance)
        instance[name] = value[:keep]
        try:
            verdict = rust_is_valid(instance)
        finally:
            instance[name] = value
        return verdict or rust_is_valid(instance)

    return is_valid


@contextlib.contextmanager
def _python_schema_faults() -> Iterator[None]:
    """Turn the reference library's lazy ``$ref`` failures into a :class:`SchemaError`.

    It resolves a ``$ref`` only when a record reaches it, so an unresolvable one (an
    http URL, which is never fetched, or a missing file) surfaces mid-run.
    """
    from referencing.exceptions import Unresolvable

    try:
        yield
    except Unresolvable as exc:
        cause = exc.__cause__ or exc.__context__
        detail = f": {cause}" if isinstance(cause, ValueError) else ""
        raise SchemaError(
            f"schema cannot be used: $ref {exc.ref!r} cannot be resolved{detail}"
        ) from exc
    except RecursionError:
        raise SchemaError(
            "schema cannot be used: its $refs loop without reaching a value (a $ref cycle)"
        ) from None


def _python_validator(schema: Any, assert_formats: bool, retrieve: Any) -> Any:
    # The reference implementation: slower, but useful to cross-check a verdict, and
    # it is what the benchmark compares against. The format-nongpl extra is what makes
    # its FORMAT_CHECKER check date-time, uri and friends instead of skipping them.
    from jsonschema.validators import validator_for
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012, specification_with

    # A referenced file without "$schema" of its own is read as the root schema's draft.
    dialect = schema.get("$schema") if isinstance(schema, dict) else None
    default = specification_with(dialect, default=DRAFT202012) if dialect else DRAFT202012

    def retrieve_resource(uri: str) -> Any:
        return Resource.from_contents(retrieve(uri), default_specification=default)

    cls = validator_for(schema)
    return cls(
        schema,
        format_checker=cls.FORMAT_CHECKER if assert_formats else None,
        registry=Registry(retrieve=retrieve_resource),
    )


_UNEXPECTED = re.compile(r"\((.*) (?:was|were) unexpected\)")


def _python_issue(error: Any) -> Issue:
    keyword = str(error.validator)
    path = list(error.absolute_path)
    message = error.message
    if keyword == "required":
        path.append(ast.literal_eval(message.split(" is a required property")[0]))
    elif keyword == "additionalProperties":
        found = _UNEXPECTED.search(message)
        names = ast.literal_eval(f"({found.group(1)},)") if found else ()
        if len(names) == 1:
            path.append(names[0])
        message = _unknown_fields_message(list(names))
    elif error.context:
        branches: dict[Any, list[str]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub.message)
        head = (
            repr(error.instance) if not isinstance(error.instance, str) else f'"{error.instance}"'
        )
        wanted = "; ".join(" and ".join(messages) for messages in branches.values())
        message = f"{head} matches none of the allowed forms: {wanted}"
    return Issue(_pointer(path), keyword, message)


def _unknown_fields_message(names: list[str]) -> str:
    return (
        f"unknown field{'s' if len(names) > 1 else ''} "
        + ", ".join(repr(name) for name in names)
        + " (the schema allows no other fields; check the spelling or extend the schema)"
    )


def _issue(error: Any) -> Issue:
    keyword = next(
        (str(part) for part in reversed(error.schema_path) if isinstance(part, str)), "schema"
    )
    kind = error.kind
    path = list(error.instance_path)
    message = error.message
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        path.append(kind.property)
    elif isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        unexpected = list(kind.unexpected)
        if len(unexpected) == 1:
            path.append(unexpected[0])
        message = _unknown_fields_message(unexpected)
    elif hasattr(kind, "context") and kind.context:
        # anyOf/oneOf: "not valid under any of the schemas" says nothing; list what each
        # alternative wanted instead.
        head = message.split(" is not valid under ", 1)[0]
        wanted = "; ".join(
            " and ".join(sub.message.removeprefix(head).strip() for sub in branch)
            for branch in kind.context
            if branch
        )
        message = f"{head} matches none of the allowed forms: {wanted}"
    return Issue(_pointer(path), keyword, message)


def record_issues(validator: Validator, record: Record) -> list[Issue]:
    """Issues of one read record: its read problem, or its schema errors ([] if valid)."""
    if record.problem is not None:
        return [Issue("", record.problem.keyword, record.problem.message)]
    assert record.data is not None
    if validator.is_valid(record.data):
        return validator.int64_issues(record.data, record.raw)
    return validator.errors(record.data) + validator.int64_issues(record.data, record.raw)


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def integer_fields(schema: Any) -> tuple[str, ...]:
    """Top-level properties that may only be integers: each becomes an int64 column."""
    if not isinstance(schema, Mapping) or not isinstance(schema.get("properties"), Mapping):
        return ()
    names = []
    for name, sub in schema["properties"].items():
        kinds = sub.get("type") if isinstance(sub, Mapping) else None
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if isinstance(kinds, list) and "integer" in kinds and "number" not in kinds:
            names.append(name)
    return tuple(names)


def _exact_value(raw: bytes | None, name: str, parsed: Any) -> str:
    # orjson reads an integer beyond 64 bits as a float, altering it; the standard
    # library keeps it exact, so the message can show what the file says.
    if raw is not None:
        try:
            exact = json.loads(raw)
        except ValueError:
            exact = None
        if isinstance(exact, dict) and name in exact:
            return json.dumps(exact[name])
    return json.dumps(parsed)
