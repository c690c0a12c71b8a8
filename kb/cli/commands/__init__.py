"""One module a group of ``kb`` sub-commands, each with a ``register(sub)`` function.

:data:`GROUPS` is the registry: the order here is the order ``kb --help`` lists them in.
"""

GROUPS = ("content", "search", "serve", "editors", "plugin", "translations", "transfer", "usage", "incident",
          "tokens")
