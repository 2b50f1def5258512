"""`xner export` and `xner predict`: a trained model out of the store, and text tagged with it."""

from __future__ import annotations

import argparse
import logging
import sys

from ..commands.export import export, find_model, from_tags
from ..commands.predict import load_predictor, run_predict, write_prediction
from ..errors import ConfigError
from ..inference.inputs import FORMATS
from ..plugins import WORD_TOKENIZERS
from ..tracking.models import log_ner_model, run_tags, set_alias
from ..tracking.uri import resolve_tracking_uri

log = logging.getLogger(__name__)


def _seed(value: str) -> int | str:
    return value if value == "best" else int(value)


def _add_names(p: argparse.ArgumentParser) -> None:
    p.add_argument("--variant", default=None, help="a variant of the experiment (default: its base)")
    p.add_argument("--lang", default=None, help="target language (default: the experiment's only one)")
    p.add_argument("--seed", type=_seed, default=None,
                   help="a seed, or 'best': the seed with the best DEV F1 (never test)")
    p.add_argument("--member", type=int, default=None,
                   help="an ensemble's member to take (AdvPicker's w/o KD has one per seed)")
    p.add_argument("--set", action="append", default=[], metavar="A.B=C", help="as given to the run")


def _cmd_export(args: argparse.Namespace) -> int:
    if (args.experiment is None) == (args.run is None):
        raise ConfigError("name the model by EXPERIMENT (with --variant/--lang/--seed) or by --run RUN_ID, "
                          "not both")
    if args.run or args.register:
        import mlflow

        mlflow.set_tracking_uri(resolve_tracking_uri(args.tracking_uri))
    if args.run:
        found = from_tags(run_tags(args.run), args.run)
    else:
        found = find_model(args.experiment, args.set, args.variant, args.lang, args.seed, args.member)
    out, delta = export(found, args.out, force=args.force)
    prov = found.provenance()
    sys.stdout.write(f"exported {prov['variant']} {prov['language']} seed {prov['seed']} (dev F1 "
                     f"{prov['dev_f1'] or 0:.2f}, test {prov['test_f1'] or 0:.2f}) to {out}; "
                     f"logits equal xner's to {delta:.1e}\n")
    if args.register:
        info = log_ner_model(out, run_id=args.run, registered_name=args.register,
                             params={"xner_node_key": prov["node_key"]})
        version_ = info.registered_model_version
        if args.alias:
            set_alias(args.register, args.alias, version_)
        sys.stdout.write(f"registered {args.register} version {version_}"
                         f"{f' as @{args.alias}' if args.alias else ''}: models:/{args.register}"
                         f"{f'@{args.alias}' if args.alias else f'/{version_}'}\n")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    names = {"variant": args.variant, "lang": args.lang, "seed": args.seed, "member": args.member,
             "set": args.set}
    predictor = load_predictor(args.model, args.device, names, args.tracking_uri)
    pred = run_predict(predictor, args.input, args.format, args.words, args.text_lang or args.lang or "",
                       score=args.evaluate, sentences=args.split_sentences)
    out_format = args.output_format or ("jsonl" if pred.inputs.format in ("text", "jsonl") else "conll")
    meta = {"model": args.model, "input": str(args.input), "input_format": pred.inputs.format,
            "word_tokenizer": pred.words_used, "decoding": predictor.decoding.to_dict(),
            "sentences": len(pred.tags), "words": pred.words}
    if pred.scores is not None:
        meta["scores"] = pred.scores.as_flat_dict()
    if args.output:
        write_prediction(pred, args.output, out_format, meta)
    elif not args.evaluate:
        for t in pred.tagged():
            sys.stdout.write(" ".join(f"{w}/{g}" for w, g in zip(t.tokens, t.tags, strict=True)) + "\n")
    rate = pred.words / max(pred.seconds, 1e-9)
    summary = (f"tagged {len(pred.tags)} sentences, {pred.words} words in {pred.seconds:.1f}s "
               f"({rate:.0f} words/s)")
    if pred.scores is not None:
        c = pred.scores.conlleval
        summary += f"; F1 {c.f1:.2f} (P {c.precision:.2f}, R {c.recall:.2f})"
        sys.stdout.write(pred.scores.report() + "\n")
    log.info("%s%s", summary, f" -> {args.output}" if args.output else "")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    ex = sub.add_parser("export", help="a trained model as a Hugging Face directory (with xner's decoding)",
                        description="Write the model of (variant, language, seed) as a directory that "
                        "AutoModelForTokenClassification and AutoTokenizer load offline, with the "
                        "decoding, provenance and a model card. Example: xner export "
                        "experiments/proxy/transadv.yaml --lang de --seed best --out de-ner")
    ex.add_argument("experiment", metavar="EXPERIMENT", nargs="?", default=None)
    _add_names(ex)
    ex.add_argument("--run", default=None, help="an MLflow seed run's id instead of EXPERIMENT")
    ex.add_argument("--register", default=None, metavar="NAME",
                    help="also log it as an MLflow model and register it, e.g. xner-transadv-conll-de")
    ex.add_argument("--alias", default=None, help="alias for the registered version, e.g. champion "
                    "(with --seed best: the best DEV F1)")
    ex.add_argument("--tracking-uri", default=None,
                    help="MLflow URI; default: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db")
    ex.add_argument("--out", required=True, help="the export directory (written atomically)")
    ex.add_argument("--force", action="store_true", help="replace --out if it exists")
    ex.set_defaults(func=_cmd_export)

    pr = sub.add_parser("predict", help="tag text, CoNLL or JSONL with a trained model",
                        description="MODEL is an export directory, a models:/NAME@alias URI, or an "
                        "experiment YAML naming a stored model (--variant/--lang/--seed). Example: "
                        "xner predict de-ner --input news.txt --output news.jsonl")
    pr.add_argument("model", metavar="MODEL")
    _add_names(pr)
    pr.add_argument("--input", required=True, help="a file: raw text (a sentence per line), CoNLL, "
                    "WikiAnn or JSONL ({'text'} or {'tokens', 'tags'?})")
    pr.add_argument("--format", choices=FORMATS, default="auto", help="input format (default: sniffed)")
    pr.add_argument("--output", default=None, help="where to write (default: word/TAG lines on stdout)")
    pr.add_argument("--output-format", choices=("conll", "jsonl"), default=None,
                    help="default: jsonl for text/JSONL input, conll for CoNLL input")
    pr.add_argument("--words", choices=WORD_TOKENIZERS.names(), default="simple",
                    help="how raw text is split into words before the sub-word tokenizer")
    pr.add_argument("--split-sentences", action="store_true",
                    help="raw text: cut each line into sentences at . ! ? (default: a line is a sentence)")
    pr.add_argument("--text-lang", default=None, help="language of the text for --words moses")
    pr.add_argument("--evaluate", action="store_true", help="score labelled input with xner's metrics")
    pr.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    pr.add_argument("--tracking-uri", default=None, help="where a models:/ or runs:/ MODEL is registered; "
                    "default: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db")
    pr.set_defaults(func=_cmd_predict)
