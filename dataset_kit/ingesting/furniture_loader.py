"""Read the furniture rules from their data files: one file per language.

The phrases that mark page furniture live in ``furniture_rules/`` beside this module,
as TOML: ``common.toml`` declares the rules (their order, category, word limit and
pattern with ``{{slot}}`` placeholders) and holds what belongs to no one language;
``en.toml``, ``de.toml``, ... each contribute their phrases to those rules. The top
of ``common.toml`` says what every key means.

Adding a language
-----------------

Drop a file ``xx.toml`` into ``furniture_rules/`` (copy the shape of ``nl.toml``,
the shortest) and fill in what the language has: whole-line labels under
``[exact]``, alternatives for the slots of the rules it needs under
``[prefix.RULE]``, ``[anywhere.RULE]`` (with ``triggers``) and ``[shape.NAME]``,
and words under ``[words]``. Nothing else changes: every ``*.toml`` file in the
folder is read. A new *rule* (a new kind of line) is declared in ``common.toml``
once; each language then fills its slots.

How the files combine
---------------------

Each slot of a rule becomes the alternation of what every file gives for it, in
file order (``common.toml``, then the others by name); a slot no file fills matches
nothing. The classifier only asks *whether* a line matches a rule, never which
alternative matched, so the order of alternatives within a slot does not change a
result; the order of the rules does (the first matching rule gives the category),
and that is fixed by ``common.toml`` alone. Word sets are the union of all files.
A whole-line label belongs to one category: the same label under two categories
(in one file or two) is an error, not a silent override.

Mistakes in a file (unknown keys, categories, rules or slots, a wrong type, a
regular expression that does not compile) raise :class:`FurnitureRulesError`
naming the file and the key, when the rules are loaded: at import of
:mod:`.furniture`, so a broken file fails every run at once, not some page later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..tomlfile import read_toml

RULES_DIR = Path(__file__).with_name("furniture_rules")
COMMON = "common.toml"
# What each file may contribute, and what only common.toml may declare.
_CONTRIBUTIONS = ("exact", "prefix", "anywhere", "shape", "words")
_DECLARATIONS = ("prefix_rules", "anywhere_rules", "shape_rules")
_RULE_KEYS = ("name", "category", "max_words", "pattern")
_SLOT = re.compile(r"\{\{(\w+)\}\}")
# A pattern may be broken over lines; the breaks and indentation are not part of it.
_LAYOUT = re.compile(r"(?:^|\n)[ \t]*")
# What an empty slot becomes: an alternative that never matches.
_NOTHING = "(?!)"
TRIGGERS = "triggers"


class FurnitureRulesError(ValueError):
    """A furniture rules file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Rules:
    """The compiled furniture rules, in the form the classifier uses.

    ``exact`` maps a whole-line label to its category; ``prefix`` and ``anywhere``
    are the rules in the order they are tried; ``any_prefix`` matches where any
    prefix rule could; ``shapes`` are named patterns; ``words`` the word sets.
    """

    exact: dict[str, str]
    prefix: tuple[tuple[str, re.Pattern[str], int], ...]
    any_prefix: re.Pattern[str]
    anywhere: tuple[tuple[str, tuple[str, ...], re.Pattern[str], int], ...]
    shapes: dict[str, re.Pattern[str]]
    words: dict[str, frozenset[str]]
    files: tuple[str, ...]


@dataclass
class _Rule:
    kind: str
    name: str
    category: str
    max_words: int
    pattern: str
    slots: dict[str, list[str]]
    triggers: list[str]


def load_rules(
    folder: Path,
    *,
    categories: Iterable[str],
    key: Callable[[str], str],
    shapes: Iterable[str],
    word_sets: Iterable[str],
) -> Rules:
    """Read every ``*.toml`` file in ``folder`` and compile the rules.

    ``categories`` are the categories the classifier knows, ``key`` turns a line
    into its lookup form (a label must already be in that form, or it could never
    match), ``shapes`` and ``word_sets`` the names the classifier uses, all of
    which ``common.toml`` and the languages must provide.
    """
    files = _read_folder(folder)
    known = frozenset(categories)
    rules = _declarations(files[COMMON], known, frozenset(shapes))
    exact: dict[str, str] = {}
    owner: dict[str, str] = {}
    words: dict[str, set[str]] = {name: set() for name in word_sets}
    for name, document in files.items():
        _check_keys(name, document, _CONTRIBUTIONS + (_DECLARATIONS if name == COMMON else ()))
        _add_exact(name, _table(name, document, "exact"), known, key, exact, owner)
        for kind in ("prefix", "anywhere", "shape"):
            _add_slots(name, kind, _table(name, document, kind), rules)
        _add_words(name, _table(name, document, "words"), words)
    prefix = tuple(
        (rule.category, _compile(rule), rule.max_words)
        for rule in rules.values()
        if rule.kind == "prefix"
    )
    return Rules(
        exact=exact,
        prefix=prefix,
        # One pass over the line finds out whether any prefix rule could apply; most
        # article lines match none, and only lines that do go through the rules.
        any_prefix=re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern, _ in prefix)),
        anywhere=tuple(
            (rule.category, tuple(rule.triggers), _compile(rule), rule.max_words)
            for rule in rules.values()
            if rule.kind == "anywhere"
        ),
        shapes={r.name: _compile(r) for r in rules.values() if r.kind == "shape"},
        words={name: frozenset(found) for name, found in words.items()},
        files=tuple(files),
    )


