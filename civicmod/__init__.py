"""civicmod: comment moderation pipeline for public-sector social media.

Layers, from the ground up (docs/architecture.md): ``civicmod.contract`` (records, topics,
settings) ← ``rules`` and ``classifiers`` (plain libraries) ← ``civicmod.verdict`` ← the
services in ``streams/`` (with their Kafka plumbing, ``streams.kafka``) ← ``civicmod.dev`` and
``civicmod.cli``."""
