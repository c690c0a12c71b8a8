"""Language analysis: what a text becomes for the search (:mod:`.analysis`), morphology
(:mod:`.morphology`), stop words and language detection (:mod:`.detect`)."""
