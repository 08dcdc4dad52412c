"""Read one knowledge file as YAML, refusing anything that could crash the loader or read outside the folder.

A knowledge folder may come from someone else (a pull request, a download), so a file is read only when it
resolves inside the folder, is a regular file of at most :data:`MAX_BYTES`, nests at most :data:`MAX_DEPTH`
levels, uses plain keys, each once, and holds no control characters. Anything else is an
:class:`UnreadableFile` naming where and why.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import yaml

MAX_BYTES = 1024 * 1024
"""The largest knowledge file read (the biggest shipped one is about 16 KB)."""

MAX_DEPTH = 32
"""How deeply lists and mappings may nest (the shipped files use 5 levels)."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_BINARY_TAG = "tag:yaml.org,2002:binary"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (tab and newline aside) and bidi controls: they rewrite a terminal or disguise text."""


class UnreadableFile(Exception):
    """The file cannot be used: ``where`` in it (``line 3, column 5`` or empty) and ``reason``."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.where = where
        self.reason = reason


def resolve_inside(path: Path, root: Path) -> Path:
    """``path`` with every link followed, provided it stays inside ``root`` (itself already resolved).

    Raises:
        UnreadableFile: the path leads outside ``root``, or its links form a loop.
    """
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        raise UnreadableFile("", "cannot read file: its links form a loop") from None
    if not real.is_relative_to(root):
        raise UnreadableFile("", "links outside the knowledge folder; refused")
    return real


def read_yaml(path: Path, root: Path) -> Any:
    """The data in the YAML file ``path``, which must lie inside the folder ``root``.

    Raises:
        UnreadableFile: the file is missing, outside ``root``, too large, not UTF-8, or not usable YAML.
    """
    real = resolve_inside(path, root)
    if not real.exists():
        raise UnreadableFile("", "file is missing")
    if not real.is_file():
        raise UnreadableFile("", "not a regular file")
    try:
        with real.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UnreadableFile("", f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        limit = f"{MAX_BYTES // 2**20} MiB" if MAX_BYTES % 2**20 == 0 else f"{MAX_BYTES:,} bytes"
        raise UnreadableFile("", f"larger than {limit}; refused")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"byte {exc.start + 1}", "cannot read file: not UTF-8 text") from None
    return _parse(text)


def _parse(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.reader.ReaderError as exc:
        where, reason = f"character {exc.position + 1}", f"character U+{exc.character:04X} is not allowed"
        raise UnreadableFile(where, f"malformed YAML: {reason}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UnreadableFile(where, f"malformed YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise UnreadableFile("", f"malformed YAML: {exc}") from None
    # The loader below prevents these; they stay caught so no input can ever end in a traceback.
    except RecursionError:
        raise UnreadableFile("", f"malformed YAML: nested more than {MAX_DEPTH} levels deep") from None
    except TypeError as exc:
        raise UnreadableFile("", f"malformed YAML: {exc}") from None
    except MemoryError:
        raise UnreadableFile("", "too large to read") from None


def _refuse_binary(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(None, None, "binary values (!!binary) are not supported", node.start_mark)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses deep nesting, non-scalar, merged or duplicate keys, and control characters."""

    # ``!!binary`` would let bytes (which pydantic decodes into text) past the control-character check.
    yaml_constructors: ClassVar[dict[Any, Any]] = {**yaml.SafeLoader.yaml_constructors, _BINARY_TAG: _refuse_binary}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_scalar(self, node: yaml.ScalarNode | yaml.MappingNode) -> str:
        value = super().construct_scalar(node)
        if found := _CONTROL.search(value):
            reason = f"control character U+{ord(found.group()):04X} in a value; remove it"
            raise yaml.constructor.ConstructorError(None, None, reason, node.start_mark)
        return value

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                reason = "merge keys (<<) are not supported; write the fields out"
                raise yaml.constructor.ConstructorError(None, None, reason, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                reason = "a key must be a plain value, not a list or mapping"
                raise yaml.constructor.ConstructorError(None, None, reason, key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
