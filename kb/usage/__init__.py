"""Usage insights: what agents search, insert and miss, recorded and reported.

``db.py`` opens the database (SQLite beside the index by default, PostgreSQL when
``KB_DATABASE_URL`` says so) and brings its schema up to date (``schema.py``); ``masking.py``
removes personal data from typed queries; ``recorder.py`` writes searches in batches off the
request path; ``store.py`` writes events and purges; ``reports.py``, ``keywords.py`` and the
ranking prior (``prior.py``) read.
A customer's pasted message never reaches any of them.
"""
