"""The verdict: rule hits and model scores → one explained Verdict per comment, with one batch
path (``civicmod.verdict.batch``) that the worker, backtests and ``civicmod rules test`` all
run. Above the rule engine and the classifiers, below the services; no Kafka."""
