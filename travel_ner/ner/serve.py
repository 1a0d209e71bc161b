"""HTTP front of a trained pipeline: a page to try sentences and a JSON API, the model loaded once.

Loading spaCy and a pipeline takes seconds while one sentence takes milliseconds, so a
server that keeps the model in memory is what makes trying it interactively possible.
Every request that does not fit the API gets a 4xx with ``{"error": ...}`` saying what is
allowed, so that a client learns what to fix instead of seeing a 500 or a silent null.
"""

from __future__ import annotations

import html
import json
import threading
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any, Callable, Optional, TypeVar

import spacy
import uvicorn
from spacy import displacy
from spacy.language import Language
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .predict import INVALID, Trip, extract_trip, predict_texts

MAX_SENTENCES = 1000
MAX_CHARS = 10_000
# Room for MAX_SENTENCES sentences of MAX_CHARS characters in UTF-8 (40 MB), not for an unbounded upload.
MAX_BODY_BYTES = 64 * 2**20
ALLOWED = (
    f'send a JSON object {{"sentences": [...]}} whose only field is a list of at most {MAX_SENTENCES} '
    f"strings of at most {MAX_CHARS} characters each"
)
COLORS = {"DEP": "#9ad0f5", "ARR": "#f7c59f"}
PAGE = Template(files(__package__).joinpath("serve_page.html").read_text(encoding="utf-8"))
JSON_TYPES = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}

T = TypeVar("T")


class ModelError(Exception):
    """A MODEL path that spaCy cannot load, said in one line for the command line."""


class BadRequest(Exception):
    """A request outside the API, with the HTTP status that says whose fault and what kind."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def load_model(path: Path) -> Language:
    """Load the pipeline at ``path``, or raise :class:`ModelError` with the reason on one line."""
    if not path.is_dir():
        raise ModelError(f"{path} is not a folder: give a trained pipeline such as training/model-best")
    if not (path / "config.cfg").is_file():
        raise ModelError(f"{path} is not a trained pipeline (no config.cfg); run the 'train' step first")
    try:
        return spacy.load(path)
    except Exception as err:  # spaCy fails in many types (config, registry, files); all mean "not loadable"
        reason = " ".join(str(err).split()) or type(err).__name__
        raise ModelError(f"{path} could not be loaded as a pipeline: {reason[:300]}") from err


def json_type(value: Any) -> str:
    return "null" if value is None else JSON_TYPES.get(type(value), type(value).__name__)


def parse_sentences(body: bytes) -> list[str]:
    """The sentences of a ``/api/predict`` body, or :class:`BadRequest` saying what is wrong and what is allowed."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as err:
        raise BadRequest(400, f"the body is not JSON ({err}); {ALLOWED}") from err
    if not isinstance(data, dict):
        raise BadRequest(422, f"the body is {json_type(data)}, not an object; {ALLOWED}")
    if "sentences" not in data:
        raise BadRequest(422, f"no 'sentences' field; {ALLOWED}")
    unknown = sorted(set(data) - {"sentences"})
    if unknown:
        raise BadRequest(422, f"unknown field(s) {', '.join(map(repr, unknown))}; {ALLOWED}")
    sentences = data["sentences"]
    if not isinstance(sentences, list):
        raise BadRequest(422, f"'sentences' is {json_type(sentences)}, not a list; {ALLOWED}")
    if len(sentences) > MAX_SENTENCES:
        raise BadRequest(413, f"{len(sentences)} sentences in one request; {ALLOWED}")
    for i, sentence in enumerate(sentences):
        check_sentence(sentence, f"sentences[{i}]")
    return sentences


def check_sentence(sentence: Any, where: str) -> None:
    """Refuse what spaCy or the JSON answer cannot take: a non-string, an overlong text, a lone surrogate."""
    if not isinstance(sentence, str):
        raise BadRequest(422, f"{where} is {json_type(sentence)}, not a string; {ALLOWED}")
    if len(sentence) > MAX_CHARS:
        raise BadRequest(413, f"{where} has {len(sentence)} characters; {ALLOWED}")
    try:
        sentence.encode("utf-8")
    except UnicodeEncodeError as err:
        raise BadRequest(422, f"{where} has a lone surrogate at character {err.start}, which is not text; {ALLOWED}") from err


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it passes ``limit`` bytes rather than held whole in memory."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"the body is over {limit} bytes; {ALLOWED}")
        chunks.append(chunk)
    return b"".join(chunks)


def answer(trip: Optional[Trip], sentence: str) -> dict[str, Optional[str]]:
    return {"sentence": sentence, "departure": trip.departure if trip else None, "arrival": trip.arrival if trip else None}


def render_result(nlp: Language, sentence: str) -> str:
    """The answer to ``sentence`` as HTML: departure and arrival or no trip, then displaCy's entities."""
    doc = nlp(sentence)
    trip = extract_trip(doc)
    if trip:
        verdict = (
            f'<dl class="trip"><dt>Departure</dt><dd>{html.escape(trip.departure)}</dd>'
            f"<dt>Arrival</dt><dd>{html.escape(trip.arrival)}</dd></dl>"
        )
    else:
        verdict = f'<p class="invalid">Not a trip ({INVALID}): no single departure and arrival found.</p>'
    if doc.ents:
        entities = displacy.render(doc, style="ent", page=False, jupyter=False, options={"colors": COLORS})
    else:  # displaCy warns on a doc without entities; the plain text is what it would draw
        entities = f'<div class="entities">{html.escape(sentence)}</div>'
    return verdict + entities


def page(nlp: Language, query: str) -> tuple[int, str]:
    """The page with the answer to ``query`` if any, or with the error and status the API gives such a sentence."""
    status, result = 200, ""
    if query.strip():
        try:
            check_sentence(query, "the sentence")
            result = render_result(nlp, query)
        except BadRequest as err:
            status, result = err.status, f'<p class="error">{html.escape(str(err))}</p>'
    return status, PAGE.substitute(sentence=html.escape(query), result=result)


def create_app(nlp: Language, max_body_bytes: int = MAX_BODY_BYTES) -> Starlette:
    """The web application around ``nlp``; one request at a time uses it, since a spaCy pipeline is not thread-safe."""
    lock = threading.Lock()

    def locked(func: Callable[..., T], *args: Any) -> T:
        with lock:
            return func(*args)

    async def home(request: Request) -> Response:
        status, text = await run_in_threadpool(locked, page, nlp, request.query_params.get("q", ""))
        return HTMLResponse(text, status_code=status)

    async def health(request: Request) -> Response:
        meta = nlp.meta
        model = f"{nlp.lang}_{meta['name']}"
        return JSONResponse({"status": "ok", "model": model, "version": meta["version"], "pipeline": nlp.pipe_names})

    async def predict(request: Request) -> Response:
        try:
            sentences = parse_sentences(await read_body(request, max_body_bytes))
        except BadRequest as err:
            return JSONResponse({"error": str(err)}, status_code=err.status)
        trips = await run_in_threadpool(locked, lambda: list(predict_texts(nlp, sentences)))
        return JSONResponse({"results": [answer(trip, sentence) for trip, sentence in zip(trips, sentences)]})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        routes = "the routes are GET /, GET /health and POST /api/predict"
        message = f"{request.method} {request.url.path}: {exc.detail}; {routes}"
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/api/predict", predict, methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error})


def run(nlp: Language, host: str, port: int) -> None:
    uvicorn.run(create_app(nlp), host=host, port=port)
