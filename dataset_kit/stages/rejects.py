"""The rejects file and its tallies, fed by the merge (invalid records) and the write
stage (records reusing another article's id)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..validation_run import group_pointer, rejects_line
from .read_validate import InvalidRecord


@dataclass
class RejectLog:
    """Writes each rejected record to ``out`` and counts it by rule and error group
    (with the first three examples of each group, for the report)."""

    out: BinaryIO
    by_rule: Counter[str] = field(default_factory=Counter)
    groups: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def add(self, item: InvalidRecord) -> None:
        self.out.write(rejects_line(item))
        for keyword in sorted({issue.keyword for issue in item.issues}):
            self.by_rule[keyword] += 1
        for issue in item.issues:
            key = (group_pointer(issue.pointer), issue.keyword)
            group = self.groups.setdefault(
                key, {"pointer": key[0], "keyword": key[1], "count": 0, "examples": []}
            )
            group["count"] += 1
            if len(group["examples"]) < 3:
                group["examples"].append(
                    {"file": item.file, "line": item.line, "id": item.id, "message": issue.message}
                )

    def sorted_groups(self) -> list[dict[str, Any]]:
        return sorted(self.groups.values(), key=lambda g: (-g["count"], g["pointer"], g["keyword"]))
