"""The printables: cheat sheet, study guide and flashcards, rendered to HTML and laid out with WeasyPrint."""
