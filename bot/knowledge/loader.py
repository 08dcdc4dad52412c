"""Load and validate the knowledge base directory, reporting every problem at once."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Commentator, OutsidersFile, PollsFile, SourcesFile, TopicsFile, Vocabulary
from bot.knowledge.names import name_words
from bot.knowledge.words import words_of

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

MAX_FEATURED = 3


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
        lines = [f"knowledge base {self.directory} is invalid ({len(self.problems)} {noun}):"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def default_knowledge_dir() -> Path:
    """The knowledge base shipped with the package, or the checkout's ``knowledge/`` folder."""
    packaged = Path(str(resources.files("bot") / "_knowledge"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "knowledge"


def _yaml_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


class _Reader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[Problem] = []

    def problem(self, file: Path | str, path: str, reason: str) -> None:
        name = file.relative_to(self.directory).as_posix() if isinstance(file, Path) else file
        self.problems.append(Problem(name, path, reason))

    def read(self, file: Path, model: type[M]) -> M | None:
        if not file.is_file():
            self.problem(file, "", "file is missing")
            return None
        try:
            data: Any = yaml.load(file.read_text(encoding="utf-8"), Loader=_StrictLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            if isinstance(exc, yaml.reader.ReaderError):
                where = f"character {exc.position + 1}"
            reason = getattr(exc, "problem", None) or str(exc)
            self.problem(file, where, f"malformed YAML: {reason}")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(file, "", f"cannot read file: {exc}")
            return None
        if not isinstance(data, dict):
            self.problem(file, "", "expected a mapping at the top level")
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


def _duplicates(reader: _Reader, file: Path | str, ids: Iterable[tuple[str, str]], what: str) -> None:
    seen: dict[str, str] = {}
    for path, ident in ids:
        if ident in seen:
            reader.problem(file, path, f"duplicate {what} id {ident!r} (first at {seen[ident]})")
        else:
            seen[ident] = path


def load_knowledge(directory: Path | None = None) -> KnowledgeBase:
    """Read ``directory`` (default: :func:`default_knowledge_dir`) and check every reference.

    Raises:
        KnowledgeError: listing every problem with its file, YAML path and reason.
    """
    directory = (directory or default_knowledge_dir()).resolve()
    reader = _Reader(directory)
    if not directory.is_dir():
        raise KnowledgeError(directory, [Problem(str(directory), "", "not a directory")])

    topics_file = reader.read(directory / "topics.yaml", TopicsFile)
    sources_file = reader.read(directory / "sources.yaml", SourcesFile)
    polls_file = reader.read(directory / "polls.yaml", PollsFile)
    outsiders_file = (
        reader.read(directory / "outsiders.yaml", OutsidersFile) if (directory / "outsiders.yaml").exists() else None
    )
    vocabulary_path = directory / "vocabulary.yaml"  # optional
    vocabulary = reader.read(vocabulary_path, Vocabulary) if vocabulary_path.exists() else None
    commentator_files = sorted((directory / "commentators").glob("*.yaml"))
    if not commentator_files:
        reader.problem("commentators/", "", "no commentator files (*.yaml)")
    commentators: list[tuple[Path, Commentator]] = []
    for file in commentator_files:
        commentator = reader.read(file, Commentator)
        if commentator is not None:
            commentators.append((file, commentator))

    topics = {t.id: t for t in topics_file.topics} if topics_file else {}
    sources = {s.id: s for s in sources_file.sources} if sources_file else {}
    presets = {p.id: p for p in polls_file.presets} if polls_file else {}
    if topics_file:
        _duplicates(
            reader, "topics.yaml", ((f"topics[{i}].id", t.id) for i, t in enumerate(topics_file.topics)), "topic"
        )
    if sources_file:
        pairs = ((f"sources[{i}].id", s.id) for i, s in enumerate(sources_file.sources))
        _duplicates(reader, "sources.yaml", pairs, "source")
    if polls_file:
        _duplicates(
            reader, "polls.yaml", ((f"presets[{i}].id", p.id) for i, p in enumerate(polls_file.presets)), "preset"
        )
        for i, preset in enumerate(polls_file.presets):
            pairs = ((f"presets[{i}].options[{j}].id", o.id) for j, o in enumerate(preset.options))
            _duplicates(reader, "polls.yaml", pairs, "option")

    claim_owner: dict[str, str] = {}
    for file, commentator in commentators:
        _check_commentator(reader, file, commentator, topics, sources, presets, claim_owner)
    _check_names_unique(reader, commentators, outsiders_file)
    if vocabulary is not None and topics_file is not None:
        _check_vocabulary(reader, vocabulary, topics_file, [c for _, c in commentators])
    first_file: dict[str, Path] = {}
    for file, commentator in commentators:
        if commentator.id in first_file:
            reader.problem(
                file, "id", f"duplicate commentator id {commentator.id!r} (also in {first_file[commentator.id].name})"
            )
        first_file.setdefault(commentator.id, file)

    if reader.problems:
        raise KnowledgeError(directory, reader.problems)
    kb = KnowledgeBase(
        topics=topics,
        sources=sources,
        presets=presets,
        commentators={c.id: c for _, c in commentators},
        outsiders=outsiders_file.people if outsiders_file else (),
        vocabulary=vocabulary or Vocabulary(),
    )
    logger.debug("knowledge base %s: %d commentators, %d claims", directory, len(kb.commentators), len(kb.claims))
    return kb


def _check_commentator(
    reader: _Reader,
    file: Path,
    commentator: Commentator,
    topics: Mapping[str, object],
    sources: Mapping[str, object],
    presets: Mapping[str, Any],
    claim_owner: dict[str, str],
) -> None:
    if commentator.id != file.stem:
        reader.problem(file, "id", f"id {commentator.id!r} does not match the file name {file.name!r}")
    for topic in commentator.positions:
        if topic not in topics:
            reader.problem(file, f"positions.{topic}", f"unknown topic {topic!r}")
    claim_ids = {claim.id for claim in commentator.claims}
    for i, claim in enumerate(commentator.claims):
        if claim.id in claim_owner:
            reader.problem(
                file, f"claims[{i}].id", f"duplicate claim id {claim.id!r} (also in {claim_owner[claim.id]})"
            )
        claim_owner.setdefault(claim.id, file.name)
        for j, topic in enumerate(claim.topics):
            if topic not in topics:
                reader.problem(file, f"claims[{i}].topics[{j}]", f"unknown topic {topic!r}")
        if claim.source not in sources:
            reader.problem(file, f"claims[{i}].source", f"unknown source {claim.source!r}")
    if sum(claim.featured for claim in commentator.claims) > MAX_FEATURED:
        reader.problem(file, "claims", f"at most {MAX_FEATURED} claims may be featured")
    for preset_id, lean in commentator.leans.items():
        preset = presets.get(preset_id)
        if preset is None:
            reader.problem(file, f"leans.{preset_id}", f"unknown poll preset {preset_id!r}")
        elif lean.option not in {option.id for option in preset.options}:
            reader.problem(file, f"leans.{preset_id}.option", f"unknown option {lean.option!r} of poll {preset_id!r}")
        if lean.claim not in claim_ids:
            reader.problem(
                file, f"leans.{preset_id}.claim", f"unknown claim {lean.claim!r} (not one of this file's claims)"
            )


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
