"""`gmall-rt grafana push` against a small stand-in for Grafana's HTTP API that records each call.

The stand-in keeps folders, datasources and dashboards as Grafana's API returns them (secrets
write-only, a version per write, dashboards with their meta). It proves the push logic only:
what is created, what is updated, and that a second push sends nothing but reads.
"""

import argparse
import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gmall_rt import grafana

TOKEN = "test-token"


class FakeGrafana:
    def __init__(self):
        self.calls = []  # (method, path)
        self.folders, self.datasources, self.dashboards = {}, {}, {}

    def writes(self):
        return [call for call in self.calls if call[0] != "GET"]

    def handle(self, method, path, body):
        parts = path.strip("/").split("/")[1:]  # without "api"
        if parts[0] == "folders":
            return self._folder(method, parts[1:], body)
        if parts[0] == "datasources":
            return self._datasource(method, parts[1:], body)
        if parts[0] == "dashboards":
            return self._dashboard(method, parts[1:], body)
        return 404, {"message": "Not found"}

    def _folder(self, method, rest, body):
        if method == "GET":
            folder = self.folders.get(rest[0])
            return (200, folder) if folder else (404, {"message": "folder not found"})
        if method == "POST":
            self.folders[body["uid"]] = {"uid": body["uid"], "title": body["title"], "version": 1}
            return 200, self.folders[body["uid"]]
        folder = self.folders[rest[0]]
        folder.update(title=body["title"], version=folder["version"] + 1)
        return 200, folder

    def _datasource(self, method, rest, body):
        if method == "GET":
            stored = self.datasources.get(rest[1])
            if stored is None:
                return 404, {"message": "Data source not found"}
            shown = {key: value for key, value in stored.items() if key != "secureJsonData"}
            shown["secureJsonFields"] = {key: True for key in stored.get("secureJsonData", {})}
            return 200, shown
        if method == "PUT":
            stored = self.datasources[rest[1]]
            if body.get("version") != stored["version"]:
                return 409, {"message": "Datasource has already been updated by someone else"}
            secrets = {**stored.get("secureJsonData", {}), **body.get("secureJsonData", {})}
            stored.update({**body, "secureJsonData": secrets, "version": stored["version"] + 1})
            return 200, {"message": "Datasource updated"}
        if any(d["name"] == body["name"] for d in self.datasources.values()):
            return 409, {"message": "data source with the same name already exists"}
        defaults = {"id": len(self.datasources) + 1, "orgId": 1, "user": "", "database": "", "basicAuth": False,
                    "isDefault": False, "jsonData": {}, "readOnly": False, "version": 1}
        self.datasources[body["uid"]] = {**defaults, **copy.deepcopy(body)}
        return 200, {"message": "Datasource added"}

    def _dashboard(self, method, rest, body):
        if method == "GET":
            stored = self.dashboards.get(rest[1])
            return (200, copy.deepcopy(stored)) if stored else (404, {"message": "Dashboard not found"})
        dashboard = copy.deepcopy(body["dashboard"])
        previous = self.dashboards.get(dashboard["uid"])
        dashboard["id"] = previous["dashboard"]["id"] if previous else len(self.dashboards) + 1
        dashboard["version"] = previous["dashboard"]["version"] + 1 if previous else 1
        self.dashboards[dashboard["uid"]] = {
            "dashboard": dashboard, "meta": {"folderUid": body.get("folderUid", ""), "provisioned": False}}
        return 200, {"status": "success", "uid": dashboard["uid"], "version": dashboard["version"]}


