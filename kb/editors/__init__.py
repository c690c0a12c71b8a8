"""What editors and translators run on a knowledge base kept in git: lint, review of a
change and its output, approvals, new snippets, history and translation status."""
