"""Everything that writes MLflow: the tracker (nested runs, per-epoch metrics, artifacts), the
journal that lets training outlive a tracking outage, and what the MLflow UI reads.

May import: `runner` and everything below it.
"""
