"""The knowledge base loader: the shipped files load, and every kind of damage is reported precisely."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import KnowledgeError, Problem, default_knowledge_dir, load_knowledge
from bot.knowledge.names import NameIndex
from bot.knowledge.search import ClaimSearch
from bot.knowledge.yamlfile import MAX_BYTES

SHIPPED = default_knowledge_dir()
EXPECTED_IDS = {"ng", "lecun", "wang", "sacks", "lee"}


# --- helpers --------------------------------------------------------------------------------------


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge base, to damage."""
    target = tmp_path / "knowledge"
    shutil.copytree(SHIPPED, target)
    return target


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_yaml(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def edit(directory: Path, relative: str, change: Callable[[Any], None]) -> None:
    """Load ``relative`` as YAML, let ``change`` mutate it, and write it back."""
    path = directory / relative
    data = read_yaml(path)
    change(data)
    write_yaml(path, data)


def problems_of(directory: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    assert info.value.problems, "a KnowledgeError must list at least one problem"
    return info.value.problems


def find_problem(problems: list[Problem], file: str, path: str, reason: str) -> Problem:
    hits = [p for p in problems if p.file == file and p.path == path and reason in p.reason]
    listing = "\n".join(f"  {p.file!r} {p.path!r} {p.reason!r}" for p in problems)
    assert hits, f"expected a problem {file!r} {path!r} '...{reason}...' among:\n{listing}"
    return hits[0]


def line_of(path: Path, text: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line equal to ``text``."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line == text:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{text!r} not found {occurrence} times in {path}")


# --- the shipped knowledge base -------------------------------------------------------------------


def test_shipped_kb_has_the_five_commentators(kb: KnowledgeBase) -> None:
    assert set(kb.commentators) == EXPECTED_IDS
    for ident, commentator in kb.commentators.items():
        assert commentator.id == ident
        assert commentator.name.strip()
        assert commentator.claims


@pytest.mark.parametrize("ident", ["ng", "lecun", "wang", "sacks"])
def test_shipped_claims_of_article_summaries_are_paraphrases(kb: KnowledgeBase, ident: str) -> None:
    kinds = {claim.id: claim.kind for claim in kb.commentators[ident].claims}
    assert kinds
    assert set(kinds.values()) == {"paraphrase"}, kinds


def test_shipped_lee_has_quotes(kb: KnowledgeBase) -> None:
    quotes = [claim for claim in kb.commentators["lee"].claims if claim.kind == "quote"]
    assert quotes


def test_shipped_leans_point_at_real_options_and_own_claims(kb: KnowledgeBase) -> None:
    checked = 0
    for commentator in kb.commentators.values():
        for preset_id, lean in commentator.leans.items():
            assert preset_id in kb.presets, (commentator.id, preset_id)
            assert lean.option in {o.id for o in kb.presets[preset_id].options}, (commentator.id, lean.option)
            assert lean.claim in kb.claims, (commentator.id, lean.claim)
            assert kb.claims[lean.claim].commentator.id == commentator.id, (commentator.id, lean.claim)
            checked += 1
    assert checked >= len(EXPECTED_IDS)


def test_shipped_claims_reference_known_topics_and_sources(kb: KnowledgeBase) -> None:
    for cited in kb.claims.values():
        assert set(cited.claim.topics) <= set(kb.topics), cited.claim.id
        assert cited.claim.source in kb.sources, cited.claim.id


def test_an_untouched_copy_loads_like_the_original(kb_copy: Path, kb: KnowledgeBase) -> None:
    copy = load_knowledge(kb_copy)
    assert set(copy.commentators) == set(kb.commentators)
    assert list(copy.claims) == list(kb.claims)


# --- one kind of damage at a time -----------------------------------------------------------------


DAMAGE: list[Any] = [
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d.pop("summary"),
        "summary",
        "missing",
        id="missing-field",
    ),
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d["claims"][0].__setitem__("topics", ["astrology", *d["claims"][0]["topics"]]),
        "claims[0].topics[0]",
        "unknown topic 'astrology'",
        id="unknown-topic-in-claim",
    ),
    pytest.param(
        "commentators/ng.yaml",
        lambda d: d["positions"].__setitem__("astrology", "Stars decide."),
        "positions.astrology",
        "unknown topic 'astrology'",
        id="unknown-topic-in-positions",
    ),
    pytest.param(
        "commentators/ng.yaml",
        lambda d: d["claims"][2].__setitem__("source", "a-blog-nobody-wrote"),
        "claims[2].source",
        "unknown source 'a-blog-nobody-wrote'",
        id="unknown-source",
    ),
    pytest.param(
        "commentators/wang.yaml",
        lambda d: d["leans"]["whos-losing"].__setitem__("option", "mars"),
        "leans.whos-losing.option",
        "unknown option 'mars'",
        id="unknown-lean-option",
    ),
    pytest.param(
        "commentators/sacks.yaml",
        lambda d: d["leans"]["whos-losing"].__setitem__("claim", "sacks-never-said-this"),
        "leans.whos-losing.claim",
        "unknown claim 'sacks-never-said-this'",
        id="unknown-lean-claim",
    ),
    pytest.param(
        "commentators/sacks.yaml",
        lambda d: d["leans"]["whos-losing"].__setitem__("claim", "lecun-rising-tide"),
        "leans.whos-losing.claim",
        "unknown claim 'lecun-rising-tide'",
        id="lean-claim-of-another-person",
    ),
    pytest.param(
        "commentators/lee.yaml",
        lambda d: d.__setitem__("leans", {"who-wins": d["leans"]["whos-losing"]}),
        "leans.who-wins",
        "unknown poll preset 'who-wins'",
        id="unknown-poll-preset",
    ),
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d["claims"][1].__setitem__("text", ""),
        "claims[1].text",
        "at least 1 character",
        id="empty-text",
    ),
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d["claims"][1].__setitem__("text", "   "),
        "claims[1].text",
        "at least 1 character",
        id="blank-text",
    ),
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d["claims"][0].__setitem__("text", "word " * 80 + "x"),  # 401 characters
        "claims[0].text",
        "at most 400 characters",
        id="over-long-claim-text",
    ),
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d.__setitem__("id", "yann"),
        "id",
        "does not match the file name 'lecun.yaml'",
        id="id-not-file-name",
    ),
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d.__setitem__("twitter", "@ylecun"),
        "twitter",
        "unknown field",
        id="unknown-top-level-field",
    ),
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d["claims"][3].__setitem__("url", "https://example.invalid/"),
        "claims[3].url",
        "unknown field",
        id="unknown-claim-field",
    ),
    pytest.param(
        "commentators/lecun.yaml",
        lambda d: d["claims"][0].__setitem__("kind", "rumour"),
        "claims[0].kind",
        "'quote' or 'paraphrase'",
        id="unknown-claim-kind",
    ),
    pytest.param(
        "polls.yaml",
        lambda d: d["presets"][0]["options"].append(dict(d["presets"][0]["options"][0])),
        "presets[0].options[4].id",
        "duplicate option id 'usa'",
        id="duplicate-poll-option",
    ),
    pytest.param(
        "sources.yaml",
        lambda d: d["sources"][0].pop("title"),
        "sources[0].title",
        "missing",
        id="missing-source-title",
    ),
]


