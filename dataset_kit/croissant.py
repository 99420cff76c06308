"""MLCommons Croissant 1.0 metadata (``croissant.json``) for an exported dataset.

Croissant is the JSON-LD format that dataset search engines and ML loaders read to find
a dataset's files and the structure of its records. The document written here has:

* dataset-level metadata from the card config (name, description, license, citation,
  keywords, languages, URL of the Hub repository when ``repo_id`` is known);
* ``distribution``: one ``cr:FileObject`` per Parquet shard, with its relative path,
  size and sha256, so that a consumer can verify every file; and one ``cr:FileSet``
  (``data/*.parquet``) that the record set reads from, since a record set has one
  source and the rows are spread over several shards;
* ``recordSet``: one record set, ``default``, with a field per Parquet column (types
  mapped from the Arrow schema; lists are ``repeated`` fields) and a ``split`` field
  read from each shard's file name.

Paths are relative to the folder holding ``croissant.json``, so the same file
describes the local export and the uploaded repository. It holds no dates and is
serialised with sorted keys, so the same export gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from .manifest import Manifest
from .statistics import ordered_data_files

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
FILE_SET_ID = "parquet-files"
RECORD_SET_ID = "default"
SPLIT_FIELD = "split"
# The shard naming of the export contract; the split name is the first group.
SHARD_NAME_REGEX = r"^(.+)-\d{5}-of-\d{5}\.parquet$"

# The standard Croissant 1.0 JSON-LD context (the term mappings the specification
# defines); consumers expand the document with it.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# Hub license ids -> canonical license URLs (SPDX where one exists); others are kept
# as the Hub id, which schema.org's ``license`` (URL or text) allows.
_LICENSE_URLS = {
    "apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0",
    "mit": "https://opensource.org/licenses/MIT",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-nc-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "cc-by-nc-sa-4.0": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    "cc-by-nd-4.0": "https://creativecommons.org/licenses/by-nd/4.0/",
    "cc-by-nc-nd-4.0": "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    "cc-by-3.0": "https://creativecommons.org/licenses/by/3.0/",
    "cc-by-sa-3.0": "https://creativecommons.org/licenses/by-sa/3.0/",
    "odc-by": "https://opendatacommons.org/licenses/by/1-0/",
    "odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
    "pddl": "https://opendatacommons.org/licenses/pddl/1-0/",
    "cdla-permissive-2.0": "https://cdla.dev/permissive-2-0/",
}


def arrow_to_croissant_type(arrow_type: Any) -> tuple[str, bool]:
    """The Croissant ``dataType`` of an Arrow type, and whether it is a list."""
    import pyarrow as pa

    repeated = False
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        arrow_type = arrow_type.value_type
        repeated = True
    if pa.types.is_boolean(arrow_type):
        kind = "sc:Boolean"
    elif pa.types.is_integer(arrow_type):
        kind = "sc:Integer"
    elif pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        kind = "sc:Float"
    elif pa.types.is_timestamp(arrow_type):
        kind = "sc:DateTime"
    elif pa.types.is_date(arrow_type):
        kind = "sc:Date"
    else:
        kind = "sc:Text"
    return kind, repeated


def build_croissant(
    manifest: Manifest,
    arrow_schema: Any,
    *,
    name: str,
    description: str,
    license_id: str | None,
    url: str | None = None,
    citation: str | None = None,
    keywords: list[str] | None = None,
    languages: list[str] | None = None,
    field_descriptions: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The Croissant document for the shards listed in ``manifest``."""
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": name,
        "description": description,
        "distribution": _distribution(manifest),
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": RECORD_SET_ID,
                "name": RECORD_SET_ID,
                "description": "One record per article, over all splits.",
                "field": _fields(arrow_schema, field_descriptions or {}),
            }
        ],
    }
    if license_id:
        document["license"] = _LICENSE_URLS.get(license_id, license_id)
    if url:
        document["url"] = url
    if citation:
        document["citeAs"] = citation
    if keywords:
        document["keywords"] = list(keywords)
    if languages:
        document["inLanguage"] = list(languages)
    return document


def _distribution(manifest: Manifest) -> list[dict[str, Any]]:
    """One ``cr:FileObject`` per shard (so each can be verified), then the file set.

    The record set reads from the ``cr:FileSet``, since a record set has one source
    and the rows are spread over several shards.
    """
    distribution: list[dict[str, Any]] = []
    for entry in ordered_data_files(manifest):
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": entry.path,
                "name": entry.path,
                "description": f"Parquet shard of split {entry.split} ({entry.rows} rows).",
                "contentUrl": entry.path,
                "contentSize": f"{entry.bytes} B",
                "encodingFormat": "application/x-parquet",
                "sha256": entry.sha256,
            }
        )
    distribution.append(
        {
            "@type": "cr:FileSet",
            "@id": FILE_SET_ID,
            "name": FILE_SET_ID,
            "description": "All Parquet shards of all splits.",
            "encodingFormat": "application/x-parquet",
            "includes": "data/*.parquet",
        }
    )
    return distribution


def _fields(arrow_schema: Any, descriptions: dict[str, str]) -> list[dict[str, Any]]:
    """A ``cr:Field`` per Parquet column, and the ``split`` field unless a column has it.

    The split is not stored in the rows; it is read from each shard's file name.
    """
    fields: list[dict[str, Any]] = []
    for arrow_field in arrow_schema:
        data_type, repeated = arrow_to_croissant_type(arrow_field.type)
        field: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{RECORD_SET_ID}/{arrow_field.name}",
            "name": arrow_field.name,
            "description": descriptions.get(arrow_field.name) or f"Column {arrow_field.name}.",
            "dataType": data_type,
            "source": {
                "fileSet": {"@id": FILE_SET_ID},
                "extract": {"column": arrow_field.name},
            },
        }
        if repeated:
            field["repeated"] = True
        fields.append(field)
    if SPLIT_FIELD not in arrow_schema.names:
        fields.append(
            {
                "@type": "cr:Field",
                "@id": f"{RECORD_SET_ID}/{SPLIT_FIELD}",
                "name": SPLIT_FIELD,
                "description": "Split of the record, taken from its shard's file name.",
                "dataType": "sc:Text",
                "source": {
                    "fileSet": {"@id": FILE_SET_ID},
                    "extract": {"fileProperty": "filename"},
                    "transform": {"regex": SHARD_NAME_REGEX},
                },
            }
        )
    return fields


def croissant_bytes(document: dict[str, Any]) -> bytes:
    """Serialise deterministically: sorted keys, two-space indent, final newline."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def write_croissant(export_dir: Path, document: dict[str, Any]) -> Path:
    """Write ``export_dir/croissant.json`` atomically and return its path."""
    from .atomic import atomic_write_bytes
    from .storage import as_path

    path = as_path(export_dir) / "croissant.json"
    atomic_write_bytes(path, croissant_bytes(document))
    return path
