"""The bottom layer: the IR (``ir``, ``doc``), diagnostics, errors, the backend interface and small infrastructure.

Imports nothing else from studyc; every other package may import it.
"""
