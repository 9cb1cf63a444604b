"""Prêt à dépenser credit scoring."""
