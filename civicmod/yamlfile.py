"""Load YAML into pydantic models with errors that name the file, the line and the field.

Shared by the settings file and (later) policy files: a person edits these by hand, so a
mistake must point at the place to fix, e.g. ``civicmod.yaml:12: worker.batch_size: Input
should be a valid integer``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class FileError(ValueError):
    """A human-editable file is wrong; the message names file, line and field."""

    def __init__(self, path: str | Path, line: int | None, field: str | None, message: str):
        self.path, self.line, self.field, self.message = str(path), line, field, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """Walk a composed YAML node tree along a pydantic error location; deepest match wins."""
    found = node
    for part in loc:
        if isinstance(found, yaml.MappingNode):
            nxt = next((v for k, v in found.value if k.value == str(part)), None)
            if nxt is None:
                # The key is missing or unknown: point at the key itself if present.
                key = next((k for k, _ in found.value if k.value == str(part)), None)
                return key or found
            found = nxt
        elif isinstance(found, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(found.value):
                return found
            found = found.value[part]
        else:
            return found
    return found


def load_yaml(path: str | Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file; return the plain data and the node tree used for line numbers."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise FileError(path, line, None, f"invalid YAML: {exc.problem or exc}") from exc
    return data, node


def validate(model: type[M], data: Any, path: str | Path, node: yaml.Node | None) -> M:
    """Validate ``data`` as ``model``; on failure raise :class:`FileError` for the first error."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        target = _node_at(node, loc)
        line = target.start_mark.line + 1 if target is not None else None
        field = ".".join(str(p) for p in loc) or None
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise FileError(path, line, field, err["msg"] + more) from exc