def _read_folder(folder: Path) -> dict[str, dict[str, Any]]:
    """The parsed files, common.toml first and then by name (the order of alternatives)."""
    paths = sorted(Path(folder).glob("*.toml"), key=lambda p: (p.name != COMMON, p.name))
    if not paths or paths[0].name != COMMON:
        raise FurnitureRulesError(f"furniture rules: {folder} holds no {COMMON}")
    files = {}
    for path in paths:
        files[path.name] = read_toml(
            path, label=f"furniture rules {path.name}", error=FurnitureRulesError
        )
    return files


def _declarations(
    common: dict[str, Any], categories: frozenset[str], shapes: frozenset[str]
) -> dict[tuple[str, str], _Rule]:
    """The rules common.toml declares, keyed by (kind, name), in the order written."""
    rules: dict[tuple[str, str], _Rule] = {}
    for kind in ("prefix", "anywhere"):
        where = f"{kind}_rules"
        entries = common.get(where, [])
        if not isinstance(entries, list):
            raise FurnitureRulesError(f"furniture rules {COMMON}: [[{where}]] must be a list")
        for number, entry in enumerate(entries, 1):
            at = f"{where} #{number}"
            _check_keys(COMMON, _expect(entry, dict, COMMON, at), _RULE_KEYS, at, required=True)
            name = _expect(entry["name"], str, COMMON, f"{at}.name")
            if _expect(entry["category"], str, COMMON, f"{at}.category") not in categories:
                raise FurnitureRulesError(
                    f"furniture rules {COMMON}: {where} {name!r}: unknown category "
                    f"{entry['category']!r} (known: {', '.join(sorted(categories))})"
                )
            if (kind, name) in rules:
                raise FurnitureRulesError(f"furniture rules {COMMON}: {where} {name!r} twice")
            max_words = _expect(entry["max_words"], int, COMMON, f"{where} {name!r}.max_words")
            pattern = _expect(entry["pattern"], str, COMMON, f"{where} {name!r}.pattern")
            rules[kind, name] = _rule(kind, name, entry["category"], max_words, pattern)
    declared = _expect(common.get("shape_rules", {}), dict, COMMON, "shape_rules")
    missing = sorted(shapes - set(declared))
    if missing:
        raise FurnitureRulesError(
            f"furniture rules {COMMON}: [shape_rules] lacks {', '.join(missing)}"
        )
    for name, pattern in declared.items():
        if name not in shapes:
            raise FurnitureRulesError(
                f"furniture rules {COMMON}: [shape_rules] unknown shape {name!r} "
                f"(known: {', '.join(sorted(shapes))})"
            )
        _expect(pattern, str, COMMON, f"shape_rules.{name}")
        rules["shape", name] = _rule("shape", name, "", 0, pattern)
    return rules


def _rule(kind: str, name: str, category: str, max_words: int, pattern: str) -> _Rule:
    pattern = _LAYOUT.sub("", pattern)
    slots: dict[str, list[str]] = {slot: [] for slot in _SLOT.findall(pattern)}
    return _Rule(kind, name, category, max_words, pattern, slots, [])


def _add_exact(
    name: str,
    table: dict[str, Any],
    categories: frozenset[str],
    key: Callable[[str], str],
    exact: dict[str, str],
    owner: dict[str, str],
) -> None:
    for category, labels in table.items():
        where = f"exact.{category}"
        if category not in categories:
            raise FurnitureRulesError(
                f"furniture rules {name}: [exact] unknown category {category!r} "
                f"(known: {', '.join(sorted(categories))})"
            )
        for label in _strings(name, where, labels):
            if key(label) != label:
                raise FurnitureRulesError(
                    f"furniture rules {name}: {where}: {label!r} can never match; write it "
                    f"as the classifier compares lines: {key(label)!r}"
                )
            if exact.get(label, category) != category:
                raise FurnitureRulesError(
                    f"furniture rules {name}: {where}: {label!r} is already "
                    f"{exact[label]!r} in {owner[label]}; a label has one category"
                )
            exact[label] = category
            owner.setdefault(label, name)


