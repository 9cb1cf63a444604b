"""Reporting: every renderer. The methodology note, the slides and the technical documentation (``documents``,
``annex``, ``templates/``), the model card (``model_card``), the validation report (``validation_report``) and
the evaluation plots (``plots``)."""
