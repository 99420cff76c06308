"""Stream records, with provenance, out of files, folders and globs.

Every reader is a generator: a corpus is never held in memory, only the line (or
JSON array element, or Parquet batch) being read. Each :class:`Record` says where it
came from (``file`` and 1-based ``line``; for Parquet the 1-based row) so that any
error can be reported as ``file:line``.

Input that cannot be parsed does not stop reading. It becomes a record with
``problem`` set (malformed JSON, invalid UTF-8, a value that is not an object, a
truncated archive, ...), which the validator counts as invalid and the rejects file
keeps. Harmless oddities (a UTF-8 byte-order mark, CRLF line ends, blank lines) are
accepted and counted in :class:`ReadNotes` so the summary can mention them.

The formats are read by the readers of :mod:`dataset_kit.readers` (one module per
format: ``.jsonl``/``.ndjson``, optionally ``.gz`` or ``.zst``, ``.json``,
``.parquet``, ``.txt`` page dumps); this module finds the input files
(:func:`expand_inputs_named`, shared by every command) and reads them in order.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, printable
from .readers import SUPPORTED_DESCRIPTION, Source, input_kind, reader_for
from .readers.base import COMPRESSED_SUFFIXES, open_binary
from .readers.json import read_json
from .readers.jsonl import JSONL_SUFFIXES, iter_jsonl_lines, read_jsonl
from .readers.parquet import read_parquet
from .records import PageOptions, ReadNotes, ReadProblem, Record, parse_json_object
from .storage import AnyPath, as_path, is_remote, is_url, store_faults

__all__ = [
    "ALL_INPUTS",
    "COMPRESSED_SUFFIXES",
    "JSONL_SUFFIXES",
    "SUPPORTED_DESCRIPTION",
    "InputFilter",
    "PageOptions",
    "ReadNotes",
    "ReadProblem",
    "Record",
    "expand_inputs",
    "expand_inputs_named",
    "input_kind",
    "iter_jsonl_lines",
    "open_binary",
    "parse_json_object",
    "read_file",
    "read_json",
    "read_jsonl",
    "read_parquet",
    "read_records",
]

_GLOB_CHARS = re.compile(r"[*?\[]")


def expand_inputs(inputs: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Resolve files, folders (searched recursively) and globs into a sorted file list.

    Raises :class:`InputError` for a path that does not exist, a glob that matches
    nothing, a folder without supported files, or a file of an unsupported type.
    A file named twice is read once.
    """
    return [path for path, _ in expand_inputs_named(inputs)]


def source_name(path: Path, folder: Path | None = None) -> str:
    """The name a page dump's record gives as ``source_file``.

    The path inside ``folder`` when the page was found in a folder that was named
    (``2023/a.txt`` for ``pages/2023/a.txt`` when ``pages`` was given), else the
    path as given, or only the file name for an absolute path: a record must not tie
    a published dataset to the folders of the machine that made it. An object in a
    store (a URL) is named by its whole URL, scheme included: that says where it came
    from and names it the same on every machine.
    """
    if is_remote(path):
        return printable(path)
    if folder is not None:
        return printable(path.relative_to(folder).as_posix())
    return printable(path.name if path.is_absolute() else path.as_posix())


@dataclass(frozen=True)
class InputFilter:
    """Which of the supported files a command reads, and what it says when an input
    holds none: :data:`ALL_INPUTS` for ``validate`` and ``export``, the page dumps
    only for ``ingest``. ``by_name`` sorts a folder's files by their name inside it
    rather than by path."""

    kinds: frozenset[str] | None = None
    no_input: str = "no input given: name at least one file, folder or glob"
    wrong_file: str = f"unsupported file type; supported: {SUPPORTED_DESCRIPTION}"
    empty_folder: str = f"folder holds no {SUPPORTED_DESCRIPTION} files"
    empty_glob: str = f"glob matched no {SUPPORTED_DESCRIPTION} files"
    by_name: bool = False

    def accepts(self, path: Path) -> bool:
        kind = input_kind(path)
        return kind is not None and (self.kinds is None or kind in self.kinds)


ALL_INPUTS = InputFilter()


