"""Experiment configs: extends/variants/overrides resolve as documented; every mistake names its path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from xner.core.config.loader import (
    ExperimentConfig,
    flatten,
    load_experiment,
    parse_override,
    section_hash,
    to_yaml,
    validate_config,
    with_overrides,
)
from xner.core.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
MINIMAL = """
name: t
method: transadv
data: {root: data, target_langs: [de]}
"""
TRANSADV = (
    MINIMAL
    + """
teachers:
  source: {weight: 1}
  entity: {weight: 1}
  context: {weight: 1}
  order: {weight: 1}
discriminators:
  language: {hidden: 500}
  order: {hidden: 256}
selection: {strategy: adversarial}
variants:
  w/o-entity: {teachers.entity: null}
  w/o-order-dis: {discriminators.order: null, selection.ratio: 0.8}
"""
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path, *overrides: str, variant: str | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_experiment(path, overrides, variant=variant)
    return str(info.value)


def test_extends_chain_child_wins_and_null_removes(tmp_path: Path) -> None:
    write(tmp_path, "grand.yaml", MINIMAL + "train: {epochs: 3, batch_size: 8, grad_clip: 0.5}\n")
    write(
        tmp_path,
        "mid.yaml",
        """
        extends: grand.yaml
        teachers: {source: {weight: 1}, entity: {weight: 2}, order: {weight: 1}}
        data: {target_langs: [de, es]}
        train: {epochs: 4}
        """,
    )
    child = write(
        tmp_path,
        "sub/child.yaml",
        """
        extends: ../mid.yaml
        teachers: {entity: null, order: {epochs: 2}}
        train: {batch_size: null, grad_clip: null}
        data: {target_langs: [nl]}
        """,
    )
    cfg = load_experiment(child)
    assert cfg.name == "t" and cfg.method == "transadv"  # from the grandparent
    assert list(cfg.teachers) == ["source", "order"]  # entity removed by the child
    assert cfg.teachers["order"].weight == 1 and cfg.teachers["order"].epochs == 2  # deep merge
    assert cfg.train.epochs == 4  # mid wins over grand
    assert cfg.train.batch_size == 32  # null on a non-nullable field: back to the default
    assert cfg.train.grad_clip is None  # null on a nullable field: None (no clipping)
    assert cfg.data.target_langs == ["nl"]  # lists are replaced, not merged
    assert cfg.base_dir == (tmp_path / "sub").resolve()  # the experiment file's, not a base's


def test_override_value_types(tmp_path: Path) -> None:
    path = write(tmp_path, "e.yaml", TRANSADV)
    cfg = load_experiment(
        path,
        [
            "train.epochs=3",
            "train.lr_ner=1e-5",
            "seeds=[7, 8]",
            "train.grad_clip=null",
            "encoder.freeze_embeddings=false",
            "encoder.path=some/local dir",
            "data.max_train_sentences=200",
            "discriminators.order=null",
            "teachers.entity.weight=0",
        ],
    )
    assert cfg.train.epochs == 3 and isinstance(cfg.train.epochs, int)
    assert cfg.train.lr_ner == pytest.approx(1e-5)
    assert cfg.seeds == [7, 8]
    assert cfg.train.grad_clip is None
    assert cfg.encoder.freeze_embeddings is False
    assert cfg.encoder.path == "some/local dir"
    assert cfg.data.max_train_sentences == 200
    assert list(cfg.discriminators) == ["language"]
    assert cfg.teacher_weights() == {"source": 1 / 3, "context": 1 / 3, "order": 1 / 3}
    assert parse_override("a.b=x=y") == ("a.b", "x=y")
    assert parse_override("a=1e-5")[1] == pytest.approx(1e-5)  # plain safe_load would give a str
    with pytest.raises(ConfigError, match=r"^epochs3: an override is dotted.path=value"):
        parse_override("epochs3")


def test_override_adds_to_default_teachers(tmp_path: Path) -> None:
    cfg = load_experiment(write(tmp_path, "e.yaml", MINIMAL), ["teachers.entity.weight=0.5"])
    assert {n: t.weight for n, t in cfg.teachers.items()} == {"source": 1.0, "entity": 0.5}


def test_variants(tmp_path: Path) -> None:
    path = write(tmp_path, "e.yaml", TRANSADV)
    full = load_experiment(path)
    assert full.variant_names() == ["w/o-entity", "w/o-order-dis"]
    assert full.variant is None and "entity" in full.teachers
    no_entity = load_experiment(path, variant="w/o-entity")
    assert list(no_entity.teachers) == ["source", "context", "order"]
    assert no_entity.variant == "w/o-entity"
    no_order = load_experiment(path, ["selection.ratio=0.5"], variant="w/o-order-dis")
    assert list(no_order.discriminators) == ["language"]
    assert no_order.selection.ratio == 0.5  # overrides come after the variant


def test_variants_merge_through_extends(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", TRANSADV)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nvariants: {w/o-entity: null, rho-half: {selection.ratio: 0.5}}\n",
    )
    assert load_experiment(child).variant_names() == ["w/o-order-dis", "rho-half"]


def test_unknown_variant_lists_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "e.yaml", TRANSADV)
    msg = error_of(path, variant="w/o-entiy")
    assert msg.startswith("variants: unknown variant 'w/o-entiy'")
    assert "known: w/o-entity, w/o-order-dis" in msg and "did you mean 'w/o-entity'?" in msg


def test_env_interpolation_and_relative_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = """
    name: ${EXP_NAME}
    method: mbert-ft
    data: {root: "${XNER_TEST_DATA:-../data}/conll", target_langs: [de]}
    encoder: {path: "${XNER_TEST_ENC:-hub-name}"}
    """
    path = write(tmp_path, "exps/e.yaml", text)
    monkeypatch.setenv("EXP_NAME", "from-env")
    monkeypatch.delenv("XNER_TEST_DATA", raising=False)
    monkeypatch.setenv("XNER_TEST_ENC", "")  # empty counts as unset, as in the shell
    cfg = load_experiment(path)
    assert cfg.name == "from-env"
    assert cfg.encoder.path == "hub-name"
    assert cfg.data.root == str((tmp_path / "data" / "conll").resolve())  # against the YAML dir
    assert cfg.data.path_for("de", "dev") == (tmp_path / "data/conll/de/dev.txt").resolve()
    assert cfg.resolve_path("x/y") == (tmp_path / "exps/x/y").resolve()
    monkeypatch.setenv("XNER_TEST_DATA", str(tmp_path / "elsewhere"))
    assert load_experiment(path).data.root == str(tmp_path / "elsewhere" / "conll")
    monkeypatch.delenv("EXP_NAME")
    msg = error_of(path)
    assert msg.startswith("name: environment variable EXP_NAME is not set in '${EXP_NAME}'")


def test_section_hash_ignores_order_and_float_spelling(tmp_path: Path) -> None:
    one = write(tmp_path, "a.yaml", MINIMAL + "train: {lr_ner: 1e-5, epochs: 3}\nselection: {ratio: 1}\n")
    two = write(
        tmp_path,
        "b.yaml",
        "train: {epochs: 3, lr_ner: 0.00001}\nselection: {ratio: 1.0}\n" + MINIMAL,
    )
    a, b = load_experiment(one), load_experiment(two)
    assert section_hash(a, "train", "selection") == section_hash(b, "selection", "train")
    assert section_hash({"x": {"b": 1.0, "a": [1e-5]}}) == section_hash({"x": {"a": [0.00001], "b": 1}})
    assert len(section_hash(a, "train")) == 16


def test_section_hash_changes_only_with_its_sections(tmp_path: Path) -> None:
    path = write(tmp_path, "e.yaml", TRANSADV)
    base = load_experiment(path)
    moved = load_experiment(path, ["train.lr_ner=7e-5"])
    assert section_hash(base, "train") != section_hash(moved, "train")
    assert section_hash(base, "train.lr_ner") != section_hash(moved, "train.lr_ner")
    assert section_hash(base, "train.epochs") == section_hash(moved, "train.epochs")
    for other in ("data", "encoder", "teachers", "selection", "discriminators"):
        assert section_hash(base, other) == section_hash(moved, other)
    assert section_hash(base.train) == section_hash(base.train)
    assert section_hash(base.train) != section_hash(moved.train)
    with pytest.raises(ConfigError, match=r"^train\.lr_nr: train has no 'lr_nr'; did you mean 'lr_ner'"):
        section_hash(base, "train.lr_nr")


BAD = [
    ("selection: {ratio: 0}", (), "selection.ratio: 0 is not in (0, 1]"),
    ("selection: {ratio: 1.7}", (), "selection.ratio: 1.7 is not in (0, 1]"),
    ("selection: {ratoi: 0.5}", (), "selection.ratoi: unknown key (value 0.5); did you mean 'ratio'?"),
    ("discriminator: {}", (), "discriminator: unknown key (value {}); did you mean 'discriminators'?"),
    ("train: {lr_ner: -1e-5}", (), "train.lr_ner: -1e-05 should be greater than 0"),
    ("seeds: []", (), "seeds: [] is empty; give at least one seed"),
    ("seeds: [1, 1]", (), "seeds: [1, 1] repeats a seed"),
    (
        "teachers: {source: {weight: 0}, entity: {weight: 0}}",
        (),
        "teachers: weights sum to 0; at least one must be positive",
    ),
    ("train: {epochs: ten}", (), "train.epochs: 'ten' should be a valid integer"),
    ("train: {epochs: yes}", (), "train.epochs: True is a boolean, expected a number"),
    ("device: gpu", (), "device: 'gpu' is not auto, cpu, cuda or cuda:N"),
    ("", ("data.format=conl",), "data.format: 'conl' should be 'conll' or 'wikiann'"),
    ("", ("data.root=null",), "data.root: required setting is missing"),
    ("", ("data.target_langs=[]",), "data.target_langs: [] is empty"),
    ("", ("encoder.tiny.hidden=63",), "encoder.tiny.heads: 2 does not divide hidden=63"),
    ("", ("train.batch_size=0",), "train.batch_size"),
    ("train: {epochs: 10}", ("train.epochs.max=3",), "train.epochs.max: train.epochs is 10, not a section"),
    (
        "search: {space: {selection.ratio: {type: float, low: 0.9, high: 0.1}}}",
        (),
        "search.space.selection.ratio.high: [0.9, 0.1] needs low < high",
    ),
    (
        "teachers: {source: {weight: 1}, entity: {weight: 1}, context: {weight: 1}, order: {weight: 1}}",
        ("teachers.entity=null", "teachers.entity.weight=0.3"),
        "teachers.entity.weight: teacher 'entity' is not built (built: source, context, order)",
    ),
]


@pytest.mark.parametrize(("extra", "overrides", "expected"), BAD, ids=[b[2].split(":")[0] for b in BAD])
def test_bad_config_names_path_and_value(
    tmp_path: Path, extra: str, overrides: tuple[str, ...], expected: str
) -> None:
    path = write(tmp_path, "e.yaml", MINIMAL + extra + "\n")
    assert error_of(path, *overrides).startswith(expected)


def test_override_into_teacher_removed_by_variant(tmp_path: Path) -> None:
    path = write(tmp_path, "e.yaml", TRANSADV)
    msg = error_of(path, "teachers.entity.weight=0.3", variant="w/o-entity")
    assert msg.startswith(
        "teachers.entity.weight: teacher 'entity' is not built (built: source, context, order)"
    )
    # a removed *section* is just reset, so setting inside it is fine
    assert load_experiment(path, ["train=null", "train.epochs=2"]).train.epochs == 2


def test_extends_cycle_and_missing_base(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\n" + MINIMAL)
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    assert error_of(tmp_path / "a.yaml") == "extends: cycle a.yaml -> b.yaml -> a.yaml"
    write(tmp_path, "c.yaml", "extends: nowhere.yaml\n" + MINIMAL)
    assert error_of(tmp_path / "c.yaml").startswith("extends: cannot read ")
    assert error_of(tmp_path / "absent.yaml").endswith("absent.yaml: no such experiment file")


def test_all_errors_reported_one_line_each(tmp_path: Path) -> None:
    path = write(tmp_path, "e.yaml", MINIMAL + "selection: {ratio: 2}\ntrain: {batch_size: 0}\n")
    lines = error_of(path).splitlines()
    assert lines == [
        "selection.ratio: 2 is not in (0, 1]",
        "train.batch_size: 0 should be greater than or equal to 1",
    ]


def test_roundtrip_flatten_and_with_overrides(tmp_path: Path) -> None:
    cfg = load_experiment(write(tmp_path, "e.yaml", TRANSADV), variant="w/o-entity")
    again = load_experiment(write(tmp_path, "dump/resolved.yaml", to_yaml(cfg)))
    assert again.model_dump() == cfg.model_dump()
    flat = flatten(cfg)
    assert flat["train.lr_ner"] == pytest.approx(6e-5) and flat["variant"] == "w/o-entity"
    assert flat["teachers.order.weight"] == 1.0 and "teachers.entity.weight" not in flat
    assert flat["seeds"] == "[1, 2, 3, 4, 5]" and flat["train.distill_epochs"] == "null"
    assert not any(k.startswith("variants") for k in flat)
    assert all(isinstance(v, (str, int, float, bool)) for v in flat.values())
    trial = with_overrides(cfg, {"selection.ratio": 0.3, "teachers.order.weight": 2})
    assert trial.selection.ratio == 0.3 and trial.teachers["order"].weight == 2
    assert trial.base_dir == cfg.base_dir and cfg.selection.ratio == 1.0
    with pytest.raises(ConfigError, match=r"^selection\.ratio: 3 is not in \(0, 1\]"):
        with_overrides(cfg, {"selection.ratio": 3})


def test_schema_carries_descriptions_and_paper_defaults() -> None:
    cfg = validate_config({"name": "t", "method": "m", "data": {"root": "/d", "target_langs": ["de"]}})
    assert (cfg.encoder.frozen_layers, cfg.train.epochs, cfg.train.batch_size) == (3, 10, 32)
    assert (cfg.train.lr_ner, cfg.train.lr_generator, cfg.train.lr_distill) == (6e-5, 6e-7, 6e-5)
    assert cfg.seeds == [1, 2, 3, 4, 5] and cfg.selection.ratio == 1.0
    with pytest.raises(ValueError):  # frozen: a run cannot drift from its hashed config
        cfg.train.epochs = 1  # type: ignore[misc]
    assert ExperimentConfig.model_fields["seeds"].description


def test_experiments_base_yaml_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = REPO / "experiments" / "base.yaml"
    monkeypatch.delenv("XNER_DATA", raising=False)
    cfg = load_experiment(base, ["name=smoke", "method=mbert-ft"])
    assert cfg.data.root == str((REPO.parent / "shared" / "data" / "conll").resolve())
    assert cfg.encoder.path == "bert-base-multilingual-cased" and cfg.encoder.frozen_layers == 3
    assert (cfg.train.epochs, cfg.train.batch_size, cfg.encoder.max_length) == (10, 32, 128)
    assert (cfg.train.lr_ner, cfg.train.lr_generator, cfg.train.lr_discriminator) == (6e-5, 6e-7, 5e-3)
    assert cfg.dictionary_path("de").name == "en-de.txt"
    monkeypatch.setenv("XNER_DATA", str(tmp_path))
    child = write(tmp_path, "exp.yaml", f"extends: {base}\nname: c\nmethod: transadv\n")
    assert load_experiment(child).data.root == str(tmp_path / "conll")
    assert yaml.safe_load(base.read_text())["train"]["lr_ner"] == 6e-5  # readable by plain YAML too


def test_a_key_written_twice_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.yaml", "name: x\ntrain:\n  epochs: 3\nmethod: m\ntrain:\n  epochs: 5\n")
    with pytest.raises(ConfigError, match=r"dup\.yaml: invalid YAML: duplicate key 'train' on lines 2 and 5"):
        load_experiment(path)
    nested = write(tmp_path, "nested.yaml", "name: x\ntrain:\n  epochs: 3\n  epochs: 4\n")
    with pytest.raises(ConfigError, match="duplicate key 'epochs' on lines 3 and 4"):
        load_experiment(nested)


def test_a_ratio_that_strategy_all_ignores_is_an_error() -> None:
    base = {"name": "t", "method": "m", "data": {"root": "/d", "target_langs": ["de"]}}
    with pytest.raises(ConfigError, match=r"^selection\.ratio: 0\.5 is ignored by strategy 'all'"):
        validate_config({**base, "selection": {"strategy": "all", "ratio": 0.5}})
    ok = validate_config({**base, "selection": {"strategy": "adversarial", "ratio": 0.5}})
    assert ok.selection.ratio == 0.5
