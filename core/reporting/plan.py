"""`xner plan`: every node of an experiment, cached or to run, with what tells variants apart."""

from __future__ import annotations

from ..engine.graph import Node, topological
from ..runner import Experiment, plan, row_name


def _upstream_seeds(node: Node) -> str:
    """A seedless node (pseudo labels, selection) shows the seeds of the models it combines: (1),
    or (1,2,3) for an AdvPicker ensemble; '-' when nothing upstream has a seed."""
    seeds: set[int] = set()
    todo = list(node.inputs.values())
    while todo:
        up = todo.pop()
        if up.seed is not None:
            seeds.add(up.seed)
        else:
            todo.extend(up.inputs.values())
    return f"({','.join(map(str, sorted(seeds)))})" if seeds else "-"


def _models_of(node: Node) -> str:
    """The teachers/models a pseudo-label node unites (what tells two variants' rows apart);
    a selection shows its pseudo-label node's."""
    roles = sorted(r.split(":", 1)[1] for r in node.inputs if r.startswith("model:"))
    if all(r.isdigit() for r in roles) and roles:  # an ensemble of seeds: the seed column says it
        return ""
    if roles or node.stage != "select":  # Θsrc by its discriminators: variants differ there
        return "+".join(node.inputs["model:source"].name if r == "source" else r for r in roles)
    return next((_models_of(up) for up in node.inputs.values()), "")


def served_variants(exp: Experiment) -> dict[str, list[str]]:
    """node key -> the table rows (variants) whose graphs contain it, in the experiment's order."""
    out: dict[str, list[str]] = {}
    for t in exp.targets:
        row = row_name(exp, t.variant)
        for n in topological([t.node]):
            rows = out.setdefault(n.key, [])
            if row not in rows:
                rows.append(row)
    return out


def render_plan(exp: Experiment) -> str:
    """One line per node (status, name, language, seed, key, united models, and with several variants
    the rows it serves: `all`, or their names), then the totals and the store read."""
    p = plan(exp)
    serves = served_variants(exp) if len(exp.configs) > 1 else {}
    n_rows = len(exp.configs)
    out = []
    for row in p.rows:
        n = row.node
        status = "cached" if row.cached else ("other" if row.other_code else "to-run")
        where = f"  (cached under other code as {row.other_code})" if row.other_code else ""
        seed = n.seed if n.seed is not None else _upstream_seeds(n)
        via = _models_of(n)
        rows = serves.get(n.key, [])
        used = "" if not rows else "  rows=" + ("all" if len(rows) == n_rows else "|".join(rows))
        out.append(f"{status:<7} {n.name:<28} lang={n.lang or '-':<3} seed={seed:<3} {n.key}"
                   f"{f'  models={via}' if via else ''}{used}{where}\n")
    out.append(f"{len(p.rows)} nodes: {p.to_run} to run, {p.cached} cached "
               f"(naive count without sharing: {p.naive})\n")
    out.append(f"store: {exp.store.root.resolve()} (the experiment's `store`, relative to the working "
               "directory)\n")
    if p.other_code:
        out.append(f"{p.other_code} of the nodes to run are cached under other code: a run retrains "
                         f"them; `--reuse-other-code` serves the old results knowingly\n")
    return "".join(out)
