"""The gettext catalogs, shipped inside the ``kb`` package as ``kb.locales`` (see kb/resources.py).

Only the ``.po`` files matter; this file makes the folder importable so that
:mod:`importlib.resources` finds it in a checkout as in an installed wheel.
"""
