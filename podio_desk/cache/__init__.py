"""cache layer of Podio Desk: one SQLite file per account (see docs/architecture.md).

    cache = await Cache.open(profile.cache_dir, account_key)   # <cache_dir>/<key>.sqlite3
    await cache.items.page(ItemQuery(app_id, sort_by=field_id), offset, limit)
    await cache.aclose()

Modules: cache (Cache, ItemStore: the async API), query (ItemQuery, IdsFilter, RangeFilter),
records (the rows), index (domain Item/JSON -> rows), schema (versions, migrations,
CacheVersionError), db (files, WAL, CacheOpenError), worker (the thread owning a connection).
"""
