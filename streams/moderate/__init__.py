"""The moderate service: Faust worker processes that judge ``comments.incoming`` and route each
comment to publish, escalate or hide (``civicmod worker``)."""