@pytest.mark.parametrize(("file", "damage", "path", "reason"), DAMAGE)
def test_each_kind_of_damage_is_reported_with_file_path_and_reason(
    kb_copy: Path, file: str, damage: Callable[[Any], None], path: str, reason: str
) -> None:
    edit(kb_copy, file, damage)
    problems = problems_of(kb_copy)
    find_problem(problems, file, path, reason)


def test_a_claim_text_of_exactly_400_characters_is_accepted(kb_copy: Path) -> None:
    text = "word " * 79 + "wordy"
    assert len(text) == 400
    edit(kb_copy, "commentators/lecun.yaml", lambda d: d["claims"][0].__setitem__("text", text))
    claim_id = read_yaml(kb_copy / "commentators/lecun.yaml")["claims"][0]["id"]
    assert load_knowledge(kb_copy).claims[claim_id].claim.text == text


def test_duplicate_claim_id_across_two_files(kb_copy: Path) -> None:
    stolen = read_yaml(kb_copy / "commentators/lecun.yaml")["claims"][3]["id"]
    edit(kb_copy, "commentators/ng.yaml", lambda d: d["claims"][0].__setitem__("id", stolen))
    problem = find_problem(problems_of(kb_copy), "commentators/ng.yaml", "claims[0].id", "duplicate claim id")
    assert repr(stolen) in problem.reason
    assert "lecun.yaml" in problem.reason


