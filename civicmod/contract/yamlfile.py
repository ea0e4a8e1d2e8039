"""Load YAML into pydantic models with errors that name the file, the line and the field.

Shared by the settings file and policy files: a person edits these by hand, so a mistake must
point at the place to fix, e.g. ``civicmod.yaml:12: worker.batch_size: Input should be a valid
integer``. A file may also be wrong in ways no person intends (a truncated write, a NUL byte, a
file nested thousands deep, an alias bomb): every such problem is a :class:`FileError` too, found
within fixed limits of size, nesting and work, and never a crash of the caller.

Limits (see docs/rules.md):

- :data:`MAX_YAML_BYTES`: the size of one file;
- :data:`MAX_YAML_DEPTH`: the nesting of YAML collections (mappings and sequences), counted
  through aliases; checked on the parser's events, before the nodes are composed, so the
  (recursive) composer and everything after it only ever sees shallow documents;
- :data:`MAX_YAML_NODES`: the number of values once aliases are expanded (a "billion laughs"
  file is refused before anything expands it); an alias inside its own anchor is refused.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

#: The largest YAML file read (bytes). Long word lists belong in a ``file:`` of their own.
MAX_YAML_BYTES = 1024 * 1024
#: The deepest nesting of YAML mappings/sequences (the shipped policy needs 8).
MAX_YAML_DEPTH = 64
#: The most values (scalars and collections) a file may hold once its aliases are expanded.
MAX_YAML_NODES = 200_000

# What YAML (PyYAML's reader and libyaml) refuses anywhere in a file, comments included.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL_NAMES = {0: "NUL", 0x1b: "ESC", 0x7f: "DEL", 0x08: "backspace", 0x0c: "form feed",
                  0xfffe: "noncharacter", 0xffff: "noncharacter"}

# libyaml (C) parses about twenty times faster than the pure-Python parser; both give marks.
_HAVE_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False)) and hasattr(yaml, "CSafeLoader")


class FileError(ValueError):
    """A human-editable file is wrong; the message names file, line and field."""

    def __init__(self, path: str | Path, line: int | None, field: str | None, message: str):
        self.path, self.line, self.field, self.message = str(path), line, field, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")


class YAMLLimitError(yaml.MarkedYAMLError):
    """A document over one of the limits (nesting, expanded size, a looping alias)."""


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line of printable characters, at most ``limit`` long (for logs, /health)."""
    text = " ".join(str(text).split())
    text = _NON_PRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                              else f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Guard:
    """Follows parser events and refuses a document over the limits, without recursion.

    Per open collection it keeps [expanded size, height, anchor]; a finished anchored node's
    size and height are remembered, so an alias costs what expanding it would cost."""

    def __init__(self, max_depth: int, max_nodes: int) -> None:
        self.max_depth, self.max_nodes = max_depth, max_nodes
        self.stack: list[list[Any]] = []
        self.anchors: dict[str, tuple[int, int]] = {}
        self.open: set[str] = set()
        self.nodes = 0

    def _fail(self, event: yaml.Event, problem: str) -> YAMLLimitError:
        return YAMLLimitError(None, None, problem, event.start_mark)

    def _count(self, event: yaml.Event, size: int) -> None:
        self.nodes += size
        if self.nodes > self.max_nodes:
            raise self._fail(event, f"more than {self.max_nodes:,} values, counting each alias as "
                                    "the values it repeats (an alias bomb?)")

    def _child(self, size: int, height: int) -> None:
        if self.stack:
            top = self.stack[-1]
            top[0] += size
            top[1] = max(top[1], height)

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.CollectionStartEvent):
            if len(self.stack) >= self.max_depth:
                raise self._fail(event, f"nested deeper than {self.max_depth} levels of mappings "
                                        "and lists")
            self._count(event, 1)
            if event.anchor:
                self.open.add(event.anchor)
            self.stack.append([1, 0, event.anchor])
        elif isinstance(event, yaml.CollectionEndEvent):
            size, height, anchor = self.stack.pop()
            if anchor:
                self.open.discard(anchor)
                self.anchors[anchor] = (size, height + 1)
            self._child(size, height + 1)
        elif isinstance(event, yaml.ScalarEvent):
            self._count(event, 1)
            if event.anchor:
                self.anchors[event.anchor] = (1, 0)
            self._child(1, 0)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open:
                raise self._fail(event, f"alias *{event.anchor} is inside its own anchor "
                                        f"&{event.anchor} (a loop)")
            size, height = self.anchors.get(event.anchor, (1, 0))  # undefined: the composer says so
            if len(self.stack) + height > self.max_depth:
                raise self._fail(event, f"alias *{event.anchor} nests deeper than "
                                        f"{self.max_depth} levels of mappings and lists")
            self._count(event, size)
            self._child(size, height)


class _PyLoader(yaml.SafeLoader):
    """The pure-Python loader, checking each event before the composer sees it (one pass)."""

    guard: _Guard

    def get_event(self) -> yaml.Event:
        event = super().get_event()
        self.guard.feed(event)
        return event


