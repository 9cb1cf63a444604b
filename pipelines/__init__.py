"""DVC stage entry points: parse params.yaml, call a stage runner, exit non-zero on failure."""
