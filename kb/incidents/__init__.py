"""Outage mode: one declared incident, so that every agent answers fast and the same.

A team lead declares an incident (``kb incident start`` or ``POST /api/v1/incidents``) with the
area, the promised time of the next update and a note. It is kept in the usage database
(``store.py``), so every worker and every replica reads it (``board.py``, a few seconds late at
most); while it is active, a customer's message about it (``matching.py``) gets the incident's
reply pinned first in ``/suggest``, with the area and the next update to fill it in; after it
ends, the resolved reply for a wind-down period. ``times.py`` reads and writes the local times
team leads use.
"""
