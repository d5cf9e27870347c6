"""ROUGE public API (being written)."""

__all__: list[str] = []
