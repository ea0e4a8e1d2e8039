"""``civicmod report``: the transparency report of a period (HTML with charts, a CSV of the
figures, and the EU DSA statements of reasons as JSON lines).

Reading Kafka (:mod:`.load`) is kept apart from what is computed (:mod:`.figures`,
:mod:`.statements`, :mod:`.topics`) and written (:mod:`.render`), so everything but the
loading works from in-memory records.
"""
