"""Load one YAML file defensively, keeping line numbers.

Snippet files come from many hands (editors, imports, pull requests), so the loader must
turn every hostile or broken file into a specific, located problem: never a traceback,
never a hang, never unbounded memory. It also remembers the line of every mapping key,
so that later checks can point at ``path:line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.i18n import gettext, number

try:  # libyaml's parser is ~10x faster; the constructor below stays in Python.
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32


@dataclass(frozen=True)
class LoadProblem:
    """Why a file could not be read as YAML: a lint rule code, a line and a message."""

    code: str
    line: int
    message: str


class LineDict(dict):
    """A mapping that remembers the 1-based line of each of its keys (and of itself)."""

    line: int = 1
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Refused(Exception):
    def __init__(self, problem: LoadProblem):
        super().__init__(problem.message)
        self.problem = problem


class _Loader(_BaseLoader):
    """SafeLoader that records key lines and refuses aliases and deep nesting."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _Refused(
                LoadProblem(
                    "KB007",
                    node.start_mark.line + 1,
                    gettext("YAML anchors and aliases (&name, *name) are not allowed; write the value out in full"),
                )
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(_too_deep(node.start_mark.line + 1))
            return super().construct_object(node, deep=True)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                raise _Refused(
                    LoadProblem("KB001", key_node.start_mark.line + 1, gettext("a mapping key must be plain text"))
                )
            if key in mapping:
                raise _Refused(
                    LoadProblem(
                        "KB001",
                        key_node.start_mark.line + 1,
                        gettext("key %(key)s appears twice in the same mapping; keep one") % {"key": repr(key)},
                    )
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[str(key)] = key_node.start_mark.line + 1
        return mapping


def _mapping_constructor(loader: _Loader, node):
    return loader.construct_mapping(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping_constructor)


def _too_deep(line: int) -> LoadProblem:
    return LoadProblem("KB008", line, gettext("nesting deeper than %(max)d levels; a snippet needs at most %(needed)d")
                       % {"max": MAX_DEPTH, "needed": 4})


_TAB_INDENT = re.compile(r"^ *\t", re.MULTILINE)
_ALIAS = re.compile(r"(?<![\w&*])\*[A-Za-z0-9_-]+")


BOM = b"\xef\xbb\xbf"


def normalised(raw: bytes) -> bytes:
    """*raw* without a byte-order mark and with LF line endings: what ``kb lint --fix`` writes."""
    return raw.removeprefix(BOM).replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _notes(raw: bytes) -> list[LoadProblem]:
    """What Notepad writes and YAML allows, read all the same: a byte-order mark, CRLF or CR."""
    notes = []
    if raw.startswith(BOM):
        notes.append(LoadProblem("KB003", 1, gettext("file starts with a byte-order mark (BOM); it was read all the "
                                                     "same, and `kb lint --fix` removes it")))
    if b"\r" in raw:
        line = raw[: raw.index(b"\r")].count(b"\n") + 1
        notes.append(LoadProblem("KB004", line, gettext("Windows (CRLF) or CR line endings; they were read all the "
                                                        "same, and `kb lint --fix` changes them to LF")))
    return notes


def _precheck(raw: bytes) -> tuple[str | None, LoadProblem | None]:
    """Reject what must never reach the parser; return the decoded text otherwise (with a
    byte-order mark and CR line ends taken away: :func:`_notes` says so)."""
    if len(raw) > MAX_FILE_BYTES:
        return None, LoadProblem(
            "KB006", 1, gettext("file is %(size)s bytes; the limit is %(limit)s. Split it into several snippets")
            % {"size": number(len(raw)), "limit": number(MAX_FILE_BYTES)}
        )
    raw = normalised(raw)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, LoadProblem("KB002", line, gettext("file contains NUL bytes: it is binary, not a YAML text file"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, LoadProblem(
            "KB002", line, gettext("not valid UTF-8 (byte %(byte)s); save the file as UTF-8") % {"byte": f"0x{raw[exc.start]:02x}"}
        )
    tab = _TAB_INDENT.search(text)
    if tab:
        line = text[: tab.start()].count("\n") + 1
        return None, LoadProblem("KB005", line, gettext("a tab is used for indentation; YAML needs spaces"))
    depth = max_flow_depth(text)
    if depth > MAX_DEPTH:
        return None, _too_deep(1)
    return text, None


def max_flow_depth(text: str) -> int:
    """Deepest bracket nesting, counted cheaply before the recursive C parser sees it."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    # Block nesting: every level needs at least one more column of indentation.
    indent = max((len(line) - len(line.lstrip(" ")) for line in text.splitlines()), default=0)
    return max(deepest, indent // 2)


def load_yaml_text(text: str) -> tuple[object, LoadProblem | None]:
    """Parse already-decoded YAML text; the result's mappings are :class:`LineDict`."""
    loader = _Loader(text)
    try:
        return loader.get_single_data(), None
    except _Refused as refused:
        if refused.problem.code == "KB007":  # point at the alias, not the anchor it repeats
            alias = _ALIAS.search(text)
            if alias:
                line = text[: alias.start()].count("\n") + 1
                return None, LoadProblem("KB007", line, refused.problem.message)
        return None, refused.problem
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        what = exc.problem or exc.context or gettext("invalid YAML")  # PyYAML's own words are English
        return None, LoadProblem("KB001", line, gettext("YAML syntax error at column %(column)d: %(problem)s")
                                 % {"column": column, "problem": what})
    except yaml.YAMLError as exc:
        return None, LoadProblem("KB001", 1, gettext("YAML error: %(error)s") % {"error": exc})
    except RecursionError:
        return None, _too_deep(1)
    finally:
        loader.dispose()


def load_yaml_file(path: Path) -> tuple[object, LoadProblem | None]:
    """Read and parse *path*, refusing oversized, binary, mis-encoded or hostile files."""
    data, problem, _notes_ = load_yaml_file_noted(path)
    return data, problem


def load_yaml_file_noted(path: Path) -> tuple[object, LoadProblem | None, list[LoadProblem]]:
    """:func:`load_yaml_file`, and the warnings about how the file is saved (KB003, KB004)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, LoadProblem("KB002", 1, gettext("cannot read file: %(reason)s") % {"reason": exc.strerror}), []
    text, problem = _precheck(raw)
    if problem:
        return None, problem, []
    data, problem = load_yaml_text(text)
    return data, problem, _notes(raw)