def test_duplicate_topic_id(kb_copy: Path) -> None:
    def add_twin(data: Any) -> None:
        data["topics"].append({"id": data["topics"][2]["id"], "label": "Compute, again"})

    edit(kb_copy, "topics.yaml", add_twin)
    count = len(read_yaml(kb_copy / "topics.yaml")["topics"])
    problem = find_problem(problems_of(kb_copy), "topics.yaml", f"topics[{count - 1}].id", "duplicate topic id")
    assert "'compute'" in problem.reason
    assert "topics[2].id" in problem.reason


def test_duplicate_yaml_key_is_refused_not_silently_overwritten(kb_copy: Path) -> None:
    path = kb_copy / "commentators" / "lecun.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = lines.index("name: Yann LeCun")
    lines.insert(at + 1, "name: Someone Else")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected_line = line_of(path, "name: Someone Else")
    problems = problems_of(kb_copy)
    problem = find_problem(problems, "commentators/lecun.yaml", f"line {expected_line}, column 1", "duplicate key")
    assert "'name'" in problem.reason


def test_malformed_yaml_names_the_line(kb_copy: Path) -> None:
    path = kb_copy / "commentators" / "wang.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = lines.index("name: Alexandr Wang")
    lines.insert(at + 1, "aliases: [alexandr, wang")  # unclosed flow sequence
    lines.insert(at + 2, "broken: : :")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = problems_of(kb_copy)
    mine = [p for p in problems if p.file == "commentators/wang.yaml"]
    assert len(mine) == 1, mine
    assert mine[0].path.startswith("line "), mine[0]
    reported_line = int(mine[0].path.split(",")[0].removeprefix("line "))
    assert at + 2 <= reported_line <= at + 4, (mine[0], at)
    assert "malformed YAML" in mine[0].reason


def test_missing_file_is_reported(kb_copy: Path) -> None:
    (kb_copy / "polls.yaml").unlink()
    problems = problems_of(kb_copy)
    find_problem(problems, "polls.yaml", "", "missing")
    # The leans can no longer be checked against a preset: that is reported, not crashed on.
    find_problem(problems, "commentators/lecun.yaml", "leans.whos-losing", "unknown poll preset")


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path / "nowhere")
    assert [p.reason for p in info.value.problems] == ["not a directory"]


# --- several problems at once ---------------------------------------------------------------------


def test_every_problem_in_every_file_is_reported_at_once(kb_copy: Path) -> None:
    edit(kb_copy, "commentators/lecun.yaml", lambda d: d.pop("summary"))
    edit(kb_copy, "commentators/ng.yaml", lambda d: d["claims"][1].__setitem__("topics", ["astrology"]))
    edit(kb_copy, "commentators/sacks.yaml", lambda d: d["leans"]["whos-losing"].__setitem__("option", "mars"))
    edit(kb_copy, "topics.yaml", lambda d: d["topics"].append(dict(d["topics"][0])))

    with pytest.raises(KnowledgeError) as info:
        load_knowledge(kb_copy)
    problems = info.value.problems
    assert len(problems) >= 4
    find_problem(problems, "commentators/lecun.yaml", "summary", "missing")
    find_problem(problems, "commentators/ng.yaml", "claims[1].topics[0]", "unknown topic 'astrology'")
    find_problem(problems, "commentators/sacks.yaml", "leans.whos-losing.option", "unknown option 'mars'")
    find_problem(
        problems,
        "topics.yaml",
        f"topics[{len(read_yaml(kb_copy / 'topics.yaml')['topics']) - 1}].id",
        "duplicate topic id",
    )
    # The report (what `kb check` prints) names every one of them, with the count.
    report = info.value.report()
    assert f"({len(problems)} problems)" in report
    for problem in problems:
        assert str(problem) in report
    assert str(kb_copy.resolve()) in report


# --- growing the knowledge base -------------------------------------------------------------------

NEWPERSON = {
    "id": "newperson",
    "name": "Grace Newperson",
    "aliases": ["grace", "g newperson"],
    "summary": "As the article reports, Grace Newperson thinks the race is about photonic interconnects.",
    "positions": {"compute": "Photonic interconnects matter more than raw GPU counts."},
    "leans": {
        "whos-losing": {
            "option": "too-early",
            "claim": "newperson-photonics",
            "rationale": "Knowledge base reading: she says nothing is settled until photonics ship.",
        }
    },
    "claims": [
        {
            "id": "newperson-photonics",
            "text": "Newperson says photonic interconnects will decide which datacentres pull ahead.",
            "kind": "paraphrase",
            "topics": ["compute"],
            "source": "nitika-china-vs-usa",
        }
    ],
}


