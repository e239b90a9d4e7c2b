"""The public search index, chosen by CREDIT_SEARCH_URL: embedded (default) or Elasticsearch."""
from __future__ import annotations

from credit.config import Settings, SettingsError
from credit.search.base import (
    Hit,
    Page,
    QueryError,
    RecordQuery,
    SearchError,
    SearchIndex,
    SubjectQuery,
)

__all__ = ["Hit", "Page", "QueryError", "RecordQuery", "SearchError", "SearchIndex",
           "SubjectQuery", "open_index"]


def open_index(settings: Settings) -> SearchIndex:
    url = settings.search_url
    if url.startswith(("http://", "https://")):
        from credit.search.elastic import ElasticIndex
        return ElasticIndex.from_settings(settings)
    if url == "embedded" or url.startswith("embedded://"):
        from credit.search.embedded import EmbeddedIndex
        return EmbeddedIndex(settings.embedded_search_path(), settings)
    raise SettingsError(f"CREDIT_SEARCH_URL 无效：{url!r}。应为 embedded、embedded:///路径 或 Elasticsearch 的 "
                        "http(s):// 地址（如 http://127.0.0.1:9200）")
