"""Vastaus: a multilingual knowledge base of canned replies for customer service."""

__version__ = "0.1.0"
