"""The ``arshif`` command: the composition root.

This package is the only place that wires the write path (``indexer``), the read
path (``web``) and the shared core (``arshif``) together: it opens the engine,
builds the translators and hands them to whoever needs them. The core imports
nothing from here, nor from ``indexer`` or ``web``.
"""
