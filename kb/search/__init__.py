"""Search: building the index (:mod:`.indexing`), answering queries (:mod:`.service`),
planning a query's clauses (:mod:`.planner`), escalation triggers (:mod:`.triggers`) and
keeping a served index in step with the content (:mod:`.watcher`)."""
