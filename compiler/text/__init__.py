"""Text helpers shared by every target: code highlighting, sanitizing, and the renderers of the IR's typed text."""
