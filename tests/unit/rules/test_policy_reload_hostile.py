"""Hot reload against hostile policy files: the running policy must survive anything.

A worker that is running a good policy has its policy file rewritten with a NUL byte, other
control characters, invalid UTF-8, YAML nested 3,000 deep, conditions nested 3,000 deep, a 5 MB
file, an alias bomb, an empty file, or the file deleted. Each time ``PolicyReloader.check()``
returns ("error", message naming the file) once, keeps the running policy, and a later fix
reloads. The same contents at start-up are a FileError (the worker exits 2 with the message),
never a RecursionError or a YAML traceback. Property tests throw random bytes and random YAML at
it. Limits: docs/rules.md, "Limits of a policy file".
"""

from __future__ import annotations

import inspect
import os
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from civicmod.contract import yamlfile
from civicmod.contract.yamlfile import MAX_YAML_DEPTH, MAX_YAML_NODES, FileError, load_yaml
from rules.compiler import MAX_POLICY_REGEX_REPEAT, MAX_REGEX_REPEAT, load_policy_set, regex_repeat_weight
from rules.conditions import MAX_CONDITION_DEPTH
from rules.reload import PolicyReloader

from policy_helpers import comment

GOOD = textwrap.dedent("""
    policy: live
    version: "1"
    lists:
      roads: [potholes, "speed bumps"]
    rules:
      - id: roads.hide
        description: road complaints are hidden (a test rule)
        policy: test.roads
        when: {words: roads}
        action: hide
""").lstrip()
FIXED = GOOD.replace('version: "1"', 'version: "2"').replace("[potholes,", "[potholes, bins,")

# A rule whose condition (when:) is replaced by each hostile condition below.
RULE_HEAD = GOOD + ("  - id: hostile.rule\n"
                    "    description: the condition under test\n"
                    "    policy: test.hostile\n"
                    "    action: escalate\n"
                    "    when: ")


def nested_not(depth: int) -> str:
    return "{not: " * depth + "{detect: link.any}" + "}" * depth


def nested_mixed(depth: int) -> str:
    """all / any / not in turn, `depth` levels, flow style."""
    opening, closing = [], []
    for i in range(depth):
        kind = ("all", "any", "not")[i % 3]
        if kind == "not":
            opening.append("{not: ")
            closing.append("}")
        else:
            opening.append(f"{{{kind}: [")
            closing.append("]}")
    return "".join(opening) + "{terms: [x]}" + "".join(reversed(closing))


def nested_not_block(depth: int) -> str:
    """`not:` nested `depth` deep in block style (each level indented two more spaces)."""
    lines = [""]
    for i in range(depth):
        lines.append("  " * (i + 5) + "not:")
    lines.append("  " * (depth + 5) + "detect: link.any")
    return "\n".join(lines) + "\n"


