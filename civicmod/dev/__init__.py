"""Tools for a developer's machine and the tests: the embedded Kafka broker, the demo feed,
``civicmod run``, and small random models to test model code without downloading weights."""