def test_a_sixth_commentator_is_one_new_file(kb_copy: Path) -> None:
    write_yaml(kb_copy / "commentators" / "newperson.yaml", NEWPERSON)
    kb = load_knowledge(kb_copy)
    assert set(kb.commentators) == {*EXPECTED_IDS, "newperson"}

    names = NameIndex(kb.commentators.values())
    for query in ("newperson", "Grace Newperson", "grace"):
        found = names.match(query).commentator
        assert found is not None, query
        assert found.id == "newperson"
    assert [c.id for c in kb.leaning_toward("whos-losing", "too-early")].count("newperson") == 1

    result = ClaimSearch(kb, names).search("who talks about photonic interconnects?")
    assert [a.cited.claim.id for a in result.answers] == ["newperson-photonics"]


def test_an_alias_naming_two_people_is_refused(kb_copy: Path) -> None:
    """Otherwise /whosays would answer for whichever file was read first."""
    edit(kb_copy, "commentators/ng.yaml", lambda d: d["aliases"].append("Sacks"))
    problem = find_problem(problems_of(kb_copy), "commentators/sacks.yaml", "id", "also names 'ng'")
    assert "a name must point to one person" in problem.reason


def test_an_outsider_sharing_a_commentators_name_is_refused(kb_copy: Path) -> None:
    edit(kb_copy, "outsiders.yaml", lambda d: d["people"].append({"name": "Yann LeCun"}))
    problems = problems_of(kb_copy)
    assert any(p.file == "outsiders.yaml" and "shares the name 'yannlecun' with 'lecun'" in p.reason for p in problems)


def test_claim_keywords_and_example_questions_are_checked(kb_copy: Path) -> None:
    def damage(data: Any) -> None:
        data["claims"][0]["keywords"] = ["x" * 41]
        data["claims"][0]["questions"] = [""]

    edit(kb_copy, "commentators/wang.yaml", damage)
    problems = problems_of(kb_copy)
    find_problem(problems, "commentators/wang.yaml", "claims[0].keywords[0]", "at most 40 characters")
    find_problem(problems, "commentators/wang.yaml", "claims[0].questions[0]", "at least 1 character")


def test_the_outsiders_file_is_optional(kb_copy: Path) -> None:
    (kb_copy / "outsiders.yaml").unlink()
    assert load_knowledge(kb_copy).outsiders == ()


def test_an_equivalent_must_lead_to_a_word_the_knowledge_base_uses(kb_copy: Path) -> None:
    edit(kb_copy, "vocabulary.yaml", lambda d: d["equivalents"].update({"spaceship": "rocketry"}))
    find_problem(
        problems_of(kb_copy),
        "vocabulary.yaml",
        "equivalents.spaceship",
        "'rocketry' occurs nowhere in the knowledge base",
    )


def test_the_vocabulary_file_is_optional(kb_copy: Path) -> None:
    (kb_copy / "vocabulary.yaml").unlink()
    assert load_knowledge(kb_copy).vocabulary.equivalents == {}


# --- the README's example -------------------------------------------------------------------------


def test_the_readme_example_reports_the_reference_and_the_missing_field(kb_copy: Path) -> None:
    """A missing field used to stop the checks before the references; the README promises both lines."""

    def damage(data: Any) -> None:
        data.pop("summary")
        data["claims"][0]["topics"][0] = "cooking"

    edit(kb_copy, "commentators/lecun.yaml", damage)
    assert [str(p) for p in problems_of(kb_copy)] == [
        "commentators/lecun.yaml: claims[0].topics[0]: unknown topic 'cooking'",
        "commentators/lecun.yaml: summary: missing required field",
    ]


def test_a_shape_problem_and_a_reference_in_the_same_claim_are_both_reported(kb_copy: Path) -> None:
    def damage(data: Any) -> None:
        data["claims"][1]["text"] = ""
        data["claims"][1]["source"] = "a-blog-nobody-wrote"
        data["leans"]["whos-losing"]["option"] = "mars"
        data["leans"]["whos-losing"]["rationale"] = ""

    edit(kb_copy, "commentators/ng.yaml", damage)
    assert [str(p) for p in problems_of(kb_copy)] == [
        "commentators/ng.yaml: claims[1].source: unknown source 'a-blog-nobody-wrote'",
        "commentators/ng.yaml: claims[1].text: String should have at least 1 character",
        "commentators/ng.yaml: leans.whos-losing.option: unknown option 'mars' of poll 'whos-losing'",
        "commentators/ng.yaml: leans.whos-losing.rationale: String should have at least 1 character",
    ]


