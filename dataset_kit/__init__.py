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
}

if TYPE_CHECKING:  # pragma: no cover
    from .errors import DatasetKitError as DatasetKitError
    from .reading import Record as Record
    from .reading import expand_inputs as expand_inputs
    from .reading import read_records as read_records
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
