"""Load and validate the knowledge base directory, reporting every problem at once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Commentator, OutsidersFile, PollsFile, Slug, SourcesFile, TopicsFile, Vocabulary
from bot.knowledge.names import name_words
from bot.knowledge.words import words_of
from bot.knowledge.yamlfile import UnreadableFile, read_yaml, resolve_inside

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

MAX_FEATURED = 3

_SLUG: TypeAdapter[str] = TypeAdapter(Slug)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the knowledge base: where it is, and why."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.reason}"


class KnowledgeError(Exception):
    """The knowledge base is invalid; ``problems`` lists everything found."""

    def __init__(self, directory: Path, problems: list[Problem]) -> None:
        self.directory = directory
        self.problems = sorted(problems)
        super().__init__(self.report())

    def report(self) -> str:
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"knowledge base {_printable(str(self.directory))} is invalid ({len(self.problems)} {noun}):"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


def default_knowledge_dir() -> Path:
    """The knowledge base shipped with the package, or the checkout's ``knowledge/`` folder."""
    packaged = Path(str(resources.files("bot") / "_knowledge"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "knowledge"


def _printable(text: str) -> str:
    """``text`` with control, bidi and other invisible characters escaped, so a report cannot rewrite a terminal."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def _yaml_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


class _Reader:
    """Reads the folder's files, collecting every problem instead of stopping at the first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[Problem] = []

    def problem(self, file: Path | str, path: str, reason: str) -> None:
        name = file.relative_to(self.directory).as_posix() if isinstance(file, Path) else file
        self.problems.append(Problem(_printable(name), _printable(path), _printable(reason)))

    def load(self, file: Path, *, optional: bool = False) -> dict[str, Any] | None:
        """The mapping in ``file``, or None once the reason is recorded (an absent optional file has none)."""
        if optional and not (file.exists() or file.is_symlink()):
            return None
        try:
            data = read_yaml(file, self.directory)
        except UnreadableFile as exc:
            self.problem(file, exc.where, exc.reason)
            return None
        if not isinstance(data, dict):
            self.problem(file, "", "expected a mapping at the top level")
            return None
        return data

    def commentator_files(self) -> list[Path]:
        folder = self.directory / "commentators"
        try:
            real = resolve_inside(folder, self.directory)
        except UnreadableFile as exc:
            self.problem("commentators/", "", exc.reason)
            return []
        files = sorted(folder.glob("*.yaml")) if real.is_dir() else []
        if not files:
            self.problem("commentators/", "", "no commentator files (*.yaml)")
        return files

    def validate(self, file: Path | str, data: dict[str, Any] | None, model: type[M]) -> M | None:
        if data is None:
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                reason = str(error["msg"]).removeprefix("Value error, ")
                if error["type"] == "missing":
                    reason = "missing required field"
                elif error["type"] == "extra_forbidden":
                    reason = "unknown field"
                self.problem(file, _yaml_path(error["loc"]), reason)
            return None


def load_knowledge(directory: Path | None = None) -> KnowledgeBase:
    """Read ``directory`` (default: :func:`default_knowledge_dir`) and check every reference.

    Every file is read through :func:`~bot.knowledge.yamlfile.read_yaml`, so nothing outside the folder is read.
    A file whose shape is wrong still has its well-formed references checked, so one report lists everything.

    Raises:
        KnowledgeError: listing every problem with its file, YAML path and reason.
    """
    directory = directory or default_knowledge_dir()
    with suppress(OSError, RuntimeError):  # a symlink loop, reported below as "not a directory"
        directory = directory.resolve()
    if not directory.is_dir():
        raise KnowledgeError(directory, [Problem(_printable(str(directory)), "", "not a directory")])
    reader = _Reader(directory)
    raw = {name: reader.load(directory / name) for name in ("topics.yaml", "sources.yaml", "polls.yaml")}
    raw |= {name: reader.load(directory / name, optional=True) for name in ("outsiders.yaml", "vocabulary.yaml")}
    people = {file: reader.load(file) for file in reader.commentator_files()}

    topics_file = reader.validate("topics.yaml", raw["topics.yaml"], TopicsFile)
    sources_file = reader.validate("sources.yaml", raw["sources.yaml"], SourcesFile)
    polls_file = reader.validate("polls.yaml", raw["polls.yaml"], PollsFile)
    outsiders_file = reader.validate("outsiders.yaml", raw["outsiders.yaml"], OutsidersFile)
    vocabulary = reader.validate("vocabulary.yaml", raw["vocabulary.yaml"], Vocabulary)
    commentators = [(file, c) for file, data in people.items() if (c := reader.validate(file, data, Commentator))]

    known = _KnownIds(
        topics=_ids(reader, "topics.yaml", raw["topics.yaml"], "topics", "topic"),
        sources=_ids(reader, "sources.yaml", raw["sources.yaml"], "sources", "source"),
        options=_poll_options(reader, raw["polls.yaml"]),
    )
    claim_owner: dict[str, str] = {}
    first_file: dict[str, Path] = {}
    for file, data in people.items():
        if data is not None:
            _check_commentator_id(reader, file, data, first_file)
            _check_references(reader, file, data, known, claim_owner)
    for file, commentator in commentators:
        if sum(claim.featured for claim in commentator.claims) > MAX_FEATURED:
            reader.problem(file, "claims", f"at most {MAX_FEATURED} claims may be featured")
    _check_names_unique(reader, commentators, outsiders_file)
    if vocabulary is not None and topics_file is not None and commentators and len(commentators) == len(people):
        # Only with every commentator read: a word of an unreadable file is not "nowhere".
        _check_vocabulary(reader, vocabulary, topics_file, [c for _, c in commentators])

    if reader.problems or not (topics_file and sources_file and polls_file):
        raise KnowledgeError(directory, reader.problems)
    kb = KnowledgeBase(
        topics={t.id: t for t in topics_file.topics},
        sources={s.id: s for s in sources_file.sources},
        presets={p.id: p for p in polls_file.presets},
        commentators={c.id: c for _, c in commentators},
        outsiders=outsiders_file.people if outsiders_file else (),
        vocabulary=vocabulary or Vocabulary(),
    )
    logger.debug("knowledge base %s: %d commentators, %d claims", directory, len(kb.commentators), len(kb.claims))
    return kb


# --- references, checked on the raw data so a file with a wrong shape still has them checked ----------------


@dataclass(frozen=True)
class _KnownIds:
    topics: set[str]
    sources: set[str]
    options: dict[str, set[str]]
    """Poll preset id → its option ids."""


def _slug(value: object) -> str | None:
    """``value`` as an id if it is a well-formed one; a malformed id is left to the shape check to report."""
    try:
        return _SLUG.validate_python(value)
    except ValidationError:
        return None


def _entries(data: object, key: str) -> list[tuple[int, dict[str, Any]]]:
    """The mappings in the list ``data[key]``, with their index; anything else is the shape check's to report."""
    items = data.get(key) if isinstance(data, dict) else None
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)] if isinstance(items, list) else []