def test_a_malformed_reference_is_reported_once_as_malformed(kb_copy: Path) -> None:
    edit(kb_copy, "commentators/lecun.yaml", lambda d: d["claims"][0]["topics"].append("Cooking!"))
    at = len(read_yaml(kb_copy / "commentators" / "lecun.yaml")["claims"][0]["topics"]) - 1
    assert [str(p) for p in problems_of(kb_copy)] == [
        f"commentators/lecun.yaml: claims[0].topics[{at}]: String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
    ]


def test_an_unreadable_commentator_adds_only_its_own_problem(kb_copy: Path) -> None:
    """The vocabulary check would otherwise call the unreadable file's words "nowhere in the knowledge base"."""
    (kb_copy / "commentators" / "lecun.yaml").write_text("- a list\n", encoding="utf-8")
    assert [str(p) for p in problems_of(kb_copy)] == ["commentators/lecun.yaml: expected a mapping at the top level"]


def test_a_shape_problem_in_topics_yaml_does_not_make_every_topic_unknown(kb_copy: Path) -> None:
    edit(kb_copy, "topics.yaml", lambda d: d["topics"][0].__setitem__("label", ""))
    assert [str(p) for p in problems_of(kb_copy)] == [
        "topics.yaml: topics[0].label: String should have at least 1 character",
    ]


# --- YAML that must not crash the loader ----------------------------------------------------------

UNHASHABLE = "malformed YAML: a key must be a plain value, not a list or mapping"
TOO_DEEP = "malformed YAML: nested more than 32 levels deep"

HOSTILE_YAML: list[Any] = [
    pytest.param("? [a, b]\n: x\n", "line 1, column 3", UNHASHABLE, id="list-key-block"),
    pytest.param("{[1]: 2}\n", "line 1, column 2", UNHASHABLE, id="list-key-flow"),
    pytest.param("? {a: 1}\n: x\n", "line 1, column 3", UNHASHABLE, id="mapping-key"),
    pytest.param("id: lecun\nleans: {[1]: 2}\n", "line 2, column 9", UNHASHABLE, id="list-key-nested"),
    pytest.param("a: &a [1]\n? *a\n: x\n", "line 1, column 4", UNHASHABLE, id="aliased-list-key"),
    pytest.param("[" * 100_000, "line 1, column 33", TOO_DEEP, id="deep-flow-list"),
    pytest.param("{a: " * 100_000, "line 1, column 126", TOO_DEEP, id="deep-flow-mapping"),
    pytest.param("- " * 50_000 + "x\n", "line 1, column 65", TOO_DEEP, id="deep-block-list"),
    pytest.param(
        "a: &x {b: 1}\nc:\n  <<: *x\n",
        "line 3, column 3",
        "malformed YAML: merge keys (<<) are not supported; write the fields out",
        id="merge-key",
    ),
    pytest.param(
        "id: !!binary G1sySg==\n",
        "line 1, column 5",
        "malformed YAML: binary values (!!binary) are not supported",
        id="binary-value",
    ),
    pytest.param(
        'name: "\\e[2J"\n',
        "line 1, column 7",
        "malformed YAML: control character U+001B in a value; remove it",
        id="escaped-esc",
    ),
    pytest.param(
        "name: Yann \u202eLeCun\n",
        "line 1, column 7",
        "malformed YAML: control character U+202E in a value; remove it",
        id="bidi-override",
    ),
    pytest.param("name: \x1b[2J\n", "character 7", "malformed YAML: character U+001B is not allowed", id="raw-esc"),
    pytest.param(b"name: \xff\n", "byte 7", "cannot read file: not UTF-8 text", id="not-utf8"),
]


