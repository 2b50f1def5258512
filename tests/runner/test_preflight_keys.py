"""Node keys follow content and precision; every input is checked before the first node runs.

Cases from issue 10, each of which either retrained needlessly, served a wrong node, or failed only
after other nodes had run (with FAILED runs left in MLflow).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import torch
from demo_experiment import tiny_experiment

from xner.core import runner
from xner.core.cli import main
from xner.core.engine.graph import topological
from xner.core.errors import ConfigError, DataFormatError, UnknownComponentError
from xner.core.stages.builders import encoder_node, source_node
from xner.core.translate.lexicon import Lexicon

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
ME5 = SHARED / "models" / "me5-small-trimmed"


def _keys(exp: runner.Experiment) -> set[str]:
    return {n.key for n in topological([t.node for t in exp.targets])}


def test_a_copy_of_the_data_elsewhere_has_the_same_keys(tmp_path: Path) -> None:
    exp_a = tiny_experiment(tmp_path / "a")
    shutil.copytree(tmp_path / "a" / "data", tmp_path / "elsewhere" / "deep" / "data")
    a = runner.build(exp_a, ["seeds=[1]", "data.target_langs=[es]"])
    b = runner.build(exp_a, ["seeds=[1]", "data.target_langs=[es]",
                             f"data.root={tmp_path / 'elsewhere' / 'deep' / 'data'}"])
    assert _keys(a) == _keys(b) and len(_keys(a)) > 5
    edited = tmp_path / "elsewhere" / "deep" / "data" / "es" / "test.txt"
    edited.write_text(edited.read_text().replace("B-PER", "B-ORG", 1))
    c = runner.build(exp_a, ["seeds=[1]", "data.target_langs=[es]",
                             f"data.root={tmp_path / 'elsewhere' / 'deep' / 'data'}"])
    changed = {n.stage for n in topological([t.node for t in c.targets]) if n.key not in _keys(a)}
    assert "evaluate" in changed and "translate" not in changed  # test data is read by evaluation


@pytest.mark.skipif(not ME5.is_dir(), reason=f"{ME5} absent: the shared encoder is not beside this checkout")
def test_a_copied_local_encoder_keeps_its_key(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    copy = tmp_path / "models" / "me5"
    shutil.copytree(ME5, copy)
    sets = ["seeds=[1]", "data.target_langs=[es]", "encoder.name=hf", "encoder.frozen_layers=2"]
    a = runner.build(exp, [*sets, f"encoder.path={ME5}"]).configs["base"]
    b = runner.build(exp, [*sets, f"encoder.path={copy}"]).configs["base"]
    assert encoder_node(a).key == encoder_node(b).key
    assert source_node(a, "es", 1, [], []).key == source_node(b, "es", 1, [], []).key


def test_precision_is_in_the_key_and_bf16_without_a_gpu_is_an_error(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    cfg = runner.build(exp, ["seeds=[1]", "data.target_langs=[es]"], device="cpu").configs["base"]
    assert cfg.precision == "fp32"  # auto on the CPU is fp32, and the key says so
    bf16 = cfg.model_copy(update={"precision": "bf16"})
    assert source_node(cfg, "es", 1, [], []).key != source_node(bf16, "es", 1, [], []).key
    assert encoder_node(cfg).key == encoder_node(bf16).key  # nothing numeric in the encoder stage
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="precision: bf16 requested"):
            runner.build(exp, ["seeds=[1]", "precision=bf16"], device="cpu")


def test_bom_in_a_dictionary_is_stripped_and_said(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    plain, bom = tmp_path / "en-es.txt", tmp_path / "bom.txt"
    plain.write_text("house casa\nthe el\n", encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    with caplog.at_level(logging.WARNING):
        lex = Lexicon.load(bom, "en", "es")
    assert "byte order mark" in caplog.text
    assert dict(lex.entries) == dict(Lexicon.load(plain, "en", "es").entries)
    assert lex.sha256 == Lexicon.load(plain, "en", "es").sha256  # same translation cache entry


def _fails(exp: Path, sets: list[str], error: type[Exception], needle: str, store: Path) -> None:
    with pytest.raises(error) as info:
        runner.build(exp, sets)
    assert needle in str(info.value), str(info.value)
    built = [p for p in store.rglob("*") if p.is_file() and ".cache" not in p.relative_to(store).parts]
    assert not store.exists() or not built  # at most the parsed-corpus cache


def test_bad_inputs_fail_before_anything_runs(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    store = tmp_path / "store"
    _fails(exp, ["seeds=[-1]"], ConfigError, "seeds: -1 is not a valid seed", store)
    _fails(exp, ["encoder.frozen_layers=5"], ConfigError, "encoder.frozen_layers: 5, but the encoder keeps 2",
           store)
    _fails(exp, ["encoder.name=hf", f"encoder.path={tmp_path / 'nowhere'}"], ConfigError,
           f"encoder.path: {tmp_path / 'nowhere'} is not a directory (it does not exist)", store)
    _fails(exp, ["discriminators.lang={hidden: 10}"], UnknownComponentError,
           "discriminators.lang: unknown discriminators 'lang'", store)
    _fails(exp, ["translation.strategy=lexicon-wrd"], UnknownComponentError,
           "translation.strategy: unknown translators", store)
    (tmp_path / "data" / "muse" / "en-es.txt").unlink()
    _fails(exp, ["data.target_langs=[es]"], ConfigError, "translation.dictionary: no en-es dictionary",
           store)


def test_a_directory_as_data_is_a_config_error(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    test = tmp_path / "data" / "es" / "test.txt"
    test.unlink()
    test.mkdir()
    _fails(exp, ["data.target_langs=[es]"], ConfigError, f"{test} is a directory", tmp_path / "store")


def test_a_tag_outside_the_label_set_names_file_and_line(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    test = tmp_path / "data" / "es" / "test.txt"
    lines = test.read_text().split("\n")
    no = next(i for i, ln in enumerate(lines) if ln.endswith(" O") and i > 5)
    lines[no] = lines[no][:-1] + "B-DATE"
    test.write_text("\n".join(lines))
    with pytest.raises(DataFormatError) as info:
        runner.build(exp, ["data.target_langs=[es]"])
    assert str(info.value) == (f"{test}:{no + 1}: tag type 'DATE' is not in the label set LOC, MISC, ORG, "
                               "PER (the types of the en train file); add it to data.labels")


def test_cuda_without_a_gpu_fails_before_a_run_is_recorded(tmp_path: Path, monkeypatch) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    exp = tiny_experiment(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(exp), "--device", "cuda", "--set", "seeds=[1]"]) == 2
    assert not (tmp_path / "mlflow.db").exists()
