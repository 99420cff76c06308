"""The dataset card (``README.md``), its charts and ``croissant.json``, from the data.

``write_card`` is the last step of ``export`` and the whole of ``dataset-kit card``. It
streams the shards (:mod:`dataset_kit.statistics`), renders a Jinja2 template (the
bundled ``news_articles.md.j2`` or the user's own) below YAML front matter in the Hub's
card metadata format, draws the charts (:mod:`dataset_kit.charts`), writes the
Croissant file (:mod:`dataset_kit.croissant`), and records all of it in the manifest.

**Front matter.** Keys computed from the data are rewritten every time
(``size_categories``, ``dataset_info``, the ``data_files`` of the ``default`` config,
``language`` and ``multilinguality`` unless the config sets ``language``). Keys that
come from the ``[card]`` config are taken from it when it sets them and otherwise kept
from the existing card. Every other key of an existing card (``annotations_creators``,
``viewer``, other ``configs`` entries, ...) is kept as it is.

**Hand-written text.** The body is generated except between markers::

    <!-- dataset-kit:keep NAME generated=HASH -->
    ...text...
    <!-- /dataset-kit:keep NAME -->

The template puts such sections where prose belongs (summary, curation rationale,
limitations, citation, additional information), filled from the config. ``HASH`` is
the hash of the text as generated: when a section's text still matches it, the section
is regenerated (so a changed config value shows up); once it has been edited by hand
it is kept, verbatim, on every regeneration. Emptying a section hands it back to the
config. A section without ``generated=`` was written by hand and is always kept;
sections the template no longer has are kept at the end of the card.

Text outside the markers is regenerated. So that no hand edit is ever lost silently,
the card carries a digest of everything outside its keep sections; if that text was
changed since it was generated, ``write_card`` refuses (naming the way out: move the
text into a keep section, or ``force=True`` / ``--force`` to discard it).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import atomic_write_bytes, atomic_write_text
from .errors import DatasetKitError
from .manifest import Manifest, describe_file, load_manifest, write_manifest
from .statistics import (
    UNKNOWN_LABEL,
    DatasetStatistics,
    compute_statistics,
    ordered_data_files,
    ranked,
    shard_schema,
)
from .storage import as_path, open_arrow_input
from .tomlfile import read_toml

DEFAULT_TEMPLATE = "news_articles.md.j2"
DEFAULT_CONFIG_FILE = "dataset-kit.toml"
TEMPLATE_PACKAGE = "dataset_kit.card_templates"
README = "README.md"
ASSETS_DIR = "assets"
MONTH_CHART = "assets/articles_per_month.png"
LENGTH_CHART = "assets/text_length.png"
CONFIG_NAME = "default"
EXAMPLE_TEXT_CHARS = 300
TOP_SOURCES = 20

# The [card] table of dataset-kit.toml: key -> expected type ("str" or "list").
CARD_KEYS: dict[str, str] = {
    "pretty_name": "str",
    "license": "str",
    "license_name": "str",
    "license_link": "str",
    "language": "list",
    "task_categories": "list",
    "task_ids": "list",
    "tags": "list",
    "source_datasets": "list",
    "repo_id": "str",
    "description": "str",
    "curation_rationale": "str",
    "limitations": "str",
    "citation": "str",
    "version": "str",
}
# Front matter keys taken from the config when it sets them (else kept from the card).
_CONFIG_METADATA_KEYS = (
    "pretty_name",
    "license",
    "license_name",
    "license_link",
    "task_categories",
    "task_ids",
    "source_datasets",
    "tags",
)
_KEY_ORDER = (
    "pretty_name",
    "license",
    "license_name",
    "license_link",
    "language",
    "multilinguality",
    "size_categories",
    "task_categories",
    "task_ids",
    "source_datasets",
    "tags",
    "configs",
    "dataset_info",
)
# Columns the export adds to the article schema, described here for the fields table.
EXTRA_FIELD_DESCRIPTIONS = {
    "cluster_id": "Identifier of the near-duplicate cluster the article belongs to: the id "
    "of the cluster's representative, or the article's own id when no near duplicate of "
    "it was found.",
}

_KEEP_BLOCK = re.compile(
    r"<!-- dataset-kit:keep (?P<name>[A-Za-z0-9_.-]+)(?: generated=(?P<hash>[0-9a-f]+))? -->"
    r"\n?(?P<body>.*?)\n?<!-- /dataset-kit:keep(?: [A-Za-z0-9_.-]+)? -->",
    re.DOTALL,
)
# Prefix that the template's placeholder() puts before text standing in for prose
# nobody has written yet; it never reaches the file.
_PLACEHOLDER = "\x00dataset-kit:placeholder\x00"
_DIGEST_LINE = re.compile(r"<!-- dataset-kit:card digest=(?P<digest>[0-9a-f]+)[^>]*-->\n?")


class CardError(DatasetKitError):
    """The card cannot be written: bad config or template, or hand edits would be lost."""


class FrontMatterError(CardError):
    """README.md has a front matter block, but it is not a YAML mapping of keys.

    ``problem`` is YAML's description of the syntax error (None when the YAML parses but
    is not a mapping); ``line`` is the line of README.md it points at, when YAML gives one.
    """

    def __init__(self, problem: str | None, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        where = f" line {line}" if line is not None else ""
        reason = f"does not parse: {problem}" if problem else "must be a mapping of keys"
        super().__init__(f"{README}{where}: the YAML front matter {reason}")


class UnmarkedEditsError(CardError):
    """README.md holds hand edits outside keep sections that regenerating would lose.

    ``reason`` says what was found, without the advice: the advice depends on the
    command (``card`` has ``--force``; ``export`` does not).
    """

    def __init__(self, reason: str, how: str) -> None:
        super().__init__(f"{reason}: {how}")
        self.reason = reason


@dataclass
class CardResult:
    """What ``write_card`` wrote (paths relative to the export folder) and its warnings."""

    readme: Path
    files: list[str]
    metadata: dict[str, Any]
    statistics: DatasetStatistics
    warnings: list[str] = field(default_factory=list)
    kept_sections: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- config


def load_card_config(path: str | Path) -> dict[str, Any]:
    """The ``[card]`` table of a ``dataset-kit.toml``, checked (empty when absent)."""
    config_path = Path(path)
    data = read_toml(config_path, error=CardError)
    card = data.get("card", {})
    if not isinstance(card, dict):
        raise CardError(f"{config_path}: `card` must be a table ([card]), not a value")
    return check_card_config(card, origin=f"{config_path} [card]")


def check_card_config(card: dict[str, Any], *, origin: str = "[card]") -> dict[str, Any]:
    """Reject unknown keys and wrongly typed values; a string is accepted for a list."""
    problems = []
    clean: dict[str, Any] = {}
    for key, value in card.items():
        kind = CARD_KEYS.get(key)
        if kind is None:
            problems.append(f"unknown key {key!r} (known: {', '.join(sorted(CARD_KEYS))})")
        elif kind == "str" and not isinstance(value, str):
            problems.append(f"{key} must be a string, got {value!r}")
        elif kind == "list" and isinstance(value, str):
            clean[key] = [value]
        elif kind == "list" and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            problems.append(f"{key} must be a list of strings, got {value!r}")
        else:
            clean[key] = value
    if problems:
        raise CardError(f"{origin}: " + "; ".join(problems))
    return clean


# --------------------------------------------------------------------------- templates


def default_template_text() -> str:
    """The bundled template for news-article datasets."""
    return (importlib.resources.files(TEMPLATE_PACKAGE) / DEFAULT_TEMPLATE).read_text("utf-8")


def _render_template(template: Path | None, context: dict[str, Any]) -> str:
    import jinja2

    if template is None:
        source, name = default_template_text(), DEFAULT_TEMPLATE
    else:
        try:
            source, name = Path(template).read_text(encoding="utf-8"), str(template)
        except OSError as exc:
            raise CardError(f"{template}: cannot read the card template ({exc})") from exc
    environment = jinja2.Environment(
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["num"] = _num
    environment.filters["size"] = _human_size
    environment.filters["cell"] = _table_cell
    environment.filters["pct"] = _percent
    environment.globals["pct"] = _percent
    environment.globals["placeholder"] = lambda text: _PLACEHOLDER + str(text)
    try:
        return environment.from_string(source).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise CardError(f"{name}:{exc.lineno}: template syntax error: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise CardError(f"{name}: template uses an unknown value: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise CardError(f"{name}: template error: {exc}") from exc


def _num(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _human_size(value: int) -> str:
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} B" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _table_cell(value: Any) -> str:
    text = UNKNOWN_LABEL if value is None else str(value)
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _percent(part: int, whole: int) -> str:
    return "0%" if not whole else f"{100 * part / whole:.1f}%"


# --------------------------------------------------------------------------- README parsing


@dataclass
class _KeepBlock:
    name: str
    generated: str | None
    body: str
    # The last Markdown heading above the section, to put it back in the same place
    # when the template does not have it.
    heading: str | None = None


def _content_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:12]


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``(metadata, body)`` of a card; ``({}, text)`` when it has no front matter."""
    metadata, body = read_front_matter(text)
    return metadata or {}, body


