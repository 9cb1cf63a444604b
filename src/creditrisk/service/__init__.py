"""The service: the endpoints (``api``) and the HTTP layer in front of them (``http``), scoring and reasons
(``scorer``), what would change the decision (``counterfactual``), the dashboard's population queries (``population``),
request models (``requests``, ``sanity``), recording decisions (``records``) and the import into BentoML's model
store (``model_store``)."""
