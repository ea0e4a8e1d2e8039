"""The ground floor: every record on every topic, the topic names, the settings and the file
errors. It imports nothing else of civicmod, and everything else may import it."""
