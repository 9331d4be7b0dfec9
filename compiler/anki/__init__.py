"""Anki: note types, notes, the ``.apkg`` and CSV writers, card identity and the identity lock."""
