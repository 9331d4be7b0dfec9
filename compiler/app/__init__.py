"""The top layer: the command line, terminal output, watch mode, stats and ``studyc init``."""
