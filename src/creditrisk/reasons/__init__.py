"""Reasons a person can give.

Every feature belongs to one concept (late payments, external credit scores, time in the current job...). A
client's principal reasons are the concepts whose SHAP contributions, summed over their features, weigh most in
the direction of the decision; each is told as a full sentence about the client, with the value in human
units and, where it helps, the clients' median for comparison. Sensitive concepts (gender, family situation,
age, people close to the client) are never given to the client; the relationship manager sees them, marked.

``catalogue`` (the reason catalogue, catalogue.yaml), ``writer`` (a client's reasons), ``units`` (values told to
people).
"""
