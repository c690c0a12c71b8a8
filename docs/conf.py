"""Sphinx configuration of the Vastaus documentation: ``make docs`` (or ``python -m sphinx -W -n -b html docs
docs/_build/html``). The reference pages are generated from the code by ``vastaus_docs``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))  # vastaus_docs, vastaus_catalog; kb is installed

from kb import __version__  # noqa: E402

project = "Vastaus"
author = "The Vastaus contributors"
copyright = "The Vastaus contributors, MIT licence"
version = release = __version__

extensions = ["vastaus_docs", "vastaus_catalog"]

root_doc = "index"
language = "en"
exclude_patterns = ["_build", "operators/measurements.txt"]
nitpicky = True
highlight_language = "none"
pygments_style = "sphinx"

html_theme = "alabaster"
html_title = "Vastaus documentation"
html_theme_options = {
    "description": "Canned customer-service replies in Finnish, Estonian and English",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_static_path: list[str] = []