def read_front_matter(text: str) -> tuple[dict[str, Any] | None, str]:
    """``(metadata, body)`` of a card as the Hub reads it; ``(None, text)`` without a block.

    The block is found by ``huggingface_hub``'s ``RepoCard``, whose pattern is the Hub
    server's, so ``card``, ``export`` and ``publish`` agree with each other and with the
    Hub on where the metadata ends (hand-written patterns did not: a blank line before
    the block, an indented ``---`` in a block scalar, a value ending in ``---``). A
    leading byte order mark is skipped, as the Hub and ``RepoCard.load`` skip it. The
    mapping is the YAML as written, in its order, null values included (``RepoCard``'s
    plain ``CardData`` holds it verbatim; ``DatasetCard``'s would rename and drop keys,
    and the card keeps unknown keys as they are). The body is the text after the closing
    ``---`` line, verbatim. Raises :class:`FrontMatterError` for a block that is not a
    YAML mapping.
    """
    import yaml
    from huggingface_hub import RepoCard

    content = text.removeprefix("\ufeff")
    try:
        with _quiet_repocard():
            card = RepoCard(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # The first --- of the text opens the block; mark.line counts from the next line.
        opening = content.count("\n", 0, content.index("---")) + 1
        line = opening + 1 + mark.line if mark is not None else None
        raise FrontMatterError(getattr(exc, "problem", None) or str(exc), line) from exc
    except (ValueError, TypeError) as exc:
        # ValueError: not a mapping; TypeError: a mapping with keys that are not strings.
        raise FrontMatterError(None) from exc
    if len(card.text) == len(content):
        return None, text
    return dict(vars(card.data)), card.text


@contextlib.contextmanager
def _quiet_repocard() -> Iterator[None]:
    """Silence ``RepoCard``'s warning that a card has no metadata block: whether that is a
    problem is for the caller to say (``publish`` does; ``card`` does not mind)."""
    import logging

    logger = logging.getLogger("huggingface_hub.repocard")
    disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = disabled


def keep_blocks(body: str) -> list[_KeepBlock]:
    """The keep sections of a card body, in order."""
    blocks = []
    for match in _KEEP_BLOCK.finditer(body):
        headings = _headings(body[: match.start()])
        blocks.append(
            _KeepBlock(
                match.group("name"),
                match.group("hash"),
                match.group("body"),
                headings[-1][1] if headings else None,
            )
        )
    return blocks


def _headings(text: str) -> list[tuple[int, str]]:
    """``(line index, line)`` of the Markdown headings of ``text``, outside code fences."""
    found = []
    fenced = False
    for index, line in enumerate(text.split("\n")):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            found.append((index, line.rstrip()))
    return found


def _skeleton(body: str) -> str:
    """The body without the digest line and keep sections, blank lines and trailing
    spaces ignored (so adding or moving a keep section, or an editor trimming
    whitespace, is not an edit)."""
    body = _DIGEST_LINE.sub("", body.replace("\r\n", "\n"))
    body = _KEEP_BLOCK.sub("", body)
    return "\n".join(line.rstrip() for line in body.split("\n") if line.strip())


def _digest(body: str) -> str:
    return hashlib.sha256(_skeleton(body).encode("utf-8")).hexdigest()[:16]


def _check_unmarked_edits(body: str, *, force: bool) -> None:
    if force:
        return
    match = _DIGEST_LINE.search(body)
    how = (
        "wrap text to keep in <!-- dataset-kit:keep NAME --> ... "
        "<!-- /dataset-kit:keep NAME --> markers, or pass --force to discard it"
    )
    if match is None:
        if _KEEP_BLOCK.sub("", body).strip():
            raise UnmarkedEditsError(
                f"{README} exists and was not written by dataset-kit; regenerating it "
                "would replace its text",
                how,
            )
        return
    if match.group("digest") != _digest(body):
        raise UnmarkedEditsError(
            f"{README} was edited outside its dataset-kit:keep sections since it was "
            "generated; regenerating would lose those edits",
            how,
        )


@dataclass
class MergedBody:
    """A card body after :func:`merge_keep_blocks`."""

    body: str
    kept: list[str]
    placeholders: list[str]
    texts: dict[str, str]


def merge_keep_blocks(new_body: str, old_blocks: list[_KeepBlock]) -> MergedBody:
    """Stamp the new body's keep sections and carry over the old card's text.

    An old section is kept when it was edited by hand (its text no longer matches
    its ``generated`` hash, or it has none), and also when the new text would only be
    a placeholder (the config no longer says anything there): real text is never
    replaced by a placeholder. Old sections the new body does not have are appended.
    Also says which sections were kept from the old card, which still hold only a
    placeholder, and the final text of each section.
    """
    old = {block.name: block for block in old_blocks}
    kept: list[str] = []
    placeholders: list[str] = []
    texts: dict[str, str] = {}
    seen: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name in seen:
            raise CardError(f"the card template has two keep sections named {name!r}")
        seen.add(name)
        generated = match.group("body").strip()
        placeholder = generated.startswith(_PLACEHOLDER)
        generated = generated.replace(_PLACEHOLDER, "").strip()
        text, stamp = generated, _content_hash(generated)
        previous = old.get(name)
        if previous is not None and previous.body.strip():
            edited = previous.generated != _content_hash(previous.body)
            if edited or (placeholder and previous.body.strip() != generated):
                text, stamp = previous.body.strip(), previous.generated
                kept.append(name)
                placeholder = False
        if placeholder:
            placeholders.append(name)
        texts[name] = text
        return _format_block(name, stamp, text)

    body = _KEEP_BLOCK.sub(replace, new_body).replace(_PLACEHOLDER, "")
    orphans = [b for b in old_blocks if b.name not in seen and b.body.strip()]
    for block in orphans:
        body = _insert_orphan(body, block)
        kept.append(block.name)
        texts[block.name] = block.body.strip()
    return MergedBody(body=body, kept=kept, placeholders=placeholders, texts=texts)


def _insert_orphan(body: str, block: _KeepBlock) -> str:
    """Put a kept section the template lacks at the end of the section it was in (the
    one under the same heading), or at the end of the card."""
    formatted = _format_block(block.name, block.generated, block.body.strip())
    lines = body.split("\n")
    headings = _headings(body)
    positions = [i for i, (_, line) in enumerate(headings) if line == block.heading]
    if not positions:
        return body.rstrip("\n") + "\n\n" + formatted + "\n"
    after = positions[0] + 1
    if after >= len(headings):
        return body.rstrip("\n") + "\n\n" + formatted + "\n"
    at = headings[after][0]
    before = "\n".join(lines[:at]).rstrip("\n")
    return before + "\n\n" + formatted + "\n\n" + "\n".join(lines[at:])


def _format_block(name: str, stamp: str | None, text: str) -> str:
    head = f"<!-- dataset-kit:keep {name}" + (f" generated={stamp}" if stamp else "") + " -->"
    return f"{head}\n{text}\n<!-- /dataset-kit:keep {name} -->"


# --------------------------------------------------------------------------- metadata


def features_yaml(arrow_schema: Any) -> list[dict[str, Any]]:
    """``dataset_info.features`` exactly as the ``datasets`` library writes it.

    Importing ``datasets`` costs about a third of a second, more than the rest of a
    small card; columns of plain types (strings, numbers, booleans and lists of them)
    are written here the way ``datasets`` 4 and later write them, anything else by
    ``datasets`` itself (tests compare the two).
    """
    simple = _simple_features_yaml(arrow_schema)
    if simple is not None:
        return simple
    import datasets

    return datasets.Features.from_arrow_schema(arrow_schema)._to_yaml_list()


# Arrow types whose `datasets` dtype name is fixed; see features_yaml.
_PLAIN_DTYPES = {
    "string": "string",
    "large_string": "large_string",
    "bool": "bool",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint8": "uint8",
    "uint16": "uint16",
    "uint32": "uint32",
    "uint64": "uint64",
    "halffloat": "float16",
    "float": "float32",
    "double": "float64",
}


def _datasets_major_version() -> int | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return int(version("datasets").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return None


def _simple_features_yaml(arrow_schema: Any) -> list[dict[str, Any]] | None:
    """The features of a schema of plain columns, or None to ask ``datasets``."""
    import pyarrow as pa

    # Lists are written as `list: TYPE` since datasets 4 (`sequence:` before).
    major = _datasets_major_version()
    if major is None or major < 4 or arrow_schema.metadata:
        return None
    features: list[dict[str, Any]] = []
    for arrow_field in arrow_schema:
        arrow_type = arrow_field.type
        if pa.types.is_list(arrow_type):
            dtype = _PLAIN_DTYPES.get(str(arrow_type.value_type))
            if dtype is None:
                return None
            features.append({"name": arrow_field.name, "list": dtype})
        else:
            dtype = _PLAIN_DTYPES.get(str(arrow_type))
            if dtype is None:
                return None
            features.append({"name": arrow_field.name, "dtype": dtype})
    return features


def card_languages(stats: DatasetStatistics) -> tuple[list[str], list[str]]:
    """Hub language codes found in the data, and tags that map to none (for a warning)."""
    from .vocabulary import is_language_code, language_subtag

    codes: set[str] = set()
    unmapped: set[str] = set()
    for tag in stats.languages or {}:
        if tag is None:
            continue
        code = language_subtag(tag)
        if is_language_code(code):
            codes.add(code)
        else:
            unmapped.add(tag)
    return sorted(codes), sorted(unmapped)


def build_metadata(
    stats: DatasetStatistics,
    arrow_schema: Any,
    card_config: dict[str, Any],
    previous: dict[str, Any],
) -> dict[str, Any]:
    """The card's front matter: data-derived keys, config keys, then kept extras."""
    from .vocabulary import size_category

    generated: dict[str, Any] = {}
    for key in _CONFIG_METADATA_KEYS:
        value = card_config.get(key)
        if value not in (None, "", []):
            generated[key] = value
        elif previous.get(key) not in (None, "", []):
            generated[key] = previous[key]
    if "pretty_name" not in generated:
        generated["pretty_name"] = _default_pretty_name(card_config)
    languages = card_config.get("language") or card_languages(stats)[0]
    if languages:
        generated["language"] = list(languages)
        generated["multilinguality"] = ["monolingual" if len(languages) == 1 else "multilingual"]
    generated["size_categories"] = [size_category(stats.rows)]
    generated["configs"] = _merge_configs(previous.get("configs"), stats)
    generated["dataset_info"] = _merge_dataset_info(
        previous.get("dataset_info"), _dataset_info(stats, arrow_schema)
    )
    ordered = {key: generated[key] for key in _KEY_ORDER if key in generated}
    for key, value in previous.items():
        if key not in ordered and key not in _KEY_ORDER:
            ordered[key] = value
    return ordered


def _default_pretty_name(card_config: dict[str, Any]) -> str:
    repo_id = card_config.get("repo_id")
    if repo_id and "/" in repo_id:
        return repo_id.split("/", 1)[1].replace("-", " ").replace("_", " ").strip().title()
    return "News Articles"


def _data_files(stats: DatasetStatistics) -> list[dict[str, Any]]:
    # An empty split is left out: `datasets.load_dataset` refuses a config whose split
    # "corresponds to no data", which would make the whole dataset unloadable.
    return [
        {"split": name, "path": list(split.shards)}
        for name, split in stats.splits.items()
        if split.rows
    ]


def _merge_configs(previous: Any, stats: DatasetStatistics) -> list[dict[str, Any]]:
    ours: dict[str, Any] = {"config_name": CONFIG_NAME, "data_files": _data_files(stats)}
    others: list[Any] = []
    if isinstance(previous, list):
        for entry in previous:
            if isinstance(entry, dict) and entry.get("config_name", CONFIG_NAME) == CONFIG_NAME:
                extra = {k: v for k, v in entry.items() if k not in ("config_name", "data_files")}
                ours.update(extra)
            else:
                others.append(entry)
    return [ours, *others]


def _dataset_info(stats: DatasetStatistics, arrow_schema: Any) -> dict[str, Any]:
    return {
        "features": features_yaml(arrow_schema),
        "splits": [
            {"name": name, "num_bytes": split.num_bytes, "num_examples": split.rows}
            for name, split in stats.splits.items()
            if split.rows
        ],
        "download_size": stats.download_size,
        "dataset_size": stats.dataset_size,
    }


def _merge_dataset_info(previous: Any, ours: dict[str, Any]) -> Any:
    if not isinstance(previous, list):
        return ours
    others = [
        e
        for e in previous
        if isinstance(e, dict) and e.get("config_name") not in (None, CONFIG_NAME)
    ]
    return [{"config_name": CONFIG_NAME, **ours}, *others] if others else ours


def dump_front_matter(metadata: dict[str, Any]) -> str:
    import yaml

    text = yaml.safe_dump(
        metadata, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
    return f"---\n{text}---\n"


# --------------------------------------------------------------------------- body context


def field_rows(arrow_schema: Any, schema: dict[str, Any] | None) -> list[dict[str, str]]:
    """Name, type and description of every column, descriptions from the JSON schema."""
    properties = (schema or {}).get("properties", {})
    rows = []
    for arrow_field in arrow_schema:
        description = (properties.get(arrow_field.name) or {}).get("description")
        if not description:
            description = EXTRA_FIELD_DESCRIPTIONS.get(arrow_field.name, "")
        rows.append(
            {
                "name": arrow_field.name,
                "type": _type_name(arrow_field.type),
                "description": description,
            }
        )
    return rows


def _type_name(arrow_type: Any) -> str:
    import pyarrow as pa

    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"list<{_type_name(arrow_type.value_type)}>"
    return str(arrow_type)


def example_record(export_dir: Path, manifest: Manifest) -> dict[str, Any] | None:
    """The first row of the first shard, long strings and lists shortened."""
    import pyarrow.parquet as pq

    entries = ordered_data_files(manifest)
    if not entries:
        return None
    with open_arrow_input(export_dir / entries[0].path) as source:
        for batch in pq.ParquetFile(source).iter_batches(batch_size=1):
            if batch.num_rows:
                return {k: _shorten(v) for k, v in batch.to_pylist()[0].items()}
    return None


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > EXAMPLE_TEXT_CHARS:
        return value[:EXAMPLE_TEXT_CHARS].rstrip() + " […]"
    if isinstance(value, list) and len(value) > 5:
        return [_shorten(v) for v in value[:5]] + [f"[… {len(value) - 5} more]"]
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _find(mapping: dict[str, Any], *paths: str) -> Any:
    """The first value found at one of the dotted ``paths`` in ``mapping``."""
    for path in paths:
        node: Any = mapping
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                node = None
                break
            node = node[part]
        if node is not None:
            return node
    return None


def creation_facts(manifest: Manifest) -> dict[str, Any]:
    """The numbers and settings of this export that the Dataset Creation section reports.

    Settings are read from the manifest's ``config`` (what ``export`` recorded:
    ``split``, ``split_by_date``, ``stratify``, ``group_by``, ``seed``, ``dedup``,
    ``near_keep``, ...); a setting it does not record is left out of the card. The
    split strategy recorded there gives its words (``split_text``,
    :func:`dataset_kit.splits.card_text`).
    """
    config = manifest.config or {}
    rules = (manifest.validation or {}).get("rejected_by_rule") or {}
    settings = {
        key: config.get(key) for key in ("split_by_date", "stratify", "group_by", "near_keep")
    }
    split = config.get("split")
    if isinstance(split, dict) and "names" in split:
        # The layout export writes: split settings nested under "split", the
        # near-duplicate ones under "dedup".
        ratios = split.get("ratios") or {}
        settings["split_by_date"] = split.get("by_date")
        settings["stratify"] = split.get("stratify")
        if split.get("key") not in (None, "id", "cluster_id"):
            settings["group_by"] = split["key"]
        dedup_config = config.get("dedup")
        if isinstance(dedup_config, dict):
            settings["near_keep"] = dedup_config.get("near_keep")
        split = ",".join(f"{name}={ratios[name]}" for name in split["names"] if name in ratios)
    elif isinstance(split, dict):
        split = ",".join(f"{name}={ratio}" for name, ratio in split.items())
    facts = {
        "counts": dict(manifest.counts),
        "ingest": dict(manifest.ingest or {}),
        "rejected_by_rule": sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])),
        "dedup": dict(manifest.dedup or {}),
        "split": split if isinstance(split, str) and split else None,
        **{key: value or None for key, value in settings.items()},
        "seed": config.get("seed"),
        "inputs": len(manifest.inputs),
        "tool_versions": dict(manifest.tool_versions or {}),
    }
    from . import splits  # numpy: not at import, so `dataset-kit --help` stays quick

    # The split strategy's own words, from its module (dataset_kit.splits).
    facts["split_text"] = splits.card_text(facts)
    return facts


