"""The OpenAI-compatible client against a local stub server (http.server in a thread): chat and completions
requests in the schema vLLM serves, ``plan-solve --base-url`` end to end, errors naming the URL, and the
``ladder serve`` command line for vLLM with a LoRA adapter."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ladderlib.cli import main
from ladderlib.models.generation import Chat, Rendered, Sampling
from ladderlib.models.openai_engine import OpenAIEngine, ServerError


@pytest.fixture()
def stub():
    seen: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, body))
            if self.path == "/v1/chat/completions":
                text = "#### 42" if body["model"] != "planner" else "Solve it directly."
                out = {"object": "chat.completion", "model": body["model"], "usage": {"completion_tokens": 3},
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
            elif self.path == "/v1/completions":
                out = {"object": "text_completion", "usage": {"completion_tokens": 2},
                       "choices": [{"index": 0, "text": " world", "finish_reason": "stop"}]}
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(out).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()


def test_engine_speaks_chat_and_completions(stub):
    url, seen = stub
    engine = OpenAIEngine(url, "base", system="Be brief.")
    out = engine.complete([Chat("What is 6*7?"), Rendered("hello"), "plain"], Sampling(max_new_tokens=5, seed=3))
    assert [(c.text, c.n_tokens) for c in out] == [("#### 42", 3), (" world", 2), ("#### 42", 3)]
    paths = sorted(p for p, _ in seen)
    assert paths == ["/v1/chat/completions", "/v1/chat/completions", "/v1/completions"]
    chat = next(b for p, b in seen if p == "/v1/chat/completions" and b["messages"][-1]["content"] == "What is 6*7?")
    assert chat["messages"][0] == {"role": "system", "content": "Be brief."}
    assert (chat["model"], chat["max_tokens"], chat["temperature"], chat["seed"]) == ("base", 5, 0.0, 3)
    assert next(b for p, b in seen if p == "/v1/completions")["prompt"] == "hello"
    with pytest.raises(ServerError, match="answered 404"):
        OpenAIEngine(url.replace("/v1", "/nope"), "m").complete([Chat("x")])
    with pytest.raises(ServerError, match="cannot reach http://127.0.0.1:9/v1/chat/completions"):
        OpenAIEngine("http://127.0.0.1:9/v1", "m", timeout_s=5).complete([Chat("x")])


def test_plan_solve_through_a_server(stub, capsys):
    url, seen = stub
    code = main(["plan-solve", "--base-url", url, "--served-model", "base", "--question", "What is 6*7?",
                 "--embedding-model", "none", "--json"])
    records = json.loads(capsys.readouterr().out)
    assert code == 0 and records[0]["final_answer"] == "42"
    assert {b["model"] for _, b in seen} == {"planner", "base"}  # plans from the served adapter, answers from the base
    assert main(["plan-solve", "--question", "x"]) == 2 and "--base-url" in capsys.readouterr().err


def test_serve_builds_the_vllm_command_with_the_adapter(tmp_path, capsys):
    adapter = tmp_path / "planner_adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"r": 12}))
    assert main(["serve", "--model", "Qwen/Qwen2.5-1.5B-Instruct", "--adapter", str(adapter), "--print"]) == 0
    cmd = capsys.readouterr().out.split()
    assert cmd[:3] == ["vllm", "serve", "Qwen/Qwen2.5-1.5B-Instruct"]
    assert cmd[cmd.index("--max-lora-rank") + 1] == "16" and f"planner={adapter}" in cmd
    assert main(["serve", "--model", "m", "--trl", "--print"]) == 0
    assert capsys.readouterr().out.startswith("trl vllm-serve --model m")
    assert main(["serve", "--model", "m", "--adapter", str(tmp_path / "none")]) == 2
    assert "adapter_config.json missing" in capsys.readouterr().err
