"""`xner data stats | translate`: inspecting corpora and translating a labelled file."""

from __future__ import annotations

import argparse
import sys


def _cmd_data_stats(args: argparse.Namespace) -> int:
    from ..data.readers import read_corpus
    from ..data.stats import format_casing, format_stats

    for path in args.paths:
        corpus = read_corpus(path, format=args.format, encoding=args.encoding)
        sys.stdout.write(f"{path}\n{format_stats(corpus)}\n")
        if args.casing:
            sys.stdout.write(f"{format_casing(corpus)}\n")
    return 0


def _cmd_data_translate(args: argparse.Namespace) -> int:
    from ..translate import translate_command

    options = {k: v for k, v in (("candidate", args.candidate), ("casing", args.casing),
                                 ("keep_per", args.keep_per), ("backend", args.backend),
                                 ("model", args.model), ("table", args.table),
                                 ("on_missing", args.on_missing), ("src_lang", args.src_lang),
                                 ("target_text", args.target_text))
               if v is not None}
    report = translate_command(args.input, args.output, args.lang, args.dictionary, args.strategy,
                               format=args.format, **options)
    sys.stdout.write(f"{report}\n")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The `data` command group, added to the main parser's subcommands."""
    data = sub.add_parser("data", help="inspect and prepare corpora")
    data_sub = data.add_subparsers(dest="data_command", metavar="DATA_COMMAND", required=True)
    stats = data_sub.add_parser("stats", help="sentences, tokens and entities (total and per type)")
    stats.add_argument("paths", nargs="+", metavar="PATH")
    stats.add_argument("--format", choices=("conll", "wikiann"), default="conll")
    stats.add_argument("--encoding", default=None, help="default: UTF-8, falling back to latin-1")
    stats.add_argument("--casing", action="store_true",
                       help="also: capitalised non-initial O words, lowercase-initial entities per type")
    stats.set_defaults(func=_cmd_data_stats)

    tr = data_sub.add_parser("translate", help="word-by-word translate a labelled file (TransAdv §2.2)")
    tr.add_argument("input")
    tr.add_argument("output")
    tr.add_argument("--lang", required=True, help="target language, e.g. es")
    tr.add_argument("--dictionary", help="MUSE dictionary (src tgt per line) for lexicon-word")
    tr.add_argument("--strategy", default="lexicon-word",
                    choices=("lexicon-word", "mt-word", "mt-phrase", "mt-word-phrase"))
    tr.add_argument("--format", choices=("conll", "wikiann"), default="conll")
    tr.add_argument("--src-lang", dest="src_lang", default=None)
    tr.add_argument("--candidate", choices=("first", "random"), default=None)
    tr.add_argument("--casing", choices=("source", "target", "german-nouns", "none"), default=None,
                    help="target: each context word as --target-text writes it (default: source)")
    tr.add_argument("--target-text", default=None, metavar="PATH",
                    help="unlabelled target-language text (same format) for --casing target")
    tr.add_argument("--keep-per", dest="keep_per", action=argparse.BooleanOptionalAction, default=None)
    tr.add_argument("--backend", choices=("hf", "table"), default=None)
    tr.add_argument("--model", default=None, help="hf backend: seq2seq model name or path")
    tr.add_argument("--table", default=None, help="table backend: TSV of source<TAB>translation")
    tr.add_argument("--on-missing", dest="on_missing", choices=("fail", "copy"), default=None)
    tr.set_defaults(func=_cmd_data_translate)
