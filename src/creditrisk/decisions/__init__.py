"""Decisions of record and human oversight (docs/decisions.md).

Every decision the service gives is recorded in a relational database (SQLite by default, PostgreSQL by URL):
what was scored, by which model and feature builder, under which policy, with which PD, decision and reasons.
People act on it through new records, never by editing one: a review decision, a second person's approval, a
correction. The records form a hash chain, so that any edit of the table is detected (``verify``), and each one
can be re-scored bit for bit (``replay``).
"""
