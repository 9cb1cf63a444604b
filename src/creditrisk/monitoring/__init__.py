"""Monitoring: data drift between modelling data, production clients and live traffic."""
