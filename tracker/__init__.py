"""Open-source sustainability and funding tracker: store, registry, metrics, scores, CLI."""

__version__ = "0.1.0"
