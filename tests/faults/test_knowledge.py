"""A careless operator's or a hostile contributor's knowledge folder, as ``debatebot kb check`` and ``run`` see it.

Every scenario ends in one report, one line per problem naming the file, the place and the reason, and exit 1:
never a traceback, never a line of a file outside the knowledge folder, never a raw control character.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge.loader import default_knowledge_dir
from tests.cli.conftest import REPO, Cli, cli, in_process
from tests.cli.test_cli import run_main

__all__ = ["cli", "in_process"]  # fixtures shared with tests/cli

SECRET_LINE = "root:x:0:0:root:/root:/bin/bash"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge base, to damage."""
    target = tmp_path / "kb"
    shutil.copytree(default_knowledge_dir(), target)
    return target.resolve()


def edit(directory: Path, relative: str, change: Callable[[Any], None]) -> None:
    path = directory / relative
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def report(directory: Path, *lines: str) -> str:
    """What ``kb check`` prints on stderr for these problem lines."""
    noun = "problem" if len(lines) == 1 else "problems"
    return (
        "\n".join([f"knowledge base {directory} is invalid ({len(lines)} {noun}):", *(f"  {x}" for x in lines)]) + "\n"
    )


def check(capsys: pytest.CaptureFixture[str], directory: Path) -> str:
    """``debatebot kb check DIR``: it must fail with exit 1, print nothing on stdout, and return its stderr."""
    code, out, err = run_main(capsys, "kb", "check", str(directory))
    assert (code, out) == (1, ""), err
    return err


def assert_run_refuses(cli: Cli, directory: Path, expected: str) -> None:
    """``debatebot run`` (a real process) stops before starting with the same report as ``kb check``."""
    result = cli.run("run", stdin="/whosays lecun\n", env={"KNOWLEDGE_DIR": str(directory)})
    assert (result.returncode, result.stdout, result.stderr) == (1, "", expected)
    assert not cli.database.exists(), "a refused start must not create the database"


# --- YAML that used to crash the loader -----------------------------------------------------------


def test_unhashable_keys_deep_nesting_and_a_huge_file_are_one_line_each(
    cli: Cli, in_process: Path, capsys: pytest.CaptureFixture[str], kb_dir: Path
) -> None:
    commentators = kb_dir / "commentators"
    (commentators / "lecun.yaml").write_text("? [a, b]\n: x\n", encoding="utf-8")
    (commentators / "ng.yaml").write_text("{[1]: 2}\n", encoding="utf-8")
    (commentators / "wang.yaml").write_text("[" * 100_000, encoding="utf-8")
    (commentators / "sacks.yaml").write_text("{a: " * 100_000, encoding="utf-8")
    (kb_dir / "outsiders.yaml").write_text("# padding\n" * 110_000, encoding="utf-8")  # 1.05 MiB
    edit(kb_dir, "commentators/lee.yaml", lambda d: d["claims"][0].__setitem__("topics", ["astrology"]))

    expected = report(
        kb_dir,
        "commentators/lecun.yaml: line 1, column 3: malformed YAML: a key must be a plain value, not a list or mapping",
        "commentators/lee.yaml: claims[0].topics[0]: unknown topic 'astrology'",
        "commentators/ng.yaml: line 1, column 2: malformed YAML: a key must be a plain value, not a list or mapping",
        "commentators/sacks.yaml: line 1, column 126: malformed YAML: nested more than 32 levels deep",
        "commentators/wang.yaml: line 1, column 33: malformed YAML: nested more than 32 levels deep",
        "outsiders.yaml: larger than 1 MiB; refused",
    )
    assert check(capsys, kb_dir) == expected
    assert_run_refuses(cli, kb_dir, expected)


# --- symbolic links -------------------------------------------------------------------------------


