"""An example under every command's `--help`: the line a new user copies first."""

from __future__ import annotations

import argparse

EXAMPLES: dict[str, list[str]] = {
    "data stats": ["xner data stats ../shared/data/conll/es/train.txt"],
    "data translate": ["xner data translate ../shared/data/conll/en/train.txt en-es.conll --lang es "
                       "--dictionary ../shared/data/muse/en-es.txt"],
    "components": ["xner components", "xner components discriminators"],
    "status": ["xner status experiments/ablations/demo/transadv-table3.yaml",
               "watch -n 30 xner status experiments/ablations/transadv-table3.yaml"],
    "plan": ["xner plan experiments/papers/transadv-conll.yaml --set 'data.target_langs=[es]'",
             "xner plan experiments/ablations/transadv-table3.yaml --all-variants"],
    "run": ["xner run experiments/papers/transadv-conll.yaml",
            "xner run experiments/proxy/transadv.yaml --set 'seeds=[1]' --device cpu"],
    "ablate": ["xner ablate experiments/ablations/transadv-table3.yaml --executor ray"],
    "store verify": ["xner store verify .xner/store --repair"],
    "store du": ["xner store du demo-out/store"],
    "store gc": ["xner store gc demo-out/store experiments/ablations/demo/transadv-table3.yaml --dry-run"],
    "search": ["xner search experiments/demo/transadv.yaml --n-trials 20 --workers 2",
               "xner search experiments/demo/transadv.yaml --rerun-best"],
    "compare": ["xner compare demo-transadv-table3 --format latex --output table3.tex"],
    "report": ["xner report demo-transadv-table3 --output table3.html"],
    "analyze": ["xner analyze experiments/proxy/transadv.yaml --no-probe"],
    "track": ["xner track experiments/demo/transadv.yaml"],
    "demo": ["xner demo --seeds 1 2 --no-track"],
    "export": ["xner export experiments/proxy/transadv.yaml --lang de --seed best --out ner-de",
               "xner export experiments/proxy/transadv.yaml --lang de --seed best --out ner-de "
               "--register xner-transadv-conll-de --alias champion"],
    "predict": ["xner predict ner-de --input news-de.txt --output news-de.jsonl",
                "xner predict ner-de --input ../shared/data/conll/de/test.txt --evaluate",
                "xner predict models:/xner-transadv-conll-de@champion --input news-de.txt"],
}


def leaves(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every command that runs something, by its path ("store gc"), found by walking subparsers."""
    found: dict[str, argparse.ArgumentParser] = {}
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and prefix:
        found[prefix] = parser
    for action in subs:
        for name, child in action.choices.items():
            found.update(leaves(child, f"{prefix} {name}".strip()))
    return found


def add_examples(parser: argparse.ArgumentParser) -> None:
    """Append 'Examples:' to each command's help, keeping its line breaks."""
    for path, sub in leaves(parser).items():
        lines = EXAMPLES.get(path)
        if lines:
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            sub.epilog = "Examples:\n" + "\n".join(f"  {line}" for line in lines)
