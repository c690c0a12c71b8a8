"""The search engine: the only package that imports Whoosh.

Its small interface is :func:`build`, :func:`update`, :class:`Engine` (``search``, ``vocabulary``,
``get``, ``all_data``, ``count``) and the :class:`Clause` list a query plan is made of.
Everything about language lives in :mod:`kb.analysis` and :mod:`kb.planner`; replacing
Whoosh means rewriting this package only.

On disk an index folder holds ``builds/<stamp>/`` (one Whoosh index each) and ``current``,
a symlink to the build in service. A full build writes a new build folder and then swaps
the symlink atomically, so readers never see a half-built index and a failed build leaves
the previous one serving. An update changes the current build in place through Whoosh's
own atomic commit.
"""

from kb.engine.documents import (
    FIELD_KINDS,
    META_FILE,
    VOCABULARY_FILE,
    Clause,
    DocSource,
    Hit,
    IndexDoc,
    current_build,
    field_name,
    read_meta,
)
from kb.engine.reader import Engine, inverse_document_frequency, preload_vocabulary
from kb.engine.store import build, stored_fingerprints, update

__all__ = ["FIELD_KINDS", "META_FILE", "VOCABULARY_FILE", "Clause", "DocSource", "Engine", "Hit", "IndexDoc", "build",
           "current_build", "field_name", "inverse_document_frequency", "preload_vocabulary", "read_meta",
           "stored_fingerprints", "update"]
