"""Data: the Home Credit file contract (``schema``), raw CSV to typed parquet (``ingest``), the great-expectations
checks of the typed tables (``checks``) and the synthetic generator (``synthetic``)."""