def expand_inputs_named(
    inputs: Sequence[str | os.PathLike[str]],
    notes: ReadNotes | None = None,
    accept: InputFilter = ALL_INPUTS,
) -> list[tuple[Path, str]]:
    """:func:`expand_inputs`, with each file's :func:`source_name`: the one input
    discovery of every command (``accept`` says which files it reads).

    Files that a named folder holds but that are not read are counted in ``notes``
    (see :func:`folder_inputs`)."""
    if not inputs:
        raise InputError(accept.no_input)
    files: list[tuple[Path, str]] = []
    for item in inputs:
        if is_url(item):
            files.extend(_remote_named(str(item), notes, accept))
            continue
        text = os.fspath(item)
        path = Path(text)
        if path.is_file():
            if not accept.accepts(path):
                raise InputError(f"{text}: {accept.wrong_file}")
            files.append((path, source_name(path)))
        elif path.is_dir():
            files.extend(_folder_named(path, text, notes, accept))
        elif _GLOB_CHARS.search(text):
            matched = sorted(
                Path(p)
                for p in glob.glob(text, recursive=True)
                if Path(p).is_file() and accept.accepts(Path(p))
            )
            if not matched:
                raise InputError(f"{text}: {accept.empty_glob}")
            files.extend((p, source_name(p)) for p in matched)
        elif text == "-" or os.path.exists(text):
            raise InputError(f"{printable(text)}: {NOT_A_FILE}")
        else:
            raise InputError(f"{printable(text)}: no such file or folder")
    return first_of_each_file(files)


def _remote_named(
    text: str, notes: ReadNotes | None, accept: InputFilter
) -> list[tuple[AnyPath, str]]:
    """The accepted files an input URL names: one object, every object under a prefix
    (a "folder", a trailing ``/`` or not), or the objects a glob matches; each named by
    its URL (see :func:`source_name`)."""
    path = as_path(text)
    with store_faults(text):
        if _GLOB_CHARS.search(text):
            matched = sorted(
                (
                    p
                    for p in _remote_files(path, path.fs.glob(path.path, detail=True))
                    if accept.accepts(p)
                ),
                key=_sort_key,
            )
            if not matched:
                raise InputError(f"{printable(text)}: {accept.empty_glob}")
            return [(p, source_name(p)) for p in matched]
        # One question to the store (not is_file, then is_dir): a store that does not
        # answer costs its timeouts once.
        try:
            kind = path.fs.info(path.path).get("type")
        except FileNotFoundError:
            kind = None
        if kind == "file" and not text.endswith("/"):
            if not accept.accepts(path):
                raise InputError(f"{printable(text)}: {accept.wrong_file}")
            return [(path, source_name(path))]
        if kind == "directory":
            listing = _remote_files(path, path.fs.find(path.path, detail=True))
            found = _classified(listing, notes if notes is not None else ReadNotes())
            named = [(p, source_name(p)) for p in found if accept.accepts(p)]
            if not named:
                raise InputError(f"{printable(text)}: {accept.empty_folder}")
            if accept.by_name:  # as a local folder's: by name (here the URL)
                named.sort(key=lambda pair: pair[1])
            return named
    raise InputError(f"{printable(text)}: no such object, prefix or bucket")


def _remote_files(base: AnyPath, listing: dict[str, dict[str, Any]]) -> list[AnyPath]:
    """The objects of a listing of ``base``'s store (key: details), as URLs; folder
    markers (keys ending ``/``) and prefixes are not files."""
    return [
        as_path(base.fs.unstrip_protocol(key))
        for key, info in listing.items()
        if info.get("type") == "file" and not key.endswith("/")
    ]


def _folder_named(
    folder: Path, text: str, notes: ReadNotes | None, accept: InputFilter
) -> list[tuple[Path, str]]:
    """The accepted files of a named folder with their :func:`source_name`."""
    found = [
        p
        for p in folder_inputs(folder, notes if notes is not None else ReadNotes())
        if accept.accepts(p)
    ]
    if not found:
        raise InputError(f"{text}: {accept.empty_folder}")
    named = [(p, source_name(p, folder)) for p in found]
    if accept.by_name:
        named.sort(key=lambda pair: (pair[1], pair[0]))
    return named


# Why standard input, a pipe (FIFO) or a device cannot be an input.
NOT_A_FILE = (
    "standard input, pipes (FIFOs) and devices are not supported as inputs: the format "
    "comes from the file name, and large files are read in parallel byte ranges, which "
    "needs a regular file; save the stream to a file first (e.g. `... > articles.jsonl`)"
)


# Notes about the files a named folder holds but that are not read.
SKIPPED_UNSUPPORTED = "files in folders skipped: not a supported type"
SKIPPED_README = "README/LICENSE-like .txt files skipped in a folder of records"
SKIPPED_LINK_LOOP = "linked folders skipped: already read (a link loop or a second link)"
# .txt files by these names beside record files document the data; they are not pages.
_DOCUMENT_STEMS = frozenset(
    {"readme", "license", "licence", "copying", "notice", "changelog", "authors", "contributing"}
)


