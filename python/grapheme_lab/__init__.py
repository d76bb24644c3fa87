"""grapheme_lab: train small reasoning and language models on one machine.

The Rust core (``grapheme_lab._core``) holds the symbolic engine, the curriculum
generator, the edit distances and the BPE trainer; the Python modules here are
thin typed layers over it plus the torch models and training loops.

Submodules are imported on demand so that ``import grapheme_lab`` stays cheap
(torch is only loaded by the modules that need it).
"""

from grapheme_lab._core import GraphemeError, __version__

__all__ = ["GraphemeError", "__version__"]
