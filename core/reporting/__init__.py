"""What a person reads: ablation tables and figures, `xner compare`, the HTML report, `xner status`,
and the papers' diagnostics.

May import: `tracking` and everything below it.
"""