def _render_context(
    export_dir: Path,
    manifest: Manifest,
    stats: DatasetStatistics,
    arrow_schema: Any,
    metadata: dict[str, Any],
    card_config: dict[str, Any],
    schema: dict[str, Any] | None,
    charts: dict[str, str],
) -> dict[str, Any]:
    months = stats.months
    sources = ranked(stats.sources) if stats.sources is not None else None
    return {
        "pretty_name": metadata.get("pretty_name"),
        "license": metadata.get("license"),
        "license_name": metadata.get("license_name"),
        "license_link": metadata.get("license_link"),
        "languages": metadata.get("language") or [],
        "card": {key: card_config.get(key) for key in CARD_KEYS},
        "repo_id": card_config.get("repo_id") or "OWNER/NAME",
        "has_repo_id": bool(card_config.get("repo_id")),
        "rows": stats.rows,
        "splits": [
            {
                "name": s.name,
                "rows": s.rows,
                "shards": len(s.shards),
                "num_bytes": s.num_bytes,
                "download_size": s.download_size,
            }
            for s in stats.splits.values()
        ],
        "download_size": stats.download_size,
        "dataset_size": stats.dataset_size,
        "size_category": metadata["size_categories"][0],
        "fields": field_rows(arrow_schema, schema),
        "example_json": _example_json(export_dir, manifest),
        "sources": None if sources is None else sources[:TOP_SOURCES],
        # Named sources only: articles without one are a row of the table, not a source.
        "source_count": None if sources is None else sum(1 for n, _ in sources if n is not None),
        "other_source_names": 0 if sources is None else max(0, len(sources) - TOP_SOURCES),
        "other_sources": None
        if sources is None
        else sum(count for _, count in sources[TOP_SOURCES:]),
        "language_counts": ranked(stats.languages) if stats.languages is not None else None,
        "first_day": stats.first_day,
        "last_day": stats.last_day,
        "dated": sum(stats.days.values()) if stats.days else 0,
        "undated": stats.undated,
        "has_dates": stats.days is not None,
        "months": None if months is None else [(m, months[m]) for m in sorted(months)],
        "chars": stats.text_length("characters"),
        "words": stats.text_length("words"),
        "charts": charts,
        "creation": creation_facts(manifest),
    }


