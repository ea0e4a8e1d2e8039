"""Pure functions: one platform payload (already signature-checked and JSON-decoded) → a Batch.

No I/O, no Kafka: each takes the payload, the account mapping and the current time, and raises
:class:`~streams.gateway.events.BadPayload` (400) or :class:`~streams.gateway.events.UnknownAccount`
(404) for the request as a whole; a single unusable item becomes an ``Invalid`` event.
"""

from streams.gateway.normalize.generic import normalize_generic
from streams.gateway.normalize.meta import normalize_facebook, normalize_instagram
from streams.gateway.normalize.x import normalize_x
from streams.gateway.normalize.youtube import youtube_comment, youtube_thread

__all__ = ["normalize_facebook", "normalize_generic", "normalize_instagram", "normalize_x",
           "youtube_comment", "youtube_thread"]
