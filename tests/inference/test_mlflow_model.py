"""An export as an MLflow model: registered with an alias, loaded by `models:/NAME@alias` in a Python
that cannot import xner, served by `mlflow models serve` on 127.0.0.1; tags identical to xner's."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from demo_experiment import tiny_experiment
from inference_sets import SETS

from xner.core.cli import main
from xner.core.inference.predictor import Predictor

NAME = "xner-transadv-demo-es"
SENTENCES = [["Maria", "vive", "en", "Madrid", "."], ["El", "Real", "Madrid", "ganó", "la", "liga"]]


@pytest.fixture(scope="module")
def registered(trained_tracked: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Path, str]:
    exp, uri = trained_tracked
    tmp = tmp_path_factory.mktemp("registered")
    assert main(["export", str(exp), *SETS, "--seed", "best", "--out", str(tmp / "export"),
                 "--register", NAME, "--alias", "champion", "--tracking-uri", uri]) == 0
    return tmp / "export", uri


def _expected(export: Path) -> list[list[str]]:
    return Predictor.from_pretrained(export, "cpu").tag(SENTENCES)


@pytest.mark.system
def test_a_registered_model_loads_by_alias_where_xner_is_not_installed(registered, tmp_path: Path) -> None:
    export, uri = registered
    script = tmp_path / "load.py"
    script.write_text(
        "import importlib.util, json, sys\n"
        "assert importlib.util.find_spec('xner') is None, 'xner must not be importable here'\n"
        "import mlflow\n"
        f"model = mlflow.pyfunc.load_model('models:/{NAME}@champion')\n"
        f"out = model.predict([{{'tokens': t}} for t in {SENTENCES!r}]\n"
        "                     + [{'text': 'Maria vive en Madrid.'}])\n"
        "print(json.dumps([o.model_dump() if hasattr(o, 'model_dump') else o for o in out]))\n")
    # -S: no site-packages processing, so the editable install's path hook (.pth) never loads xner;
    # the installed libraries are put on the path by hand
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    done = subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert [o["tags"] for o in out[:2]] == _expected(export)
    assert out[2]["tokens"] == ["Maria", "vive", "en", "Madrid", "."]
    for e in out[2]["entities"]:
        assert "Maria vive en Madrid."[e["start"]:e["end"]] == e["text"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


@pytest.mark.system
def test_mlflow_models_serve_answers_a_request(registered) -> None:
    export, uri = registered
    port = _free_port()
    bin_dir = str(Path(sys.executable).parent)  # `mlflow models serve` execs uvicorn from PATH
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    proc = subprocess.Popen([f"{bin_dir}/mlflow", "models", "serve", "-m", f"models:/{NAME}@champion",
                             "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/ping", timeout=5):
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
                assert time.monotonic() < deadline, "the server did not answer /ping in 180 s"
                time.sleep(1)
        status, body = _post(f"{base}/invocations", {"inputs": [{"tokens": t} for t in SENTENCES]})
        assert status == 200, body
        assert [p["tags"] for p in body["predictions"]] == _expected(export)
        status, body = _post(f"{base}/invocations", {"inputs": [{"txt": "a typo'd field"}]})
        assert 400 <= status < 500, body
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_export_by_a_seed_runs_id_alone(registered, tmp_path: Path) -> None:
    import mlflow

    export, uri = registered
    client = mlflow.MlflowClient(uri)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()],
                              "tags.`xner.level` = 'seed'")
    assert len(runs) == 1 and "xner.model_node" in runs[0].data.tags
    out = tmp_path / "by-run"
    assert main(["export", "--run", runs[0].info.run_id, "--out", str(out), "--tracking-uri", uri]) == 0
    ours = json.loads((out / "config.json").read_text())["xner"]["provenance"]
    theirs = json.loads((export / "config.json").read_text())["xner"]["provenance"]
    assert ours["node_key"] == theirs["node_key"] and ours["test_f1"] == theirs["test_f1"]
    assert main(["export", "--run", "0" * 32, "--out", str(tmp_path / "none"), "--tracking-uri", uri]) == 2


def test_log_models_best_logs_the_best_dev_seed_in_its_seed_run(tmp_path: Path) -> None:
    import mlflow

    exp = tiny_experiment(tmp_path, train=30, evaluation=10)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    sets = [*SETS, "--set", "seeds=[1,2]", "--set", "tracking.log_models=best"]
    assert main(["run", str(exp), *sets, "--tracking-uri", uri]) == 0
    client = mlflow.MlflowClient(uri)
    ids = [e.experiment_id for e in client.search_experiments()]
    seeds = {r.info.run_id: r for r in client.search_runs(ids, "tags.`xner.level` = 'seed'")}
    models = client.search_logged_models(experiment_ids=ids)
    assert len(models) == 1
    best = max(seeds.values(), key=lambda r: (r.data.metrics["dev_f1"], -int(r.data.tags["seed"])))
    assert models[0].source_run_id == best.info.run_id


def test_xner_predict_reads_a_registered_model(registered, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    export, uri = registered
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps({"tokens": t}) + "\n" for t in SENTENCES), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["predict", f"models:/{NAME}@champion", "--input", str(data), "--output", str(out)]) == 0
    assert [json.loads(ln)["tags"] for ln in out.read_text().splitlines()] == _expected(export)
    assert main(["predict", "models:/no-such-model@champion", "--input", str(data)]) == 2


def test_the_logged_model_has_a_signature_and_an_input_example(registered) -> None:
    import mlflow

    _, uri = registered
    mlflow.set_tracking_uri(uri)
    info = mlflow.models.get_model_info(f"models:/{NAME}@champion")
    assert info.signature is not None and info.saved_input_example_info is not None
    fields = str(info.signature.inputs)
    assert "text" in fields and "tokens" in fields
