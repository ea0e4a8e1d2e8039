"""Platform clients of the actuator: one :class:`PlatformClient` per platform, made by
:func:`make_client`."""

from __future__ import annotations

import aiohttp

from streams.actuator.platforms.base import (
    Endpoint,
    Kind,
    LimitInfo,
    PlatformClient,
    Result,
    Status,
    Target,
)
from streams.actuator.platforms.graph import DEFAULT_GRAPH_URL, GraphClient
from streams.actuator.platforms.x import DEFAULT_X_URL, XClient
from streams.actuator.platforms.youtube import DEFAULT_YOUTUBE_URL, YouTubeClient

DEFAULT_BASE_URLS: dict[str, str] = {"facebook": DEFAULT_GRAPH_URL, "instagram": DEFAULT_GRAPH_URL,
                                     "x": DEFAULT_X_URL, "youtube": DEFAULT_YOUTUBE_URL}

__all__ = ["DEFAULT_BASE_URLS", "Endpoint", "GraphClient", "Kind", "LimitInfo", "PlatformClient",
           "Result", "Status", "Target", "XClient", "YouTubeClient", "make_client"]


def make_client(platform: str, base_url: str | None = None,
                session: aiohttp.ClientSession | None = None, *, timeout_s: float = 10.0) -> PlatformClient:
    """The client for ``platform`` (facebook, instagram, x, youtube) at ``base_url`` (default:
    the platform's public API). Raises ValueError for any other platform."""
    if platform not in DEFAULT_BASE_URLS:
        raise ValueError(f"no actuator client for platform {platform!r}")
    url = base_url or DEFAULT_BASE_URLS[platform]
    if platform == "x":
        return XClient(url, session=session, timeout_s=timeout_s)
    if platform == "youtube":
        return YouTubeClient(url, session=session, timeout_s=timeout_s)
    return GraphClient("facebook" if platform == "facebook" else "instagram", url, session=session,
                       timeout_s=timeout_s)
