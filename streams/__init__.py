"""Kafka wiring: topics, the Faust app and its agents, the worker. Imports Kafka; rules/ and
classifiers/ never do."""