@pytest.mark.parametrize(("content", "where", "reason"), HOSTILE_YAML)
def test_hostile_yaml_is_one_problem_for_its_file(kb_copy: Path, content: str | bytes, where: str, reason: str) -> None:
    path = kb_copy / "commentators" / "lecun.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    edit(kb_copy, "commentators/ng.yaml", lambda d: d["claims"][2].__setitem__("source", "a-blog-nobody-wrote"))

    assert [str(p) for p in problems_of(kb_copy)] == [
        f"commentators/lecun.yaml: {where}: {reason}",
        "commentators/ng.yaml: claims[2].source: unknown source 'a-blog-nobody-wrote'",
    ]


def test_a_file_of_exactly_1_mib_is_read_and_one_byte_more_is_refused(kb_copy: Path) -> None:
    path = kb_copy / "outsiders.yaml"
    body = path.read_bytes()
    padding = MAX_BYTES - len(body) - 2
    path.write_bytes(b"#" + b"x" * padding + b"\n" + body)
    assert path.stat().st_size == MAX_BYTES
    assert load_knowledge(kb_copy).outsiders

    path.write_bytes(b"#" + b"x" * (padding + 1) + b"\n" + body)
    assert [str(p) for p in problems_of(kb_copy)] == ["outsiders.yaml: larger than 1 MiB; refused"]


# --- files that are not what they seem ------------------------------------------------------------


def test_a_link_outside_the_folder_is_refused_and_not_read(kb_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "passwd"
    outside.write_text("root: x\ndaemon: x\n", encoding="utf-8")
    (kb_copy / "commentators" / "lecun.yaml").unlink()
    (kb_copy / "commentators" / "lecun.yaml").symlink_to(outside)
    assert [str(p) for p in problems_of(kb_copy)] == [
        "commentators/lecun.yaml: links outside the knowledge folder; refused"
    ]


def test_an_optional_file_linked_outside_is_refused(kb_copy: Path, tmp_path: Path) -> None:
    shutil.move(kb_copy / "vocabulary.yaml", tmp_path / "vocabulary.yaml")
    (kb_copy / "vocabulary.yaml").symlink_to(tmp_path / "vocabulary.yaml")
    assert [str(p) for p in problems_of(kb_copy)] == ["vocabulary.yaml: links outside the knowledge folder; refused"]


def test_a_link_inside_the_folder_is_followed(kb_copy: Path) -> None:
    shutil.move(kb_copy / "topics.yaml", kb_copy / "commentators" / "topics.data")
    (kb_copy / "topics.yaml").symlink_to(Path("commentators") / "topics.data")
    assert "compute" in load_knowledge(kb_copy).topics


def test_a_knowledge_folder_reached_through_a_link_loads(kb_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "current").symlink_to(kb_copy, target_is_directory=True)
    assert set(load_knowledge(tmp_path / "current").commentators) == EXPECTED_IDS


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda p: p.symlink_to(p.name), "cannot read file: its links form a loop", id="link-loop"),
        pytest.param(lambda p: p.symlink_to("nobody.yaml"), "file is missing", id="dangling-link"),
        pytest.param(lambda p: p.mkdir(), "not a regular file", id="folder"),
        pytest.param(lambda p: os.mkfifo(p), "not a regular file", id="named-pipe"),
    ],
)
def test_a_commentator_entry_that_is_not_a_readable_file(
    kb_copy: Path, make: Callable[[Path], None], reason: str
) -> None:
    make(kb_copy / "commentators" / "zed.yaml")
    assert [str(p) for p in problems_of(kb_copy)] == [f"commentators/zed.yaml: {reason}"]


def test_control_characters_in_file_names_and_keys_are_escaped_in_the_report(kb_copy: Path) -> None:
    (kb_copy / "commentators" / "\x1b[2J.yaml").write_text("- a list\n", encoding="utf-8")
    edit(kb_copy, "commentators/lee.yaml", lambda d: d.__setitem__("\u202etwitter", "@kaifulee"))
    last = len((kb_copy / "commentators" / "lee.yaml").read_text(encoding="utf-8").splitlines())
    assert [str(p) for p in problems_of(kb_copy)] == [
        "commentators/\\x1b[2J.yaml: expected a mapping at the top level",
        f"commentators/lee.yaml: line {last}, column 1: malformed YAML: control character U+202E in a value; remove it",
    ]


def test_a_knowledge_folder_that_is_a_link_loop_is_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "kb").symlink_to(tmp_path / "kb", target_is_directory=True)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(tmp_path / "kb")
    assert [str(p) for p in info.value.problems] == [f"{tmp_path / 'kb'}: not a directory"]