def _add_slots(
    name: str, kind: str, table: dict[str, Any], rules: dict[tuple[str, str], _Rule]
) -> None:
    """Add a file's alternatives for the slots (and triggers) of the rules of ``kind``."""
    for rule_name, slots in table.items():
        rule = rules.get((kind, rule_name))
        if rule is None:
            declared = sorted(n for k, n in rules if k == kind)
            raise FurnitureRulesError(
                f"furniture rules {name}: [{kind}.{rule_name}] no such rule in {COMMON} "
                f"(declared: {', '.join(declared)})"
            )
        for slot, values in _expect(slots, dict, name, f"{kind}.{rule_name}").items():
            where = f"{kind}.{rule_name}.{slot}"
            if slot == TRIGGERS and kind == "anywhere":
                _extend(rule.triggers, _strings(name, where, values))
                continue
            if slot not in rule.slots:
                allowed = [*rule.slots, *([TRIGGERS] if kind == "anywhere" else [])]
                raise FurnitureRulesError(
                    f"furniture rules {name}: {where}: the rule has no slot {slot!r} "
                    f"(slots: {', '.join(allowed) or 'none'})"
                )
            fragments = _strings(name, where, values)
            for fragment in fragments:
                try:
                    re.compile(fragment)
                except re.error as exc:
                    raise FurnitureRulesError(
                        f"furniture rules {name}: {where}: {fragment!r} is not a valid "
                        f"regular expression ({exc})"
                    ) from exc
            _extend(rule.slots[slot], fragments)


def _add_words(name: str, table: dict[str, Any], words: dict[str, set[str]]) -> None:
    for word_set, text in table.items():
        if word_set not in words:
            raise FurnitureRulesError(
                f"furniture rules {name}: [words] unknown word set {word_set!r} "
                f"(known: {', '.join(sorted(words))})"
            )
        words[word_set].update(_expect(text, str, name, f"words.{word_set}").split())


def _compile(rule: _Rule) -> re.Pattern[str]:
    """The rule's pattern with each slot replaced by the alternation of its fragments."""

    def fill(match: re.Match[str]) -> str:
        return "|".join(rule.slots[match[1]]) or _NOTHING

    if rule.kind == "anywhere" and not rule.triggers:
        raise FurnitureRulesError(
            f"furniture rules: [anywhere.{rule.name}] has no triggers in any file, "
            "so it could never be tried"
        )
    try:
        return re.compile(_SLOT.sub(fill, rule.pattern))
    except re.error as exc:
        raise FurnitureRulesError(
            f"furniture rules: {rule.kind} rule {rule.name!r} does not compile with the "
            f"fragments of all files ({exc})"
        ) from exc


def _check_keys(
    name: str,
    table: dict[str, Any],
    allowed: Iterable[str],
    where: str = "",
    required: bool = False,
) -> None:
    allowed = tuple(allowed)
    for key in table:
        if key not in allowed:
            place = f"{where}: " if where else ""
            raise FurnitureRulesError(
                f"furniture rules {name}: {place}unknown key {key!r} "
                f"(expected: {', '.join(allowed)})"
            )
    if required:
        missing = [key for key in allowed if key not in table]
        if missing:
            raise FurnitureRulesError(
                f"furniture rules {name}: {where}: missing {', '.join(missing)}"
            )


def _table(name: str, document: dict[str, Any], key: str) -> dict[str, Any]:
    return _expect(document.get(key, {}), dict, name, key)


def _strings(name: str, where: str, values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise FurnitureRulesError(f"furniture rules {name}: {where} must be a list of strings")
    return values


def _expect(value: Any, kind: type, name: str, where: str) -> Any:
    # bool is an int to Python, but max_words = true is a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        expected = {dict: "a table", list: "a list", str: "a string", int: "an integer"}[kind]
        raise FurnitureRulesError(f"furniture rules {name}: {where} must be {expected}")
    return value


def _extend(target: list[str], values: list[str]) -> None:
    """Append the values not there yet: two languages may share a word."""
    for value in values:
        if value not in target:
            target.append(value)
