"""The CLI reference and the README stay in step with the parser; every option has help and shows its default."""

import argparse
import re
from pathlib import Path

from aegis.cli import build_parser, main
from aegis.cli.reference import ROOT, commands, options, readme_with_usage, reference

README = (ROOT / "README.md").read_text()
CLI_MD = (ROOT / "docs" / "cli.md").read_text()


def test_every_command_and_option_is_in_the_readme_and_docs_cli_md():
    missing = []
    for name, _, parser in commands(build_parser()):
        for text, where in ((README, "README.md"), (CLI_MD, "docs/cli.md")):
            if name.removeprefix("aegis ") not in text:
                missing.append(f"{where}: {name}")
            missing += [f"{where}: {name} {flag}" for action in options(parser) for flag in action.option_strings
                        if not re.search(re.escape(flag) + r"(?![\w-])", text)]
    assert not missing, missing


def test_the_generated_files_are_up_to_date():
    assert reference() == CLI_MD, "docs/cli.md is stale: run python -m aegis.cli.reference"
    assert readme_with_usage(README) == README, "the README's usage block is stale: run python -m aegis.cli.reference"


def test_every_option_has_help_and_shows_its_default(capsys):
    for name, _, parser in commands(build_parser()):
        for action in options(parser):
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
        text = parser.format_help()
        for action in options(parser):
            if action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
                assert "(default" in (action.help or "") or f"(default: {action.default})" in " ".join(text.split()), (
                    name, action.option_strings)


def test_no_arguments_prints_the_help_with_the_commands(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("usage: aegis") and all(c in out for c in ("analyze", "live", "train", "evaluate", "data"))


def test_a_missing_command_is_called_a_command(capsys):
    try:
        main(["data"])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert "COMMAND" in err and "mode" not in err


def test_readme_names_the_generated_reference():
    assert "docs/cli.md" in README and Path(ROOT / "docs" / "cli.md").is_file()
