"""`serve` through real HTTP: a uvicorn server in a thread on a free port, a toy pipeline built here."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple, Optional
from urllib.parse import quote

import pytest
import uvicorn
from starlette.applications import Starlette
from typer.testing import CliRunner

from travel_ner.__main__ import app as cli
from travel_ner.ner.serve import MAX_CHARS, MAX_SENTENCES, ModelError, create_app, load_model

TRIP = "Je veux aller de Marseille à Paris"


class Reply(NamedTuple):
    status: int
    content_type: str
    body: bytes

    def json(self) -> dict:
        assert self.content_type == "application/json"
        return json.loads(self.body)


@pytest.fixture(scope="module")
def model_dir(filtered_model_dir) -> Path:
    return filtered_model_dir


@contextmanager
def running(app: Starlette) -> Iterator[int]:
    """Serve ``app`` on a free loopback port in a thread, yielding the port, stopped on exit."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def port(model_dir) -> Iterator[int]:
    with running(create_app(load_model(model_dir))) as port:
        yield port


def call(port: int, method: str, path: str, body: Optional[bytes] = None) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body is not None else {})
        response = conn.getresponse()
        return Reply(response.status, response.getheader("Content-Type", "").split(";")[0], response.read())
    finally:
        conn.close()


def predict(port: int, body: bytes) -> Reply:
    return call(port, "POST", "/api/predict", body)


def test_health_names_the_pipeline(port):
    reply = call(port, "GET", "/health")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "model": "fr_pipeline", "version": "0.0.0", "pipeline": ["toy_trip_tagger", "trip_filter"]}


def test_predict_answers_every_sentence_in_order(port):
    sentences = [TRIP, "Je veux aller à Paris", "", "de Besançon à Orléans"]
    reply = predict(port, json.dumps({"sentences": sentences}).encode())
    assert reply.status == 200
    assert reply.json() == {
        "results": [
            {"sentence": TRIP, "departure": "Marseille", "arrival": "Paris"},
            {"sentence": "Je veux aller à Paris", "departure": None, "arrival": None},
            {"sentence": "", "departure": None, "arrival": None},
            {"sentence": "de Besançon à Orléans", "departure": "Besançon", "arrival": "Orléans"},
        ]
    }
    assert "Besançon".encode() in reply.body  # UTF-8, not \u escapes


def test_predict_takes_the_limits_themselves(port):
    reply = predict(port, json.dumps({"sentences": ["a" * MAX_CHARS] * 2 + ["x"] * (MAX_SENTENCES - 2)}).encode())
    assert reply.status == 200 and len(reply.json()["results"]) == MAX_SENTENCES


@pytest.mark.parametrize(
    "body, status, says",
    [
        (b"", 400, "not JSON"),
        (b"sentences=de Paris", 400, "not JSON"),
        (b"\xff\xfe\x00garbage", 400, "not JSON"),
        (b'["de Paris \xc3\xa0 Lyon"]', 422, "the body is a list, not an object"),
        (b"{}", 422, "no 'sentences' field"),
        (b'{"sentence": ["de Paris"]}', 422, "no 'sentences' field"),
        (b'{"sentences": [], "lang": "fr"}', 422, "unknown field(s) 'lang'"),
        (b'{"sentences": "de Paris \xc3\xa0 Lyon"}', 422, "'sentences' is a string, not a list"),
        (b'{"sentences": null}', 422, "'sentences' is null, not a list"),
        (b'{"sentences": ["ok", 3]}', 422, "sentences[1] is a number, not a string"),
        (b'{"sentences": [["nested"]]}', 422, "sentences[0] is a list, not a string"),
        (b'{"sentences": ["\\ud800"]}', 422, "sentences[0] has a lone surrogate"),
        (json.dumps({"sentences": ["x"] * (MAX_SENTENCES + 1)}).encode(), 413, f"{MAX_SENTENCES + 1} sentences"),
        (json.dumps({"sentences": ["ok", "a" * (MAX_CHARS + 1)]}).encode(), 413, f"sentences[1] has {MAX_CHARS + 1} characters"),
    ],
)
def test_bad_requests_get_a_4xx_saying_what_is_allowed(port, body, status, says):
    reply = predict(port, body)
    assert reply.status == status
    error = reply.json()["error"]
    assert says in error
    assert f"at most {MAX_SENTENCES} strings of at most {MAX_CHARS} characters" in error


def test_a_body_over_the_limit_is_refused_before_it_is_read_whole(model_dir):
    with running(create_app(load_model(model_dir), max_body_bytes=100)) as port:
        reply = predict(port, json.dumps({"sentences": [TRIP] * 5}).encode())
    assert reply.status == 413
    assert "over 100 bytes" in reply.json()["error"]


@pytest.mark.parametrize("method, path, status", [("GET", "/api/predict", 405), ("POST", "/", 405), ("GET", "/nowhere", 404)])
def test_wrong_routes_answer_json_naming_the_routes(port, method, path, status):
    reply = call(port, method, path, b"{}" if method == "POST" else None)
    assert reply.status == status
    assert "POST /api/predict" in reply.json()["error"]


def test_page_has_a_text_box_and_no_answer_without_a_sentence(port):
    reply = call(port, "GET", "/")
    assert (reply.status, reply.content_type) == (200, "text/html")
    page = reply.body.decode()
    assert '<input type="text" name="q" value=""' in page
    assert "Departure" not in page and "Not a trip" not in page


def test_page_shows_the_trip_and_displacy_entities(port):
    page = call(port, "GET", "/?q=" + quote(TRIP)).body.decode()
    assert f'value="{TRIP}"' in page
    assert "<dt>Departure</dt><dd>Marseille</dd><dt>Arrival</dt><dd>Paris</dd>" in page
    assert page.count('<mark class="entity"') == 2 and ">DEP</span>" in page and ">ARR</span>" in page


def test_page_says_no_trip_and_escapes_the_sentence(port):
    reply = call(port, "GET", "/?q=" + quote("<script>alert(1)</script> à Paris"))
    page = reply.body.decode()
    assert reply.status == 200 and "Not a trip (INVALID)" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_page_refuses_an_overlong_sentence(port):
    reply = call(port, "GET", "/?q=" + "a" * (MAX_CHARS + 1))
    assert reply.status == 413 and f"at most {MAX_CHARS} characters" in reply.body.decode()


def test_load_model_says_in_one_line_why_a_folder_is_no_pipeline(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.cfg").write_text('[nlp]\nlang = "xx_nope"\n')
    for path, says in [
        (tmp_path / "missing", "is not a folder"),
        (tmp_path / "empty", "no config.cfg"),
        (tmp_path / "bad", "could not be loaded as a pipeline"),
    ]:
        with pytest.raises(ModelError, match=says) as err:
            load_model(path)
        assert "\n" not in str(err.value)


def test_serve_cli_fails_on_a_bad_model_in_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "is not a folder" in result.output
    assert "Traceback" not in result.output


def test_serve_cli_binds_loopback_by_default(model_dir, monkeypatch):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port: calls.append((host, port)))
    runner = CliRunner()
    assert runner.invoke(cli, ["serve", str(model_dir)]).exit_code == 0
    assert runner.invoke(cli, ["serve", str(model_dir), "--host", "0.0.0.0", "--port", "9001"]).exit_code == 0
    assert calls == [("127.0.0.1", 8000), ("0.0.0.0", 9001)]
    assert runner.invoke(cli, ["serve", str(model_dir), "--port", "0"]).exit_code == 2