def folder_inputs(folder: Path, notes: ReadNotes) -> list[Path]:
    """The input files under ``folder``, sorted; what is left out is counted in ``notes``.

    Linked sub-folders are followed, each real folder read once (a link loop, or two
    links to one folder, is skipped and noted). Files of other types (``.bz2``,
    ``.xz``, ``.csv``, ...) are skipped and counted. A ``README.txt``, ``LICENSE.txt``
    and the like among record files (``.jsonl``, ``.json``, ``.parquet``) documents
    them and is skipped too; in a folder of page dumps every ``.txt`` is a page.
    """
    seen: set[tuple[int, int]] = set()
    files: list[Path] = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        info = os.stat(root)
        if (info.st_dev, info.st_ino) in seen:
            notes.add(SKIPPED_LINK_LOOP, printable(root))
            dirs.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs.sort()
        files.extend(path for name in names if (path := Path(root, name)).is_file())
    return _classified(files, notes)


def _classified(files: Iterable[AnyPath], notes: ReadNotes) -> list[AnyPath]:
    """The input files among ``files`` (a folder's, local or in a store), sorted; the
    rest counted in ``notes`` (see :func:`folder_inputs`)."""
    found: list[AnyPath] = []
    documents: list[AnyPath] = []
    for path in files:
        kind = input_kind(path)
        if kind is None:
            notes.add(SKIPPED_UNSUPPORTED, printable(path))
        elif kind == "txt" and path.stem.lower() in _DOCUMENT_STEMS:
            documents.append(path)
        else:
            found.append(path)
    if documents and any(input_kind(p) != "txt" for p in found):
        for path in sorted(documents, key=_sort_key):
            notes.add(SKIPPED_README, printable(path))
    else:
        found += documents
    return sorted(found, key=_sort_key)


def _sort_key(path: AnyPath) -> tuple[str, ...]:
    # Paths sort part by part ("a/b" before "a-b/c"), URLs the same way.
    return tuple(str(part) for part in path.parts)


def first_of_each_file(named: Iterable[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """``(path, name)`` pairs without a file named twice (compared after resolving
    links and ``..``), in order, the first naming kept."""
    unique: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path, name in named:
        key = path if is_remote(path) else path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, name))
    return unique


def read_file(
    path: Path,
    notes: ReadNotes | None = None,
    display: str | None = None,
    pages: PageOptions | None = None,
    name: str | None = None,
    part: object = None,
) -> Iterator[Record]:
    """Stream the records of one file (or of one ``part`` of it, see
    :meth:`Reader.split <dataset_kit.readers.base.Reader.split>`), choosing the reader
    from its suffix.

    ``pages`` says how a ``.txt`` page dump is ingested (default: no timezone, the
    publisher found on the page); ``name`` is its record's ``source_file`` (default:
    :func:`source_name` of ``path``).
    """
    reader = reader_for(path)
    if reader is None:
        raise InputError(f"{path}: unsupported file type; supported: {SUPPORTED_DESCRIPTION}")
    source = Source(path, display or printable(path), name or source_name(path), pages)
    try:
        with store_faults(path):
            yield from reader.read(source, notes if notes is not None else ReadNotes(), part)
    except PermissionError as exc:
        raise InputError(f"{display or path}: cannot be read: {exc.strerror}") from exc


def read_records(
    inputs: Sequence[str | os.PathLike[str]],
    notes: ReadNotes | None = None,
    pages: PageOptions | None = None,
) -> Iterator[Record]:
    """Stream every record of every input, in order, with provenance.

    This is the entry point of every pipeline: ``inputs`` are files, folders or globs
    (see :func:`expand_inputs`). Pass a :class:`ReadNotes` to learn about BOMs, CRLF
    line ends and blank lines that were accepted on the way. Raises
    :class:`InputError` when the inputs hold no record at all. ``pages`` says how
    ``.txt`` page dumps are ingested (see :class:`PageOptions`).
    """
    notes = notes if notes is not None else ReadNotes()
    produced = 0
    for path, name in expand_inputs_named(inputs):
        for record in read_file(path, notes, pages=pages, name=name):
            produced += 1
            yield record
    if produced == 0:
        raise InputError("the input is empty: no records found in " + ", ".join(map(str, inputs)))