def alias_bomb_lol() -> str:
    """The classic 'billion laughs': 10 levels of 10 aliases, 10^10 strings once expanded."""
    lines = ['lol0: &lol0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 10) + "]")
    return GOOD + "\n".join(lines) + "\n"


def alias_bomb_condition() -> str:
    """An alias bomb aimed at the condition compiler: 9 levels of `any` over 9 aliases of the
    level below (9^9 conditions, each an inline word list, if expanded)."""
    body = GOOD
    for i in range(9):
        inner = ["{terms: [lol]}"] * 9 if i == 0 else [f"*b{i - 1}"] * 9
        body += (f"  - id: bomb.{i}\n    description: level {i}\n    policy: test.bomb\n"
                 f"    action: tag\n    tags: [bomb]\n    when: &b{i} {{any: [{', '.join(inner)}]}}\n")
    return body


HOSTILE: dict[str, Callable[[], bytes]] = {
    # (a) a NUL byte
    "nul in a value": lambda: GOOD.replace("road complaints", "road\x00complaints").encode(),
    "nul in a comment": lambda: (GOOD + "# trailing \x00 comment\n").encode(),
    "nul at the start": lambda: b"\x00" + GOOD.encode(),
    "only nul bytes": lambda: b"\x00" * 64,
    # (b) other control characters
    **{f"control U+{c:04X}": (lambda c=c: GOOD.replace("hidden", f"hid{chr(c)}den").encode())
       for c in (0x01, 0x07, 0x08, 0x0B, 0x0C, 0x1B, 0x1F, 0x7F, 0x80, 0x9F, 0xFFFE, 0xFFFF)},
    # (c) invalid UTF-8
    "latin-1 byte": lambda: GOOD.replace("hidden", "hidd\xe9n").encode("latin-1"),
    "utf-16 bom": lambda: b"\xff\xfe" + GOOD.encode("utf-16-le"),
    "lone continuation byte": lambda: GOOD.encode() + b"# \x80\n",
    "overlong encoding": lambda: GOOD.encode() + b"# \xc0\xaf\n",
    "encoded surrogate": lambda: GOOD.encode() + b"# \xed\xa0\x80\n",
    "truncated sequence": lambda: GOOD.encode() + b"# \xe2\x82",
    # (d) YAML nested 3,000 deep
    "flow sequences 3000 deep": lambda: (GOOD + "deep: " + "[" * 3000 + "]" * 3000 + "\n").encode(),
    "flow mappings 3000 deep": lambda: (GOOD + "deep: " + "{a: " * 3000 + "b" + "}" * 3000 + "\n").encode(),
    "flow 100000 deep, unclosed": lambda: (GOOD + "deep: " + "[" * 100_000).encode(),
    "block sequences 3000 deep": lambda: (GOOD + "deep:\n  " + "- " * 3000 + "x\n").encode(),
    "block mappings 100 deep": lambda: (GOOD + "deep:\n" + "".join(
        "  " * (i + 1) + f"k{i}:\n" for i in range(100)) + "  " * 101 + "x\n").encode(),
    # (e) conditions nested 3,000 deep (and just past the condition limit)
    "not 3000 deep": lambda: (RULE_HEAD + nested_not(3000) + "\n").encode(),
    "all/any/not 3000 deep": lambda: (RULE_HEAD + nested_mixed(3000) + "\n").encode(),
    "not 3000 deep, block style": lambda: (RULE_HEAD + nested_not_block(3000)).encode(),
    "not one level past the condition limit": lambda: (
        RULE_HEAD + nested_not(MAX_CONDITION_DEPTH + 1) + "\n").encode(),
    "comparison value nested 3000 deep": lambda: (
        RULE_HEAD + '"platform in ' + "[" * 3000 + 'x"\n').encode(),
    # (f) a 5 MB file (a valid policy with a huge comment, and a huge inline list)
    "5 MB comment": lambda: (GOOD + "# " + "x" * (5 * 1024 * 1024) + "\n").encode(),
    "5 MB inline list": lambda: GOOD.replace("lists:\n", "lists:\n  big: [" + ", ".join(
        f"w{i}" for i in range(700_000)) + "]\n").encode(),
    # (g) alias bombs
    "billion laughs": lambda: alias_bomb_lol().encode(),
    "alias bomb in conditions": lambda: alias_bomb_condition().encode(),
    "alias inside its own anchor": lambda: (RULE_HEAD + "&loop {not: *loop}\n").encode(),
    # (h) empty files
    "empty": lambda: b"",
    "only whitespace": lambda: b"\n\n   \n",
    "only a comment": lambda: b"# nothing here yet\n",
    "null document": lambda: b"~\n",
    # and a few more ways to be broken
    "truncated write": lambda: GOOD.encode()[: len(GOOD) // 2 + 3],
    "a list, not a mapping": lambda: b"- policy: live\n",
    "two documents": lambda: (GOOD + "---\n" + GOOD).encode(),
    "python tag": lambda: (GOOD + "evil: !!python/object/apply:os.system [true]\n").encode(),
    "impossible date": lambda: GOOD.replace("action: hide", "action: hide\n    changed: 2026-13-45").encode(),
    "5000-digit integer": lambda: GOOD.replace('version: "1"', "version: " + "9" * 5000).encode(),
    "regex compile bomb": lambda: (
        RULE_HEAD + "{regex: {pattern: '(?:(?:a{1000}){1000}){1000}'}}\n").encode(),
    "rule ref to a list": lambda: (RULE_HEAD + "{rule: [roads.hide]}\n").encode(),
    "mixed key types": lambda: (RULE_HEAD + "{1: a, b: c}\n").encode(),
}

# What the message must say (beyond the file name) for the cases where it matters which guard
# refused: each would be a different message, or a hang, without that guard.
EXPECTED = {
    "nul in a value": "NUL U+0000 is not allowed", "nul in a comment": "NUL U+0000",
    "latin-1 byte": "not UTF-8", "utf-16 bom": "not UTF-8", "encoded surrogate": "not UTF-8",
    "flow sequences 3000 deep": "nested deeper than", "flow mappings 3000 deep": "nested deeper than",
    "flow 100000 deep, unclosed": "nested deeper than",
    "block sequences 3000 deep": f"nested deeper than {MAX_YAML_DEPTH}",
    "block mappings 100 deep": f"nested deeper than {MAX_YAML_DEPTH}",
    "not 3000 deep": "nested deeper than", "all/any/not 3000 deep": "nested deeper than",
    "not one level past the condition limit":
        f"rule hostile.rule: conditions nested deeper than {MAX_CONDITION_DEPTH}",
    "comparison value nested 3000 deep": "cannot read the value",
    "5 MB comment": "larger than", "5 MB inline list": "larger than",
    "billion laughs": "alias", "alias bomb in conditions": "alias",
    "alias inside its own anchor": "inside its own anchor",
    "empty": "empty", "only a comment": "empty",
    "impossible date": "2026-13-45", "5000-digit integer": "cannot read the value",
    "regex compile bomb": "repeats", "rule ref to a list": "'rule' names a rule id",
    "python tag": "could not determine a constructor",
}
EXPECTED_LINE = {"nul in a value": 7, "latin-1 byte": 7, "not one level past the condition limit": 15}


@pytest.fixture
def live(tmp_path: Path) -> tuple[Path, PolicyReloader]:
    path = tmp_path / "live.yaml"
    path.write_text(GOOD)
    reloader = PolicyReloader(lambda: load_policy_set([path]))
    assert reloader.current.version.startswith("live@1#")
    return path, reloader


def fired(reloader: PolicyReloader, text: str) -> set[str]:
    return {h.rule_id for h in reloader.current.evaluate(comment(text))}


def refused(reloader: PolicyReloader, path: Path, running: str) -> str:
    """check() reports the broken file once, keeps the running policy, and says where."""
    started = time.monotonic()
    change = reloader.check()
    elapsed = time.monotonic() - started
    assert change is not None, "a changed file must be reported"
    kind, message = change
    assert kind == "error", message
    assert str(path) in message, message
    assert "\n" not in message and len(message) <= 1000, message
    assert reloader.last_error == message
    assert reloader.current.version == running
    assert fired(reloader, "potholes again") == {"roads.hide"}, "the running policy still judges"
    assert reloader.check() is None, "reported once per change of the files' content"
    assert reloader.last_error == message, "and still on /health"
    assert elapsed < 10, f"refusing took {elapsed:.1f}s"
    return message


def fixed(reloader: PolicyReloader, path: Path) -> None:
    path.write_text(FIXED)
    change = reloader.check()
    assert change is not None and change[0] == "reloaded", change
    assert change[1].startswith("live@2#") and reloader.current.version == change[1]
    assert reloader.last_error is None
    assert fired(reloader, "bins again") == {"roads.hide"}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_keeps_the_running_policy(live: tuple[Path, PolicyReloader], case: str):
    path, reloader = live
    running = reloader.current.version
    path.write_bytes(HOSTILE[case]())
    message = refused(reloader, path, running)
    if case in EXPECTED:
        assert EXPECTED[case] in message, message
    if case in EXPECTED_LINE:
        assert f"{path}:{EXPECTED_LINE[case]}:" in message, message
    fixed(reloader, path)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_at_start_is_a_file_error(tmp_path: Path, case: str):
    """At start-up there is no running policy to keep: a FileError with a clear message (the
    worker exits 2 with it), never RecursionError, ReaderError or UnicodeDecodeError."""
    path = tmp_path / "start.yaml"
    path.write_bytes(HOSTILE[case]())
    with pytest.raises(FileError) as err:
        PolicyReloader(lambda: load_policy_set([path]))
    assert err.value.path == str(path), str(err.value)
    assert "\n" not in str(err.value)
    if case in EXPECTED:
        assert EXPECTED[case] in str(err.value)


def test_deleted_file_then_restored(live: tuple[Path, PolicyReloader]):
    path, reloader = live
    running = reloader.current.version
    path.unlink()
    assert "policy file not found" in refused(reloader, path, running)
    assert reloader.check() is None, "still missing: nothing new to report"
    path.mkdir()  # a directory where the file was
    assert "not a regular file" in refused(reloader, path, running)
    path.rmdir()
    fixed(reloader, path)


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_fifo_or_device_in_place_of_the_file_does_not_hang(live: tuple[Path, PolicyReloader]):
    """A named pipe with no writer would block open(); /dev/zero would be read forever."""
    path, reloader = live
    running = reloader.current.version
    path.unlink()
    os.mkfifo(path)
    assert "not a regular file" in refused(reloader, path, running)
    path.unlink()
    if Path("/dev/zero").exists():
        path.symlink_to("/dev/zero")
        assert "not a regular file" in refused(reloader, path, running)
        path.unlink()
    fixed(reloader, path)
    with pytest.raises(FileError, match="not a regular file"):
        yamlfile.read_text("/dev/zero") if Path("/dev/zero").exists() else yamlfile.read_text(path.parent)


def test_unreadable_file(live: tuple[Path, PolicyReloader]):
    path, reloader = live
    if sys.platform == "win32" or os.geteuid() == 0:
        pytest.skip("permissions do not apply")
    path.write_text(FIXED)
    path.chmod(0)
    try:
        refused(reloader, path, reloader.current.version)
    finally:
        path.chmod(0o644)
    change = reloader.check()
    assert change is not None and change[0] == "reloaded"


def test_fix_that_restores_the_running_version_clears_the_error(live: tuple[Path, PolicyReloader]):
    path, reloader = live
    running = reloader.current.version
    path.write_bytes(b"\x00")
    refused(reloader, path, running)
    path.write_text(GOOD)
    assert reloader.check() == ("reloaded", running), "the failure has a recorded end"
    assert reloader.last_error is None
    assert reloader.check() is None


def test_every_new_broken_content_is_reported(live: tuple[Path, PolicyReloader]):
    path, reloader = live
    running = reloader.current.version
    for body in (b"\x00", b"\x01", b"[" * 5000):
        path.write_bytes(body)
        refused(reloader, path, running)


@pytest.mark.parametrize("exc", [RecursionError("maximum recursion depth exceeded"),
                                 MemoryError(), ZeroDivisionError("bug"), KeyError("x"),
                                 yaml.reader.ReaderError("f", 3, 0, "utf-8", "special characters")])
def test_any_exception_from_the_loader_keeps_the_running_policy(live: tuple[Path, PolicyReloader],
                                                                exc: Exception):
    path, reloader = live
    good_load = reloader.load
    calls = []

    def broken() -> object:
        calls.append(1)
        raise exc

    reloader.load = broken  # type: ignore[assignment]
    running = reloader.current.version
    path.write_text(FIXED)
    message = refused(reloader, path, running)
    assert type(exc).__name__ in message
    assert len(calls) == 1
    reloader.load = good_load  # type: ignore[assignment]
    path.write_text(FIXED + "# touched\n")
    assert reloader.check() == ("reloaded", reloader.current.version)


def test_unexpected_exception_at_start_is_a_file_error():
    def broken() -> object:
        raise RecursionError("maximum recursion depth exceeded")

    with pytest.raises(FileError, match="could not load the policy: RecursionError"):
        PolicyReloader(broken)  # type: ignore[arg-type]


# --- the limits themselves ------------------------------------------------------------------------
@pytest.fixture(params=["libyaml", "python"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Both parsers: libyaml when installed (the default), and the pure-Python one."""
    if request.param == "libyaml" and not yamlfile._HAVE_LIBYAML:
        pytest.skip("libyaml not installed")
    if request.param == "python":
        monkeypatch.setattr(yamlfile, "_HAVE_LIBYAML", False)
    yield request.param


@pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 1, 100, 3000])
@pytest.mark.parametrize("style", ["flow sequence", "flow mapping", "block sequence", "block mapping"])
def test_nesting_limit_without_recursion(tmp_path: Path, backend: str, style: str, depth: int):
    if style == "block mapping":
        depth = min(depth, 1000)  # indented 1 space a level: 3,000 deep is over the size limit
    text = {
        "flow sequence": "[" * depth + "]" * depth,
        "flow mapping": "{a: " * depth + "b" + "}" * depth,
        "block sequence": "- " * depth + "x\n",
        "block mapping": "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "x\n",
    }[style]
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    old = sys.getrecursionlimit()
    # room for the 64 levels the limit allows (two frames a level, plus the parser's), not for 100
    sys.setrecursionlimit(len(inspect.stack()) + 180)
    try:
        with pytest.raises(FileError, match=f"nested deeper than {MAX_YAML_DEPTH} levels") as err:
            load_yaml(path)
    finally:
        sys.setrecursionlimit(old)
    assert err.value.line is not None


def test_nesting_through_an_alias(tmp_path: Path, backend: str):
    path = tmp_path / "deep.yaml"
    path.write_text("x: &x " + "[" * 40 + "]" * 40 + "\ny: " + "[" * 30 + "*x" + "]" * 30 + "\n")
    with pytest.raises(FileError, match=f"alias \\*x nests deeper than {MAX_YAML_DEPTH}") as err:
        load_yaml(path)
    assert err.value.line == 2


def test_nesting_at_the_limit_is_fine(tmp_path: Path, backend: str):
    path = tmp_path / "ok.yaml"
    path.write_text("[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH)
    data, _ = load_yaml(path)
    for _ in range(MAX_YAML_DEPTH - 1):
        (data,) = data
    assert data == []
    path.write_text("[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1))
    with pytest.raises(FileError, match=f"nested deeper than {MAX_YAML_DEPTH}"):
        load_yaml(path)


def test_alias_bomb_is_refused_before_expanding(tmp_path: Path, backend: str):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb_lol())
    started = time.monotonic()
    with pytest.raises(FileError, match="alias") as err:
        load_yaml(path)
    assert time.monotonic() - started < 5
    assert err.value.line is not None


def test_a_few_aliases_are_fine(tmp_path: Path, backend: str):
    path = tmp_path / "aliases.yaml"
    path.write_text(GOOD + "  - id: roads.again\n"
                           "    description: the same condition, by alias\n"
                           "    policy: test.roads\n"
                           "    when: &roads {all: [{words: roads}, {not: {detect: link.any}}]}\n"
                           "    action: escalate\n"
                           "  - id: roads.thrice\n"
                           "    description: and again\n"
                           "    policy: test.roads\n"
                           "    when: *roads\n"
                           "    action: escalate\n")
    ps = load_policy_set([path])
    assert {h.rule_id for h in ps.evaluate(comment("potholes"))} == {
        "roads.hide", "roads.again", "roads.thrice"}


@pytest.mark.parametrize("limit", [20_000, MAX_YAML_NODES])
def test_value_limit_counts_each_value_once(tmp_path: Path, backend: str, limit: int,
                                            monkeypatch: pytest.MonkeyPatch):
    """A big file without aliases loads up to the limit: mapping, key, list and the items."""
    if limit == MAX_YAML_NODES and backend == "python":
        pytest.skip("the real limit once is enough (the pure-Python parser takes seconds)")
    monkeypatch.setattr(yamlfile, "MAX_YAML_NODES", limit)
    path = tmp_path / "big.yaml"
    items = limit - 3
    path.write_text("k: [" + ",".join(["a"] * items) + "]\n")
    data, _ = load_yaml(path)
    assert len(data["k"]) == items
    path.write_text("k: [" + ",".join(["a"] * (items + 1)) + "]\n")
    with pytest.raises(FileError, match=f"more than {limit:,} values"):
        load_yaml(path)


def test_control_character_message_names_line_and_column(tmp_path: Path, backend: str):
    path = tmp_path / "ctl.yaml"
    path.write_bytes(b"policy: t\nversion: 1\nrules: []\ndescription: ab\x1bc\n")
    with pytest.raises(FileError) as err:
        load_yaml(path)
    assert err.value.line == 4
    assert "column 16: ESC U+001B is not allowed" in err.value.message


def test_escaped_control_characters_in_quotes_are_data(tmp_path: Path, backend: str):
    path = tmp_path / "esc.yaml"
    path.write_text('a: "nul \\x00 esc \\e"\n')
    assert load_yaml(path)[0] == {"a": "nul \x00 esc \x1b"}


def test_invalid_utf8_message_names_line_and_column(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"policy: t\nversion: 1\ndescription: caf\xe9\n")
    with pytest.raises(FileError) as err:
        load_yaml(path)
    assert (err.value.line, "column 17" in err.value.message) == (3, True), str(err.value)
    assert "not UTF-8 text (byte 0xe9)" in err.value.message


def test_condition_depth_limit(tmp_path: Path):
    at_limit = (RULE_HEAD + nested_not(MAX_CONDITION_DEPTH) + "\n").replace("escalate", "hide")
    path = tmp_path / "p.yaml"
    path.write_text(at_limit)
    ps = load_policy_set([path])  # 32 levels of not: an even number, so "not link" == "link"
    assert {h.rule_id for h in ps.evaluate(comment("see https://scam.example/x"))} == {"hostile.rule"}
    path.write_text(RULE_HEAD + nested_mixed(MAX_CONDITION_DEPTH + 1) + "\n")
    with pytest.raises(FileError) as err:
        load_policy_set([path])
    assert err.value.line == 15
    assert err.value.message.startswith(f"rule hostile.rule: conditions nested deeper than "
                                        f"{MAX_CONDITION_DEPTH} levels")


def test_long_chain_of_rule_references_compiles_without_recursion(tmp_path: Path):
    """3,000 rules each firing when the one before fired: ordered without recursing."""
    rules = ["  - {id: r0, description: d, policy: p, action: tag, tags: [t], when: {terms: [chain]}}"]
    rules += [f"  - {{id: r{i}, description: d, policy: p, action: tag, tags: [t], "
              f"when: {{rule: r{i - 1}}}}}" for i in range(1, 3000)]
    path = tmp_path / "chain.yaml"
    path.write_text("policy: chain\nversion: 1\nrules:\n" + "\n".join(reversed(rules)) + "\n")
    ps = load_policy_set([path])
    assert len({h.rule_id for h in ps.evaluate(comment("chain"))}) == 3000
    assert not ps.evaluate(comment("nothing"))


def test_rule_reference_loop_still_named(tmp_path: Path):
    path = tmp_path / "loop.yaml"
    path.write_text("policy: l\nversion: 1\nrules:\n"
                    "  - {id: a, description: d, policy: p, action: hide, when: {rule: b}}\n"
                    "  - {id: b, description: d, policy: p, action: hide, when: {rule: c}}\n"
                    "  - {id: c, description: d, policy: p, action: hide, when: {rule: a}}\n")
    with pytest.raises(FileError, match="loop: a → b → c → a") as err:
        load_policy_set([path])
    assert err.value.line == 4


@pytest.mark.parametrize(("pattern", "ok"), [
    (r"\bi (?:will|ll) (?:kill|hurt) (?:you|him|her)\b", True),
    (r"\d{3}[ -]?\d{3}[ -]?\d{4}", True),
    ("(?:a{300}){300}", True),
    ("(?:(?:a{1000}){1000}){1000}", False),
    ("a{65535}" * 10, False),
    (r"[\p{L}]{100000}", True),
    (r"[\p{L}]{100001}", False),
])
def test_regex_repeat_budget(pattern: str, ok: bool):
    assert (regex_repeat_weight(pattern) <= MAX_REGEX_REPEAT) is ok


def test_regex_budget_of_the_whole_policy(tmp_path: Path):
    """Each pattern under its own budget, together over the policy's: refused, not compiled."""
    count = MAX_POLICY_REGEX_REPEAT // MAX_REGEX_REPEAT + 1
    patterns = "".join(f"  p{i}: 'x{i}a{{{MAX_REGEX_REPEAT - 10}}}'\n" for i in range(count))
    path = tmp_path / "p.yaml"
    path.write_text(f"policy: r\nversion: 1\npatterns:\n{patterns}rules: []\n")
    started = time.monotonic()
    with pytest.raises(FileError, match="patterns together") as err:
        load_policy_set([path])
    assert time.monotonic() - started < 5
    assert err.value.field == f"patterns.p{count - 1}.regex"


def test_word_list_file_not_utf8(tmp_path: Path):
    (tmp_path / "words.txt").write_bytes(b"fine\ncaf\xe9\n")
    path = tmp_path / "p.yaml"
    path.write_text("policy: w\nversion: 1\nlists:\n  w: {file: words.txt}\nrules: []\n")
    with pytest.raises(FileError, match="not UTF-8") as err:
        load_policy_set([path])
    assert (err.value.line, err.value.field) == (4, "lists.w.file")


def test_word_list_file_replaced_by_garbage_keeps_running_policy(tmp_path: Path):
    words = tmp_path / "words.txt"
    words.write_text("potholes\n")
    path = tmp_path / "p.yaml"
    path.write_text("policy: w\nversion: 1\nlists:\n  w: {file: words.txt}\nrules:\n"
                    "  - {id: w, description: d, policy: p, action: hide, when: {words: w}}\n")
    reloader = PolicyReloader(lambda: load_policy_set([path]))
    running = reloader.current.version
    words.write_bytes(b"\xff\xfe\x00")
    change = reloader.check()
    assert change is not None and change[0] == "error" and str(path) in change[1]
    assert "words.txt" in change[1] and reloader.current.version == running
    words.write_text("potholes\nbins\n")
    change = reloader.check()
    assert change is not None and change[0] == "reloaded"


# --- property tests -----------------------------------------------------------------------------
try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    given = None  # type: ignore[assignment]

if given is None:  # pragma: no cover
    @pytest.mark.skip(reason="hypothesis is not installed")
    def test_property_tests_need_hypothesis() -> None:
        pass
else:
    PROPERTY = settings(max_examples=150, deadline=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    YAMLISH = st.lists(st.one_of(
        st.sampled_from([
            "policy: ", "version: ", "rules:", "lists:", "patterns:", "settings:", "disable: ",
            "- id: ", "description: ", "when: ", "unless: ", "action: ", "hide", "tag", "tags: ",
            "all: ", "any: ", "not: ", "terms: ", "words: ", "regex: ", "detect: ", "rule: ",
            "\n", "\n  ", "\n    ", "  ", "- ", "{", "}", "[", "]", ", ", ": ", "? ", "&a ", "*a",
            "&b ", "*b", "<<: ", "!!str ", "!!binary ", "!!python/object ", "'", '"', "\\", "#",
            "---", "...", "%YAML 1.1", "~", "null", "yes", "2026-13-45", "1e999", "0x", "9" * 50,
            "\t", "\r", "\x00", "\x01", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe", "é",
            "(?:a{99}){99}", "score.threat >= ", "platform in [", "link.any", "roads",
        ]),
        st.text(max_size=8)), max_size=60).map("".join)

    def _reloader_in(directory: str) -> tuple[Path, PolicyReloader]:
        path = Path(directory) / "live.yaml"
        path.write_text(GOOD)
        return path, PolicyReloader(lambda: load_policy_set([path]))

    def _never_raises(path: Path, reloader: PolicyReloader, body: bytes) -> None:
        running = reloader.current.version
        path.write_bytes(body)
        change = reloader.check()  # must not raise, whatever the bytes
        if change is None:
            assert reloader.current.version == running
        elif change[0] == "error":
            assert str(path) in change[1] and "\n" not in change[1]
            assert reloader.current.version == running and reloader.last_error == change[1]
        else:
            assert change[0] == "reloaded" and reloader.last_error is None

    @PROPERTY
    @given(st.binary(max_size=2000))
    def test_random_bytes_never_make_check_raise(body: bytes):
        with tempfile.TemporaryDirectory() as d:
            path, reloader = _reloader_in(d)
            _never_raises(path, reloader, body)

    @PROPERTY
    @given(YAMLISH)
    def test_random_yamlish_text_never_makes_check_raise(text: str):
        with tempfile.TemporaryDirectory() as d:
            path, reloader = _reloader_in(d)
            _never_raises(path, reloader, text.encode("utf-8", "surrogatepass"))

    @PROPERTY
    @given(st.integers(0, len(GOOD)), YAMLISH)
    def test_random_yaml_spliced_into_a_good_policy_never_makes_check_raise(at: int, text: str):
        with tempfile.TemporaryDirectory() as d:
            path, reloader = _reloader_in(d)
            _never_raises(path, reloader, (GOOD[:at] + text + GOOD[at:]).encode("utf-8", "surrogatepass"))

    SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.text(max_size=12), st.sampled_from(["roads", "link.any", "roads.hide",
                                                               "platform == x", "score.threat > 0.5"]))
    KEYS = st.sampled_from(["all", "any", "not", "words", "terms", "regex", "detect", "rule",
                            "lists", "field", "min", "pattern", "x"])
    CONDITIONS = st.recursive(
        SCALARS,
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(KEYS, inner, min_size=1, max_size=2)),
        max_leaves=30)

    @PROPERTY
    @given(CONDITIONS, st.one_of(st.none(), CONDITIONS))
    def test_random_conditions_compile_or_give_a_file_error(when: object, unless: object):
        rule = {"id": "r", "description": "d", "policy": "p", "action": "hide", "when": when}
        if unless is not None:
            rule["unless"] = unless
        doc = {"policy": "t", "version": "1", "lists": {"roads": ["potholes"]},
               "rules": [{"id": "roads.hide", "description": "d", "policy": "p", "action": "tag",
                          "tags": ["x"], "when": {"words": "roads"}}, rule]}
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "p.yaml"
            path.write_text(yaml.safe_dump(doc, allow_unicode=True))
            try:
                ps = load_policy_set([path])
            except FileError as exc:
                assert exc.path == str(path)
            else:
                ps.evaluate(comment("potholes https://bit.ly/x"))