def _example_json(export_dir: Path, manifest: Manifest) -> str | None:
    record = example_record(export_dir, manifest)
    if record is None:
        return None
    return json.dumps(record, ensure_ascii=False, indent=2, default=str)


# --------------------------------------------------------------------------- writing


def _draw_charts(stats: DatasetStatistics) -> dict[str, tuple[str, bytes]]:
    """Chart name -> (relative path, PNG bytes), for the charts the data allows."""
    from .charts import articles_per_month_png, text_length_png

    charts: dict[str, tuple[str, bytes]] = {}
    months = stats.months
    if months:
        charts["months"] = (MONTH_CHART, articles_per_month_png(months))
    if stats.word_lengths:
        charts["length"] = (LENGTH_CHART, text_length_png(stats.word_lengths))
    return charts


def _load_default_schema() -> dict[str, Any]:
    import orjson

    resource = importlib.resources.files("dataset_kit.schema") / "article.schema.json"
    return orjson.loads(resource.read_bytes())


def write_card(
    export_dir: Path,
    card_config: dict[str, Any],
    *,
    template: Path | None = None,
    schema: dict[str, Any] | None = None,
    previous_card: Path | None = None,
    force: bool = False,
    statistics: DatasetStatistics | None = None,
) -> CardResult:
    """Write README.md, the charts and croissant.json into ``export_dir``; update the manifest.

    ``card_config`` is the ``[card]`` table of ``dataset-kit.toml``. ``schema`` (the
    JSON schema the export validated against; default: the bundled article schema)
    gives the field descriptions. ``previous_card`` is the card whose hand-written
    sections and extra metadata to keep (default: ``export_dir/README.md``); ``export``
    passes the card of the folder it is about to replace. ``statistics`` are the
    numbers of the shards when the caller already counted them (``export`` does, while
    writing); by default the shards are read and checked against the manifest. Raises
    :class:`CardError`
    for an invalid config value or template, or when hand edits would be lost.
    """
    export_dir = as_path(export_dir)
    card_config = check_card_config(dict(card_config or {}))
    manifest = load_manifest(export_dir)
    previous_path = previous_card if previous_card is not None else export_dir / README
    previous_meta, previous_blocks = _previous_card(previous_path, force=force)

    from .charts import import_in_background

    import_in_background()
    stats = statistics if statistics is not None else compute_statistics(export_dir, manifest)
    arrow_schema = shard_schema(export_dir, manifest)
    metadata = build_metadata(stats, arrow_schema, card_config, previous_meta)
    warnings = _metadata_warnings(metadata, card_config, stats)

    drawn = _draw_charts(stats)
    charts = {name: path for name, (path, _) in drawn.items()}
    context = _render_context(
        export_dir,
        manifest,
        stats,
        arrow_schema,
        metadata,
        card_config,
        schema if schema is not None else _load_default_schema(),
        charts,
    )
    rendered = _render_template(template, context)
    merged = merge_keep_blocks(rendered, previous_blocks)
    body = _insert_digest(merged.body)
    if merged.placeholders:
        warnings.append(
            "card sections not written yet (fill them in README.md or in the [card] "
            "table): " + ", ".join(merged.placeholders)
        )
    croissant = _card_croissant(
        manifest, arrow_schema, metadata, card_config, stats, merged, context
    )

    # Everything is computed; only now is anything written.
    readme = _write_card_files(export_dir, manifest, drawn, metadata, body, croissant)
    return CardResult(
        readme=readme,
        files=[README, *charts.values(), "croissant.json"],
        metadata=metadata,
        statistics=stats,
        warnings=warnings,
        kept_sections=merged.kept,
    )