def _mapping(data: dict[str, Any], key: str) -> dict[Any, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _ids(reader: _Reader, file: str, data: object, key: str, what: str, at: str = "") -> set[str]:
    """The well-formed ids of the entries in ``data[key]`` (at YAML path ``at``), reporting any used twice."""
    seen: dict[str, str] = {}
    for i, entry in _entries(data, key):
        path = f"{at}{key}[{i}].id"
        if (ident := _slug(entry.get("id"))) is None:
            continue
        if ident in seen:
            reader.problem(file, path, f"duplicate {what} id {ident!r} (first at {seen[ident]})")
        seen.setdefault(ident, path)
    return set(seen)


def _poll_options(reader: _Reader, data: object) -> dict[str, set[str]]:
    _ids(reader, "polls.yaml", data, "presets", "preset")
    options: dict[str, set[str]] = {}
    for i, preset in _entries(data, "presets"):
        found = _ids(reader, "polls.yaml", preset, "options", "option", at=f"presets[{i}].")
        if (ident := _slug(preset.get("id"))) is not None:
            options.setdefault(ident, found)
    return options


def _check_commentator_id(reader: _Reader, file: Path, data: dict[str, Any], first_file: dict[str, Path]) -> None:
    if (ident := _slug(data.get("id"))) is None:
        return
    if ident != file.stem:
        reader.problem(file, "id", f"id {ident!r} does not match the file name {file.name!r}")
    if ident in first_file:
        reader.problem(file, "id", f"duplicate commentator id {ident!r} (also in {first_file[ident].name})")
    first_file.setdefault(ident, file)


def _check_references(
    reader: _Reader, file: Path, data: dict[str, Any], known: _KnownIds, claim_owner: dict[str, str]
) -> None:
    """Every well-formed topic, source, preset, option and claim id the file names must exist."""
    for key in _mapping(data, "positions"):
        if (topic := _slug(key)) is not None and topic not in known.topics:
            reader.problem(file, f"positions.{key}", f"unknown topic {topic!r}")
    claims = _entries(data, "claims")
    own_claims = {ident for _, claim in claims if (ident := _slug(claim.get("id"))) is not None}
    for i, claim in claims:
        if (claim_id := _slug(claim.get("id"))) in claim_owner:
            reader.problem(
                file, f"claims[{i}].id", f"duplicate claim id {claim_id!r} (also in {claim_owner[claim_id]})"
            )
        if claim_id is not None:
            claim_owner.setdefault(claim_id, file.name)
        topics = claim.get("topics")
        for j, value in enumerate(topics if isinstance(topics, list) else ()):
            if (topic := _slug(value)) is not None and topic not in known.topics:
                reader.problem(file, f"claims[{i}].topics[{j}]", f"unknown topic {topic!r}")
        if (source := _slug(claim.get("source"))) is not None and source not in known.sources:
            reader.problem(file, f"claims[{i}].source", f"unknown source {source!r}")
    for key, lean in _mapping(data, "leans").items():
        if (preset := _slug(key)) is None or not isinstance(lean, dict):
            continue
        option, claim_id = _slug(lean.get("option")), _slug(lean.get("claim"))
        if preset not in known.options:
            reader.problem(file, f"leans.{key}", f"unknown poll preset {preset!r}")
        elif option is not None and option not in known.options[preset]:
            reader.problem(file, f"leans.{key}.option", f"unknown option {option!r} of poll {preset!r}")
        if claim_id is not None and claim_id not in own_claims:
            reader.problem(file, f"leans.{key}.claim", f"unknown claim {claim_id!r} (not one of this file's claims)")


def _check_names_unique(
    reader: _Reader, commentators: list[tuple[Path, Commentator]], outsiders: OutsidersFile | None
) -> None:
    """A name or alias may point to one person only, or ``/whosays`` would answer for the wrong one."""
    owner: dict[str, str] = {}
    for file, commentator in commentators:
        forms = [("id", commentator.id), ("name", commentator.name)]
        forms += [(f"aliases[{i}]", alias) for i, alias in enumerate(commentator.aliases)]
        for path, form in forms:
            key = "".join(name_words(form))
            if key in owner and owner[key] != commentator.id:
                reader.problem(file, path, f"{form!r} also names {owner[key]!r}; a name must point to one person")
            owner.setdefault(key, commentator.id)
    for i, person in enumerate(outsiders.people if outsiders else ()):
        for key in person.keys:
            if key in owner:
                reader.problem(
                    "outsiders.yaml", f"people[{i}]", f"{person.name!r} shares the name {key!r} with {owner[key]!r}"
                )


def _check_vocabulary(
    reader: _Reader, vocabulary: Vocabulary, topics: TopicsFile, commentators: list[Commentator]
) -> None:
    """Each equivalent must lead to a word the knowledge base uses, or it would find nothing."""
    texts = [s for t in topics.topics for s in (t.label, *t.synonyms)]
    for person in commentators:
        texts += [*person.positions.values(), *(lean.rationale for lean in person.leans.values())]
        texts += [s for claim in person.claims for s in (claim.text, *claim.keywords, *claim.questions)]
    known = {word for text in texts for word in words_of(text)}
    for word, meaning in vocabulary.equivalents.items():
        if meaning not in known:
            reader.problem(
                "vocabulary.yaml", f"equivalents.{word}", f"{meaning!r} occurs nowhere in the knowledge base"
            )
