"""Kafka plumbing every service uses: topic creation, the producer with bounded waits, state
tables read from topics, the Faust transport fixes, plain clients for tools, and JSON logs."""