def _previous_card(path: Path, *, force: bool) -> tuple[dict[str, Any], list[_KeepBlock]]:
    """The front matter and keep blocks of the card to carry over (none if no file).

    Raises :class:`CardError` when its body was edited outside the keep markers, unless
    ``force``: regenerating would lose those edits.
    """
    if not path.is_file():
        return {}, []
    previous_meta, old_body = split_front_matter(path.read_text(encoding="utf-8"))
    _check_unmarked_edits(old_body, force=force)
    return previous_meta, keep_blocks(old_body)


def _metadata_warnings(
    metadata: dict[str, Any], card_config: dict[str, Any], stats: DatasetStatistics
) -> list[str]:
    """Check the front matter against the Hub's vocabularies; warn about what is missing.

    An invalid value raises :class:`CardError` here, before anything is written or
    uploaded; what is only incomplete (no license, no repo_id, empty splits, language
    tags the Hub does not know) is a warning.
    """
    from .vocabulary import check_card_metadata

    problems = check_card_metadata(metadata, require_license=False)
    if problems:
        raise CardError("the card metadata is not valid for the Hub:\n  " + "\n  ".join(problems))
    warnings: list[str] = []
    if not metadata.get("license"):
        warnings.append(
            "no license: set `license` in the [card] table of dataset-kit.toml "
            "(publish refuses a dataset without one)"
        )
    if not card_config.get("repo_id"):
        warnings.append("no repo_id in [card]: the card's load snippet says OWNER/NAME")
    empty = [name for name, split in stats.splits.items() if not split.rows]
    if empty and len(empty) < len(stats.splits):
        warnings.append(
            f"split{'s' if len(empty) > 1 else ''} {', '.join(empty)} holds no records: left "
            "out of the card's configs and dataset_info (`load_dataset` cannot load an "
            "empty split)"
        )
    unmapped = card_languages(stats)[1]
    if unmapped and not card_config.get("language"):
        warnings.append(
            "language tags that are not Hub language codes were left out of the card's "
            "`language`: " + ", ".join(unmapped)
        )
    return warnings


