"""The helpdesk plugin, shipped inside the ``kb`` package as ``kb.plugin`` (see kb/resources.py).

The plugin is plain JavaScript, HTML and CSS; this file makes the folder importable so that
:mod:`importlib.resources` finds it in a checkout as in an installed wheel.
"""
