"""The `xner` command line: help, data stats (exact counts on real data), components, clean errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xner.core.cli import main

SHARED = Path(os.environ.get("XNER_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))


def test_help_lists_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("data", "components", "plan", "run", "demo"):
        assert cmd in out


def test_data_stats_small_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "x.txt"
    f.write_text("-DOCSTART- O\n\nAna B-PER\nvive O\nen O\nNueva B-LOC\nYork I-LOC\n\nONU B-ORG\n")
    assert main(["data", "stats", str(f)]) == 0
    out = capsys.readouterr().out
    lines = {ln.split()[0]: ln.split()[-1] for ln in out.splitlines()[1:] if ln.strip()}
    assert lines["sentences"] == "2" and lines["tokens"] == "6" and lines["entities"] == "3"
    assert lines["LOC"] == "1" and lines["ORG"] == "1" and lines["PER"] == "1"


def test_malformed_file_is_one_line_exit_2(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("Ana B-PER\nvive\n")
    assert main(["data", "stats", str(f)]) == 2
    assert f"{f}:2:" in caplog.text


def test_components_lists_every_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["components"]) == 0
    out = capsys.readouterr().out
    for fam, name in (("encoders", "tiny"), ("discriminators", "entity-language"),
                      ("teachers", "context"), ("selectors", "adversarial"), ("methods", "transadv"),
                      ("translators", "lexicon-word")):
        assert f"{fam}:" in out and name in out


@pytest.mark.parametrize(
    ("split", "fmt", "expected"),
    [
        ("conll/en/train.txt", "conll",
         {"sentences": 14042, "tokens": 203621, "entities": 23499, "LOC": 7140, "MISC": 3438,
          "ORG": 6321, "PER": 6600}),
        ("conll/es/train.txt", "conll", {"sentences": 8405, "tokens": 264715, "entities": 18809}),
        ("conll/de/test.txt", "conll", {"sentences": 3009, "tokens": 51943, "entities": 3674}),
        ("wikiann/zh/train.txt", "wikiann", {"sentences": 20000, "tokens": 420054}),
    ],
)
def test_data_stats_real_data(split: str, fmt: str, expected: dict[str, int],
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = SHARED / "data" / split
    if not path.exists():
        pytest.skip(f"{path} absent: the shared data is not beside this checkout")
    assert main(["data", "stats", str(path), "--format", fmt]) == 0
    out = capsys.readouterr().out
    got = {ln.split()[0]: int(ln.split()[-1]) for ln in out.splitlines()[1:] if ln.strip()}
    assert {k: got[k] for k in expected} == expected


def test_version_names_xner_and_torch(capsys) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"xner {version('xner')} (torch {version('torch')})"


def test_compare_refuses_a_tracking_uri_with_nothing_logged_and_creates_nothing(tmp_path, caplog) -> None:
    db = tmp_path / "typo.db"
    assert main(["compare", "demo-transadv-table3", "--tracking-uri", f"sqlite:///{db}"]) != 0
    err = caplog.text
    assert f"sqlite:///{db}" in err and "does not exist" in err
    assert not db.exists() and list(tmp_path.iterdir()) == []


def test_compare_names_the_uri_when_the_experiment_is_unknown(tmp_path, caplog) -> None:
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.MlflowClient(uri).create_experiment("something-else")
    assert main(["compare", "no-such-run", "--tracking-uri", uri]) != 0
    err = caplog.text
    assert "'no-such-run'" in err and uri in err


def test_plan_all_variants_lists_the_union_of_every_variants_nodes_once(tmp_path, capsys) -> None:
    from demo_experiment import TINY, tiny_experiment

    from xner.core import runner
    from xner.core.engine.graph import topological

    exp = tiny_experiment(tmp_path, variants="  w/o Θorder: {teachers.order.weight: 0}\n")
    sets = [x for s in TINY for x in ("--set", s)]
    nodes = {n.key for variants in ([], ["w/o Θorder"]) for n in topological(
        [t.node for t in runner.build(exp, TINY, variants, include_base=not variants).targets])}
    assert main(["plan", str(exp), *sets, "--all-variants"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("store: ")
    assert {line.split()[4] for line in out[:-2]} == nodes
    assert out[-2].startswith(f"{len(nodes)} nodes: {len(nodes)} to run")
    served = {line.split()[4]: line.split("rows=")[1] for line in out[:-2]}
    assert set(served.values()) == {"all", "transadv", "w/o Θorder"}  # Θsrc serves both; each union one
    pseudo = sorted(line.split("models=")[1].split()[0] for line in out
                    if "pseudo_label" in line and "seed=(1)" in line)
    assert pseudo == ["context+entity+order+source[language+order]",  # the base and w/o Θorder differ
                      "context+entity+source[language+order]"]
    assert main(["plan", str(exp), *sets]) == 0
    assert int(capsys.readouterr().out.splitlines()[-2].split()[0]) < len(nodes)


def test_every_command_help_ends_with_an_example_of_itself() -> None:
    from xner.core.cli.examples import leaves
    from xner.core.cli.main import build_parser

    commands = leaves(build_parser())
    assert {"plan", "run", "ablate", "search", "compare", "store gc", "data translate"} <= set(commands)
    for path, parser in commands.items():
        text = parser.format_help()
        assert "Examples:\n  xner " + path in text, path
