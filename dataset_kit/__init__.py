"""dataset-kit: from extracted news pages to a validated, leak-free dataset on the Hub.

The public API mirrors the command line. Heavy dependencies (pyarrow, datasets,
huggingface_hub) are imported only by the functions that need them, so importing
this package, and running ``dataset-kit --help``, stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Attribute -> module that defines it; resolved on first access (PEP 562).
_EXPORTS = {
    "Validator": "validating",
    "Issue": "validating",
    "load_schema": "validating",
    "validate": "validation_run",
    "ValidationResult": "validation_run",
    "record_issues": "validating",
    "Record": "reading",
    "read_records": "reading",
    "expand_inputs": "reading",
    "DatasetKitError": "errors",
    "ingest": "ingesting",
    "ingest_page": "ingesting",
    "export": "exporting",
    "write_card": "cards",
    "compute_statistics": "statistics",
    "plan_publish": "publishing",
    "publish": "publishing",
    "load_manifest": "manifest",
}

if TYPE_CHECKING:  # pragma: no cover
    from .cards import write_card as write_card
    from .errors import DatasetKitError as DatasetKitError
    from .exporting import export as export
    from .ingesting import ingest as ingest
    from .ingesting import ingest_page as ingest_page
    from .manifest import load_manifest as load_manifest
    from .publishing import plan_publish as plan_publish
    from .publishing import publish as publish
    from .reading import Record as Record
    from .reading import expand_inputs as expand_inputs
    from .reading import read_records as read_records
    from .statistics import compute_statistics as compute_statistics
    from .validating import Issue as Issue
    from .validating import Validator as Validator
    from .validating import load_schema as load_schema
    from .validating import record_issues as record_issues
    from .validation_run import ValidationResult as ValidationResult
    from .validation_run import validate as validate

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'dataset_kit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value
