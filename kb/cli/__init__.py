"""The ``kb`` command line: :mod:`.main` builds the parser from a registry of command groups,
one module each under :mod:`.commands`; :mod:`.common` holds what they share."""
