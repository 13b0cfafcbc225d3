"""A load client in a process of its own, so that its work is not the measured process's:

    python -m bench.service.load <base url> <requests JSON file> <clients> <count>

The file holds ``[[path, {header: value}], ...]``; ``clients`` threads, each on its own
kept-alive connection, send ``count`` requests in all, dealt round-robin from the list.
Prints JSON: seconds, the answers by status, and the latency percentiles in ms.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import threading
from collections import Counter
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit


def main(argv: list[str]) -> int:
    base, file, clients_text, count_text = argv
    requests: list[tuple[str, dict[str, str]]] = [
        (path, headers) for path, headers in json.loads(Path(file).read_text())
    ]
    clients, count = int(clients_text), int(count_text)
    where = urlsplit(base)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[Counter[int]] = [Counter() for _ in range(clients)]
    ready = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=60)
        ready.wait()
        for index in range(number, count, clients):
            path, headers = requests[index % len(requests)]
            began = perf_counter()
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            latencies[number].append(perf_counter() - began)
            statuses[number][answer.status] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = perf_counter()
    for thread in threads:
        thread.join()
    seconds = perf_counter() - started
    every = sorted(latency for found in latencies for latency in found)
    cuts = statistics.quantiles(every, n=100)
    answered: Counter[int] = Counter()
    for found in statuses:
        answered.update(found)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "statuses": {str(status): n for status, n in sorted(answered.items())},
                "p50_ms": cuts[49] * 1000,
                "p95_ms": cuts[94] * 1000,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