def _construct_object(self: Any, node: yaml.Node, deep: bool = False) -> Any:
    """SafeConstructor.construct_object, with a bad value (a date 2026-13-45, an integer of
    5,000 digits) reported at its line instead of escaping as a bare ValueError."""
    try:
        return yaml.SafeLoader.construct_object(self, node, deep)
    except (yaml.YAMLError, RecursionError, MemoryError):
        raise
    except Exception as exc:
        shown = one_line(node.value, 60) if isinstance(node, yaml.ScalarNode) else node.tag
        raise yaml.constructor.ConstructorError(
            None, None, f"cannot read the value {shown!r}: {type(exc).__name__}: {one_line(str(exc))}",
            node.start_mark) from exc


_PyLoader.construct_object = _construct_object  # type: ignore[method-assign]
if _HAVE_LIBYAML:
    class _CLoader(yaml.CSafeLoader):  # type: ignore[misc,name-defined]
        construct_object = _construct_object


def _events_checked(text: str, guard: _Guard) -> None:
    loader = _CLoader(text)
    try:
        while loader.check_event():
            guard.feed(loader.get_event())
    finally:
        loader.dispose()


def parse(text: str, *, use_libyaml: bool | None = None, max_depth: int | None = None,
          max_nodes: int | None = None) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document (safe tags only) within the limits; return data and node tree.

    Raises yaml.YAMLError (a :class:`YAMLLimitError` over a limit), never RecursionError for
    deep input. ``use_libyaml`` None: the C parser when installed; the limits default to
    :data:`MAX_YAML_DEPTH` and :data:`MAX_YAML_NODES`."""
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        raise yaml.reader.ReaderError("<text>", bad.start(), ord(bad.group()), "unicode",
                                      "special characters are not allowed")
    guard = _Guard(MAX_YAML_DEPTH if max_depth is None else max_depth,
                   MAX_YAML_NODES if max_nodes is None else max_nodes)
    loader: Any
    if _HAVE_LIBYAML and use_libyaml is not False:
        _events_checked(text, guard)  # fast, iterative: the C composer only sees checked input
        loader = _CLoader(text)
    else:
        loader = _PyLoader(text)
        loader.guard = guard
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _reader_message(text: str, exc: yaml.reader.ReaderError) -> tuple[int | None, str]:
    position = exc.position if isinstance(exc.position, int) else None
    code = exc.character if isinstance(exc.character, int) else None
    if position is None or not 0 <= position < len(text):
        return None, f"invalid YAML: {one_line(exc.reason or str(exc))}"
    if code is None:
        code = ord(text[position])
    line, column = _position(text, position)
    name = _CONTROL_NAMES.get(code, "control character")
    return line, (f"column {column}: {name} U+{code:04X} is not allowed in YAML (not even in a "
                  "comment); write special characters as escapes in double quotes, e.g. \"\\x01\"")


def read_text(path: str | Path, max_bytes: int = MAX_YAML_BYTES) -> str:
    """The file as UTF-8 text, at most ``max_bytes``; FileError naming the file otherwise."""
    try:
        # Non-blocking open and a regular-file check: a FIFO or a device in the file's place
        # must not hang the reader or feed it forever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FileError(path, None, None, "not a regular file")
            chunks, left = [], max_bytes + 1
            while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
                chunks.append(chunk)
                left -= len(chunk)
            raw = b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as exc:
        problem = "file not found" if isinstance(exc, FileNotFoundError) else \
            f"cannot read the file: {exc.strerror or exc}"
        raise FileError(path, None, None, problem) from exc
    if len(raw) > max_bytes:
        raise FileError(path, None, None, f"the file is larger than {max_bytes:,} bytes, the limit "
                                          "for a YAML file (put long word lists in a file: of their own)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FileError(path, line, None, f"column {column}: not UTF-8 text (byte "
                                          f"0x{raw[exc.start]:02x}); save the file as UTF-8") from exc


def load_yaml_text(path: str | Path) -> tuple[Any, yaml.Node | None, str]:
    """Read and parse a YAML file within the limits; return data, node tree and the text.

    Every problem (unreadable, too large, not UTF-8, a control character, invalid YAML, nested
    too deep, an alias bomb, a value that cannot be read) is a FileError naming file and line."""
    text = read_text(path)
    try:
        data, node = parse(text)
    except yaml.reader.ReaderError as exc:
        line, message = _reader_message(text, exc)
        raise FileError(path, line, None, message) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = one_line(exc.problem or exc.context or str(exc))
        if "maximum nesting depth" in problem:  # libyaml's own limit (1,000), deeper than ours
            problem = f"nested deeper than {MAX_YAML_DEPTH} levels of mappings and lists"
        elif not isinstance(exc, YAMLLimitError):
            problem = f"invalid YAML: {problem}"
        raise FileError(path, line, None, problem) from exc
    except yaml.YAMLError as exc:
        raise FileError(path, None, None, f"invalid YAML: {one_line(str(exc))}") from exc
    except RecursionError as exc:
        raise FileError(path, None, None, "nested too deeply to read") from exc
    return data, node, text


def load_yaml(path: str | Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file; return the plain data and the node tree used for line numbers."""
    data, node, _ = load_yaml_text(path)
    return data, node


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
        raise FileError(path, line, field, one_line(err["msg"], 1000) + more) from exc
    except RecursionError as exc:
        raise FileError(path, None, None, "nested too deeply to check") from exc