def _card_croissant(
    manifest: Manifest,
    arrow_schema: Any,
    metadata: dict[str, Any],
    card_config: dict[str, Any],
    stats: DatasetStatistics,
    merged: MergedBody,
    context: dict[str, Any],
) -> dict[str, Any]:
    """The Croissant document, described with the same words as the card.

    The description is the configured one, else the card's summary section when it
    was written, else a sentence with the number of articles.
    """
    from .croissant import build_croissant

    summary = merged.texts.get("summary") if "summary" not in merged.placeholders else None
    field_descriptions = {row["name"]: row["description"] for row in context["fields"]}
    croissant = build_croissant(
        manifest,
        arrow_schema,
        name=metadata["pretty_name"],
        description=card_config.get("description")
        or summary
        or f"{stats.rows:,} news articles in Parquet, exported with dataset-kit.",
        license_id=metadata.get("license"),
        url=f"https://huggingface.co/datasets/{card_config['repo_id']}"
        if card_config.get("repo_id")
        else None,
        citation=card_config.get("citation"),
        keywords=metadata.get("tags"),
        languages=metadata.get("language"),
        field_descriptions=field_descriptions,
    )
    if card_config.get("version"):
        croissant["version"] = card_config["version"]
    return croissant


def _write_card_files(
    export_dir: Path,
    manifest: Manifest,
    drawn: dict[str, tuple[str, bytes]],
    metadata: dict[str, Any],
    body: str,
    croissant: dict[str, Any],
) -> Path:
    """Write the charts, README.md and croissant.json, and record them in the manifest.

    Charts of an earlier card that this one does not draw are removed with their
    manifest entries. Returns the path of README.md.
    """
    from .croissant import write_croissant

    charts = [path for path, _ in drawn.values()]
    for entry in [f for f in manifest.files if f.role == "asset"]:
        if entry.path not in charts:
            (export_dir / entry.path).unlink(missing_ok=True)
    manifest.drop_files("asset")
    for path, png in drawn.values():
        atomic_write_bytes(export_dir / path, png)
    readme = export_dir / README
    atomic_write_text(readme, dump_front_matter(metadata) + body)
    write_croissant(export_dir, croissant)

    manifest.set_file(describe_file(export_dir, README, "card"))
    for path in charts:
        manifest.set_file(describe_file(export_dir, path, "asset"))
    manifest.set_file(describe_file(export_dir, "croissant.json", "metadata"))
    write_manifest(export_dir, manifest)
    return readme


def _insert_digest(body: str) -> str:
    """Put the digest comment before the first heading (or at the top)."""
    body = _DIGEST_LINE.sub("", body)
    line = (
        f"<!-- dataset-kit:card digest={_digest(body)} (generated from the data by "
        "dataset-kit: edit only between dataset-kit:keep markers, the rest is "
        "rewritten on every export) -->\n"
    )
    return "\n" + line + "\n" + body.lstrip("\n")


def card_command_config(export_dir: Path, config_file: Path | None) -> dict[str, Any]:
    """The ``[card]`` table for ``dataset-kit card``.

    From ``--config FILE``; else from ``./dataset-kit.toml`` when there is one (the file
    ``export`` reads by itself); else the ``card`` table the export recorded in its
    manifest; else empty.
    """
    if config_file is not None:
        return load_card_config(config_file)
    local = Path(DEFAULT_CONFIG_FILE)
    if local.is_file():
        return load_card_config(local)
    manifest = load_manifest(export_dir)
    card = (manifest.config or {}).get("card") or {}
    if not isinstance(card, dict):
        raise CardError(f"{export_dir}: the manifest's config has a malformed `card` table")
    return check_card_config(card, origin="[card] of the export's config")
