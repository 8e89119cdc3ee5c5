"""Export figures: a synced 100 000-item app exported from the cache to CSV and to XLSX, each
next to a baseline measured in the same run (the csv module / openpyxl writing the same cells
from memory), the API calls the exports made (0) and the export's peak memory.

Run with `bash packaging/dev.sh bench` (or `pytest tests/bench/test_export_bench.py -p
no:randomly -o addopts=""`). The sandbox runs in a child process and the cache is filled by a
full sync, as `podio-desk sync` fills it. Each export and each baseline runs in a fresh child
process of its own, so its peak RSS is the export's alone (not pytest's, not the sandbox's);
the XLSX writer process's own peak is added to it.

Figures: export_100k_csv_s, export_100k_xlsx_s, their baselines export_100k_csv_baseline_s and
export_100k_xlsx_baseline_s, the ratios export_100k_csv_ratio and export_100k_xlsx_ratio
(goal <= 1.5), export_api_calls (0) and export_rss_peak_mb (< 300, the larger of the two);
as context, export_100k_read_parse_s: reading and parsing the items from the cache alone, and
at the end of each export its resident memory split into allocated (rss_anon) and the cache
file's pages SQLite maps (rss_file).
Knob: PODIO_DESK_BENCH_ITEMS (default 100 000).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.cache.cache import Cache
from podio_desk.services.sync import PodioSyncApi
from podio_desk.services.sync_process import SyncJob, sync_in_child_process

N = int(os.environ.get("PODIO_DESK_BENCH_ITEMS", "100000"))
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(3600)

SANDBOX_PROCESS = textwrap.dedent(
    """
    import json, os, sys
    os.nice(19)  # a remote server does not compete for this machine's cores
    from podio_desk.sandbox import Sandbox, SandboxConfig
    sandbox = Sandbox(SandboxConfig(items={items}, rate_limits=(10**7, 10**7))).start()
    print(json.dumps({{**sandbox.info, "tickets": sandbox.app_id("Tickets")}}), flush=True)
    sys.stdin.read()
    sandbox.stop()
    """
)

# One export, in a process of its own: the service as the window runs it (the account's
# client, cache, query service and one worker thread), timed around `export`.
EXPORT_PROCESS = textwrap.dedent(
    """
    import asyncio, json, multiprocessing, sys, time
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path
    from podio_desk.api.auth import ClientCredentials
    from podio_desk.api.client import PodioClient
    from podio_desk.cache.cache import Cache
    from podio_desk.domain.export import ExportFormat
    from podio_desk.services.export import ExportRequest, ExportService
    from podio_desk.services.paging import PageQuery
    from podio_desk.services.queries import QueryService, item_from_row

    info, cache_dir, app_id, fmt, out = json.loads(sys.argv[1])


    def peak_of(pid):
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0


    def memory_now():
        # Of the resident memory, what the process allocated and what maps files (SQLite
        # maps the cache file: those pages are the file's, shared and reclaimable).
        found = {}
        with open("/proc/self/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("RssAnon", "RssFile"):
                    found[name] = int(value.split()[0]) / 1024
        return {"rss_anon_mb": found.get("RssAnon", 0.0), "rss_file_mb": found.get("RssFile", 0.0)}

    async def main():
        client = PodioClient(
            ClientCredentials(info["client_id"], info["client_secret"]), base_url=info["url"]
        )
        await client.session.sign_in_password(info["username"], info["password"])
        cache = await Cache.open(Path(cache_dir), "bench")
        executor = ThreadPoolExecutor(max_workers=1)
        queries = QueryService(cache)
        service = ExportService(client, cache, queries, executor, call=lambda pending: pending)
        request = ExportRequest(
            PageQuery(app_id=app_id), Path(out), format=ExportFormat(fmt), raw=True
        )
        child_peak = [0.0]

        async def watch_children():
            # The XLSX writer's own peak (VmHWM of its process image; ru_maxrss of children
            # would also count the parent's pages the fork held before exec).
            while True:
                for child in multiprocessing.active_children():
                    child_peak[0] = max(child_peak[0], peak_of(child.pid))
                await asyncio.sleep(0.05)

        watcher = asyncio.ensure_future(watch_children())
        started = time.perf_counter()
        result = await service.export(request)
        seconds = time.perf_counter() - started
        watcher.cancel()
        own_peak = peak_of("self")
        figures = {
            "seconds": seconds,
            "rows": result.rows,
            "api_calls": result.api_calls,
            # Both processes' peaks added: an upper bound of the memory at any one time.
            "rss_peak_mb": own_peak + child_peak[0],
            "rss_child_peak_mb": child_peak[0],
            **memory_now(),
        }
        if fmt == "csv":
            # The floor under any export from the cache: reading and parsing every item
            # (cache thread, then the items), without making cells or writing.
            app = await queries.app(app_id)
            ids = await cache.items.live_ids(app_id)
            started = time.perf_counter()
            for start in range(0, len(ids), 500):
                rows = await cache.items.get_many(ids[start : start + 500])
                [item_from_row(row, app) for row in rows]
            figures["read_parse_seconds"] = time.perf_counter() - started
        executor.shutdown()
        await cache.aclose()
        await client.aclose()
        return figures

    print(json.dumps(asyncio.run(main())))
    """
)

# The baseline: the same cells, read back from the export into memory first, written by the
# csv module / openpyxl's write-only workbook alone.
BASELINE_PROCESS = textwrap.dedent(
    """
    import csv, json, sys, time
    fmt, source, out = json.loads(sys.argv[1])
    if fmt == "csv":
        with open(source, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        started = time.perf_counter()
        with open(out, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
        seconds = time.perf_counter() - started
    else:
        import openpyxl
        book = openpyxl.load_workbook(source, read_only=True)
        rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        started = time.perf_counter()
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Tickets")
        for row in rows:
            sheet.append(row)
        book.save(out)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": len(rows) - 1}))
    """
)


def run_child(script: str, argument: Any) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(argument)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def api_calls(info: dict[str, Any]) -> int:
    url = f"{info['url']}/_sandbox/requests"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return sum(1 for entry in json.loads(reply.read()) if entry.get("rate_class"))


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path, int]]:
    """A 100 000-item sandbox in a child process and a cache holding its Tickets app."""
    process = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_PROCESS.format(items=N)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        info = json.loads(process.stdout.readline())
        tmp = tmp_path_factory.mktemp("export-bench")
        app_id = asyncio.run(_sync(info, tmp))
        yield info, tmp, app_id
    finally:
        process.stdin.close()
        process.wait(timeout=120)
        process.stdout.close()


async def _sync(info: dict[str, Any], cache_dir: Path) -> int:
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=str(info["url"]),
    )
    cache = await Cache.open(cache_dir, "bench")
    try:
        await client.session.sign_in_password(str(info["username"]), str(info["password"]))
        app_id = int(info["tickets"])
        job = SyncJob(cache.path, app_id)
        result = await sync_in_child_process(PodioSyncApi(client), job, budget=client.scheduler)
        assert result.added == N
        return app_id
    finally:
        await cache.aclose()
        await client.aclose()


# The largest call count and memory peak over both formats.
_seen: dict[str, float] = {}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_100k_from_the_cache_next_to_its_baseline(synced, fmt, bench_results):
    info, tmp, app_id = synced
    out = tmp / f"export.{fmt}"
    before = api_calls(info)
    exported = run_child(EXPORT_PROCESS, [info, str(tmp), app_id, fmt, str(out)])
    calls = api_calls(info) - before
    baseline = run_child(BASELINE_PROCESS, [fmt, str(out), str(tmp / f"baseline.{fmt}")])
    assert exported["rows"] == baseline["rows"] == N
    bench_results[f"export_100k_{fmt}_s"] = exported["seconds"]
    bench_results[f"export_100k_{fmt}_baseline_s"] = baseline["seconds"]
    bench_results[f"export_100k_{fmt}_ratio"] = exported["seconds"] / baseline["seconds"]
    bench_results[f"export_100k_{fmt}_rss_peak_mb"] = exported["rss_peak_mb"]
    if fmt == "xlsx":
        bench_results["export_100k_xlsx_writer_rss_peak_mb"] = exported["rss_child_peak_mb"]
    bench_results[f"export_100k_{fmt}_rss_anon_mb"] = exported["rss_anon_mb"]
    bench_results[f"export_100k_{fmt}_rss_file_mb"] = exported["rss_file_mb"]
    _seen["calls"] = max(_seen.get("calls", 0), calls, exported["api_calls"])
    _seen["rss"] = max(_seen.get("rss", 0), exported["rss_peak_mb"])
    bench_results["export_api_calls"] = _seen["calls"]
    bench_results["export_rss_peak_mb"] = _seen["rss"]
    if "read_parse_seconds" in exported:
        bench_results["export_100k_read_parse_s"] = exported["read_parse_seconds"]
    assert calls == 0