@pytest.fixture
def fake():
    state = FakeGrafana()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.calls.append((self.command, self.path))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, answer = 401, {"message": "Unauthorized"}
            else:
                status, answer = state.handle(self.command, self.path, body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """The gmall-rt configuration the push reads: a token, a password, no local credentials file."""
    monkeypatch.setenv("GMALL_STACK_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("GMALL_RT_CONFIG", raising=False)
    monkeypatch.setenv("GMALL_GRAFANA_TOKEN", TOKEN)
    monkeypatch.setenv("GMALL_MARIADB_READER_PASSWORD", "pw-1")
    return monkeypatch


def run(*argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    grafana.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["grafana", "push", *argv])
    return args.func(args)


def actions(output):
    lines = [line.split() for line in output.splitlines() if line.split()[:1] != ["grafana"]]
    return {f"{kind} {uid}": action for kind, uid, action in lines}


def test_first_push_creates_everything_second_push_only_reads(fake, environment, capsys):
    assert run("--url", fake.url) == 0
    first = actions(capsys.readouterr().out)
    assert set(first.values()) == {"created"}
    assert len(first) == 1 + 4 + 6
    assert sorted(fake.datasources) == ["gmall-coupon-alert", "gmall-prometheus", "gmall-report", "gmall-sale-detail"]
    assert fake.datasources["gmall-report"]["secureJsonData"] == {"password": "pw-1"}
    assert sorted(fake.dashboards) == ["gmall-alerts", "gmall-dau", "gmall-gmv", "gmall-operations", "gmall-purchase",
                                      "gmall-today"]
    assert {entry["meta"]["folderUid"] for entry in fake.dashboards.values()} == {"gmall-realtime"}

    fake.calls.clear()
    assert run("--url", fake.url) == 0
    output = capsys.readouterr().out
    assert set(actions(output).values()) == {"unchanged"}
    assert "grafana push: 0 created, 0 updated, 11 unchanged" in output
    assert fake.writes() == [] and len(fake.calls) == 11


def test_a_changed_dashboard_is_updated_and_nothing_else(fake, environment, capsys):
    assert run("--url", fake.url) == 0
    capsys.readouterr()
    fake.calls.clear()
    folder, datasources = grafana.load_folder(), grafana.load_datasources({
        **grafana.config_variables(grafana.config_module.load()), "GMALL_MARIADB_READER_PASSWORD": "pw-1"})
    dashboards = grafana.load_dashboards()
    dashboards[0]["title"] += " (renamed)"
    api = grafana.connect(fake.url, TOKEN)
    outcomes = grafana.push(api, folder, datasources, dashboards, report=lambda line: None)
    assert outcomes[f"dashboard {dashboards[0]['uid']}"] == "updated"
    assert list(outcomes.values()).count("unchanged") == 10
    assert fake.writes() == [("POST", "/api/dashboards/db")]
    assert fake.dashboards[dashboards[0]["uid"]]["dashboard"]["title"].endswith("(renamed)")
    assert fake.dashboards[dashboards[0]["uid"]]["dashboard"]["version"] == 2


def test_a_changed_configuration_updates_the_datasources_that_use_it(fake, environment, capsys):
    assert run("--url", fake.url) == 0
    environment.setenv("GMALL_ELASTICSEARCH_PORT", "19200")
    fake.calls.clear()
    assert run("--url", fake.url) == 0
    changed = {key for key, action in actions(capsys.readouterr().out).items() if action != "unchanged"}
    assert changed == {"datasource gmall-coupon-alert", "datasource gmall-sale-detail"}
    assert sorted(fake.writes()) == [("PUT", "/api/datasources/uid/gmall-coupon-alert"),
                                     ("PUT", "/api/datasources/uid/gmall-sale-detail")]
    assert fake.datasources["gmall-sale-detail"]["url"] == "http://127.0.0.1:19200"


def test_a_rotated_password_is_sent_on_request(fake, environment, capsys):
    assert run("--url", fake.url) == 0
    environment.setenv("GMALL_MARIADB_READER_PASSWORD", "pw-2")
    assert run("--url", fake.url) == 0  # Grafana cannot tell: nothing to compare the secret with
    assert fake.datasources["gmall-report"]["secureJsonData"] == {"password": "pw-1"}
    fake.calls.clear()
    assert run("--url", fake.url, "--update-secrets") == 0
    assert fake.writes() == [("PUT", "/api/datasources/uid/gmall-report")]
    assert fake.datasources["gmall-report"]["secureJsonData"] == {"password": "pw-2"}


def test_errors_are_one_clear_line(fake, environment):
    environment.setenv("GMALL_GRAFANA_TOKEN", "wrong")
    with pytest.raises(grafana.GrafanaError, match=r"^grafana push: Grafana at http://127\.0\.0\.1:\d+ answered: Unauthorized$"):
        run("--url", fake.url)
    environment.delenv("GMALL_GRAFANA_TOKEN")
    with pytest.raises(grafana.ConfigError, match="set GMALL_GRAFANA_TOKEN"):
        run("--url", fake.url)
    with pytest.raises(grafana.ConfigError, match="pass --url or set GMALL_GRAFANA_URL"):
        run()


def test_an_unreachable_grafana_is_one_clear_line_without_the_urls_password(environment):
    with pytest.raises(grafana.GrafanaError, match=r"cannot reach Grafana at http://127\.0\.0\.1:9/: .*refused") as error:
        run("--url", "http://user:secret@127.0.0.1:9/")
    assert "secret" not in str(error.value) and "\n" not in str(error.value)


def test_grafana_under_a_sub_path():
    assert grafana.connect("http://grafana.example:3000/grafana", TOKEN).client.url == \
        "http://grafana.example:3000/grafana/api"
