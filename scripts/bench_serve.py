"""Answer time of `python -m travel_ner serve` for one sentence: median and p90 over one-sentence requests.

The server runs as the command a user starts, in its own process, and each request is timed
from send to the last byte of the answer over one kept-alive connection, after a warm-up.
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import typer

SENTENCES = [
    "Je veux aller de Marseille à Paris",
    "Je voudrais un billet Toulouse Bordeaux pour demain matin",
    "Quel temps fait-il à Lyon ?",
    "Comment me rendre à Nantes depuis Rennes ?",
    "Bonjour",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(server: subprocess.Popen, port: int, timeout: float) -> float:
    """Seconds until ``/health`` answers; exits with the server's status if it stops first."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if server.poll() is not None:
            raise typer.Exit(server.returncode)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise typer.BadParameter(f"the server did not answer /health within {timeout:.0f} s")


def time_requests(port: int, count: int) -> list[float]:
    """Milliseconds per one-sentence POST /api/predict, cycling through SENTENCES."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for i in range(count):
        body = json.dumps({"sentences": [SENTENCES[i % len(SENTENCES)]]})
        start = time.perf_counter()
        conn.request("POST", "/api/predict", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise typer.BadParameter(f"the server answered {response.status} to {body}")
    conn.close()
    return times


def main(
    model: Path = typer.Argument(..., help="Trained pipeline, e.g. training/model-best"),
    requests: int = typer.Option(200, min=10, help="Timed requests"),
    warmup: int = typer.Option(20, min=0, help="Untimed requests first"),
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "travel_ner", "serve", str(model), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # stdout holds uvicorn's access log
    try:
        startup = wait_for_health(server, port, timeout=120)
        time_requests(port, warmup)
        times = time_requests(port, requests)
    finally:
        server.terminate()
        server.wait(10)
    p90 = statistics.quantiles(times, n=10)[-1]
    typer.echo(
        f"{model}: {requests} one-sentence requests after {warmup} warm-up: "
        f"median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms (start-up to /health {startup:.1f} s)"
    )


if __name__ == "__main__":
    typer.run(main)
