"""Write calibrated thresholds into a civicmod.yaml (``civicmod eval --write-thresholds``).

ruamel.yaml is not a dependency, so the file is not round-tripped: only the ``policy.thresholds``
section is rewritten (its own comments are lost); every other line, comments included, stays
as it was. A file without that section gets one, starting from the thresholds in force (the
built-in ones), so adding a model's table never drops another's. The result is checked with
``load_settings`` before it replaces the file.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from civicmod.contract.settings import PolicySettings, load_settings
from civicmod.contract.yamlfile import FileError, load_yaml_text

Tables = Mapping[str, Mapping[str, float]]  # {"escalate": {label: t}, "hide": {label: t}}


def updated_thresholds(current: Mapping[str, Any] | None, model: str, tables: Tables,
                       lang: str | None = None) -> dict[str, Any]:
    """``policy.thresholds`` with ``tables`` merged into ``model``'s entry (its ``languages.<lang>``
    entry when ``lang`` is given). ``current``: the file's section (None: not in the file, the
    built-in thresholds apply). A model without an entry starts from the one in force for it."""
    defaults = PolicySettings()
    out: dict[str, Any] = copy.deepcopy(dict(current)) if current is not None else {
        name: t.model_dump(exclude=set() if t.languages else {"languages"})
        for name, t in defaults.thresholds.items()}
    if model not in out:
        base = out.get("default")
        out[model] = copy.deepcopy(base) if isinstance(base, dict) else {"hide": {}, "escalate": {}}
        out[model].pop("languages", None)  # the default's languages are not calibrated for it
    entry = out[model]
    if lang:
        entry = entry.setdefault("languages", {}).setdefault(lang, {})
    for action in ("hide", "escalate"):
        if tables.get(action):
            entry.setdefault(action, {}).update({k: float(v) for k, v in tables[action].items()})
    return out


def _last_line(node: yaml.Node) -> int:
    """The 0-based line on which ``node`` (a block collection: its last item) ends."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def _block(key: str | None, value: Any, indent: int) -> list[str]:
    """``key: value`` (or ``value`` alone) as block YAML, leaf tables in flow style."""
    dumped = yaml.safe_dump({key: value} if key is not None else value, default_flow_style=None,
                            sort_keys=False, width=100, allow_unicode=True)
    return [" " * indent + line for line in dumped.splitlines()]


def _key(mapping: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((k, v) for k, v in mapping.value if getattr(k, "value", None) == name), None)


def spliced(text: str, root: yaml.Node | None, data: dict[str, Any],
            thresholds: dict[str, Any]) -> str:
    """``text`` with ``policy.thresholds`` replaced by ``thresholds``, other lines untouched."""
    lines = text.splitlines()
    policy = _key(root, "policy") if isinstance(root, yaml.MappingNode) and not root.flow_style \
        else None
    if root is not None and not (isinstance(root, yaml.MappingNode) and not root.flow_style):
        # an empty or flow-style document: nothing to keep but the data
        return yaml.safe_dump({**data, "policy": {**(data.get("policy") or {}),
                                                  "thresholds": thresholds}}, sort_keys=False)
    if policy is None:
        tail = ["", "policy:", *_block("thresholds", thresholds, 2)]
        return "\n".join([*lines, *tail] if any(x.strip() for x in lines) else tail[1:]) + "\n"
    pkey, pval = policy
    if not isinstance(pval, yaml.MappingNode) or pval.flow_style or not pval.value:
        new = {**(data.get("policy") or {}), "thresholds": thresholds}
        first, last = pkey.start_mark.line, _last_line(pval)
        return "\n".join([*lines[:first], *_block("policy", new, pkey.start_mark.column),
                          *lines[last + 1:]]) + "\n"
    found = _key(pval, "thresholds")
    indent = pval.start_mark.column
    if found is None:
        at = _last_line(pval) + 1
        return "\n".join([*lines[:at], *_block("thresholds", thresholds, indent), *lines[at:]]) + "\n"
    tkey, tval = found
    if isinstance(tval, yaml.MappingNode) and not tval.flow_style and tval.value \
            and tval.start_mark.line > tkey.start_mark.line:  # keep the key's line and comment
        first, last = tval.start_mark.line, _last_line(tval)
        return "\n".join([*lines[:first], *_block(None, thresholds, tval.start_mark.column),
                          *lines[last + 1:]]) + "\n"
    first, last = tkey.start_mark.line, _last_line(tval)
    return "\n".join([*lines[:first], *_block("thresholds", thresholds, indent),
                      *lines[last + 1:]]) + "\n"


def write_thresholds(path: str | Path, model: str, tables: Tables,
                     lang: str | None = None) -> dict[str, Any]:
    """Merge ``tables`` into ``path``'s ``policy.thresholds.<model>`` (``languages.<lang>``);
    create the file when missing. Returns the new ``policy.thresholds``. Raises FileError (the
    file is then left as it was) when the file cannot be read or the result would not load."""
    path = Path(path)
    text, root, data = "", None, {}
    if path.exists():
        data, root, text = load_yaml_text(path)
        if data is None:
            data, root = {}, None
        if not isinstance(data, dict):
            raise FileError(path, 1, None, "the top level must be a mapping of sections")
    policy = data.get("policy")
    if policy is not None and not isinstance(policy, dict):
        raise FileError(path, None, "policy", "must be a mapping")
    current = policy.get("thresholds") if isinstance(policy, dict) else None
    if current is not None and not isinstance(current, dict):
        raise FileError(path, None, "policy.thresholds", "must be a mapping")
    new = updated_thresholds(current, model, tables, lang)
    out = spliced(text, root, data, new)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(out)
        try:
            load_settings(tmp, env={})
        except FileError as exc:  # say it about the file the user named
            raise FileError(path, exc.line, exc.field, f"the thresholds written would not load: "
                                                        f"{exc.message}") from exc
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return new
