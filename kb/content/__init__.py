"""The content of a knowledge base: the snippet format (:mod:`.model`), reading it safely
(:mod:`.yamlsafe`, :mod:`.loader`), checking it (:mod:`.validation`, :mod:`.rules`,
:mod:`.problems`), ``kb.yaml`` (:mod:`.kbyaml`), placeholders and typed values
(:mod:`.placeholders`, :mod:`.formatting`), approval digests and the JSON Schema."""
