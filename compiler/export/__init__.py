"""Data exports for other tools: the course as JSON, with its JSON Schema."""