def test_a_commentator_file_linked_to_a_system_file_is_refused_unread(
    cli: Cli, in_process: Path, capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    system_file = tmp_path / "etc" / "passwd"
    system_file.parent.mkdir()
    system_file.write_text(f"{SECRET_LINE}\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n", encoding="utf-8")
    (kb_dir / "commentators" / "lecun.yaml").unlink()
    (kb_dir / "commentators" / "lecun.yaml").symlink_to(system_file)

    expected = report(kb_dir, "commentators/lecun.yaml: links outside the knowledge folder; refused")
    assert check(capsys, kb_dir) == expected
    assert_run_refuses(cli, kb_dir, expected)


def test_a_relative_link_climbing_out_of_the_folder_is_refused_even_to_a_valid_file(
    in_process: Path, capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    shutil.copy(kb_dir / "topics.yaml", tmp_path / "topics.yaml")
    (kb_dir / "topics.yaml").unlink()
    (kb_dir / "topics.yaml").symlink_to(Path("..") / "topics.yaml")

    err = check(capsys, kb_dir)
    assert "  topics.yaml: links outside the knowledge folder; refused" in err.splitlines()
    assert "knowledge base OK" not in err


def test_a_commentators_folder_linked_outside_is_refused(
    in_process: Path, capsys: pytest.CaptureFixture[str], kb_dir: Path, tmp_path: Path
) -> None:
    shutil.move(kb_dir / "commentators", tmp_path / "people")
    (kb_dir / "commentators").symlink_to(tmp_path / "people", target_is_directory=True)

    assert check(capsys, kb_dir) == report(kb_dir, "commentators/: links outside the knowledge folder; refused")


def test_links_that_stay_inside_the_folder_are_followed(
    in_process: Path, capsys: pytest.CaptureFixture[str], kb_dir: Path
) -> None:
    shared = kb_dir / "shared"
    shared.mkdir()
    shutil.move(kb_dir / "commentators" / "lecun.yaml", shared / "lecun.yaml")
    (kb_dir / "commentators" / "lecun.yaml").symlink_to(Path("..") / "shared" / "lecun.yaml")

    code, out, err = run_main(capsys, "kb", "check", str(kb_dir))
    assert (code, err) == (0, "")
    assert out.startswith("knowledge base OK: 5 commentators, ")


# --- the README's own example, and the rest of what kb check promises -----------------------------


def test_the_readme_kb_check_example_reports_both_problems_word_for_word(
    in_process: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```text\n(knowledge base /tmp/kb is invalid .*?\n)```", readme, re.DOTALL)
    assert example, "README.md no longer shows a kb check example"
    directory = tmp_path / "kb"
    shutil.copytree(default_knowledge_dir(), directory)

    def damage(data: Any) -> None:
        data.pop("summary")
        data["claims"][0]["topics"][0] = "cooking"

    edit(directory, "commentators/lecun.yaml", damage)
    assert check(capsys, directory) == example.group(1).replace("/tmp/kb", str(directory.resolve()))


def test_an_alias_in_two_commentators_files_is_refused(
    in_process: Path, capsys: pytest.CaptureFixture[str], kb_dir: Path
) -> None:
    edit(kb_dir, "commentators/ng.yaml", lambda d: d["aliases"].append("yann"))
    index = len(yaml.safe_load((kb_dir / "commentators" / "ng.yaml").read_text(encoding="utf-8"))["aliases"]) - 1

    assert check(capsys, kb_dir) == report(
        kb_dir, f"commentators/ng.yaml: aliases[{index}]: 'yann' also names 'lecun'; a name must point to one person"
    )


@pytest.mark.skipif(os.name != "posix", reason="file names with control characters")
def test_control_characters_in_a_value_or_a_file_name_never_reach_the_terminal(
    in_process: Path, capsys: pytest.CaptureFixture[str], kb_dir: Path
) -> None:
    path = kb_dir / "commentators" / "wang.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Alexandr Wang", 'name: "\\e[2JWang"'), "utf-8")
    (kb_dir / "commentators" / "\x1b[2Jx.yaml").write_text("- a list\n", encoding="utf-8")
    line = path.read_text(encoding="utf-8").splitlines().index('name: "\\e[2JWang"') + 1

    err = check(capsys, kb_dir)
    assert "\x1b" not in err
    assert err.splitlines()[1:] == [
        "  commentators/\\x1b[2Jx.yaml: expected a mapping at the top level",
        f"  commentators/wang.yaml: line {line}, column 7: malformed YAML: control character U+001B in a value; "
        "remove it",
    ]
