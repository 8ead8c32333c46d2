"""`gmall-rt grafana push`: the datasources and dashboards of ``grafana/`` through Grafana's HTTP API.

The same files Grafana reads as provisioning are the input, so a Grafana provisioned from files and
one pushed to end up alike. ``${VAR}`` values in the provisioning files are configuration keys by
their environment names (``GMALL_<SECTION>_<KEY>``, e.g. ``GMALL_MARIADB_PASSWORD``): Grafana takes
them from its environment, the push from the gmall-rt configuration.

Every object is read first and written only when it differs, so a second push writes nothing.
Grafana never returns stored secrets (passwords): they are sent when a datasource is created or
changed, when Grafana reports them unset, or on ``--update-secrets`` (after a password rotation).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

import niquests.exceptions
from grafana_client import GrafanaApi
from grafana_client.client import GrafanaClientError, GrafanaException
from ruamel.yaml import YAML, YAMLError

from gmall_rt import config as config_module
from flink_jobs.config import ENV_PREFIX
from gmall_rt.config import Config, ConfigError
from gmall_rt.paths import PROJECT_ROOT

GRAFANA_DIR = PROJECT_ROOT / "grafana"
DATASOURCES_FILE = GRAFANA_DIR / "provisioning" / "datasources" / "gmall.yaml"
DASHBOARD_PROVIDER_FILE = GRAFANA_DIR / "provisioning" / "dashboards" / "gmall.yaml"
DASHBOARDS_DIR = GRAFANA_DIR / "dashboards"

# The keys of a provisioned datasource that the HTTP API takes under the same name (``editable``
# and ``orgId`` are provisioning-only: an API token acts in its own organization).
API_DATASOURCE_KEYS = ("uid", "name", "type", "access", "url", "user", "database", "basicAuth",
                       "basicAuthUser", "withCredentials", "isDefault", "jsonData", "secureJsonData")
# Grafana adds these to a stored dashboard; they are not part of what is pushed.
STORED_DASHBOARD_KEYS = ("id", "version")
TIMEOUT_S = 15.0

_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class GrafanaError(Exception):
    """A push cannot go on; the message says what Grafana or the files said and what to do."""


def config_variables(config: Config) -> dict[str, str]:
    """Every configuration value under its environment variable name, for ``${VAR}`` values."""
    variables = {}
    for section in dataclasses.fields(config):
        values = getattr(config, section.name)
        for key in dataclasses.fields(values):
            name = f"{ENV_PREFIX}{section.name}_{key.name}".upper()
            variables[name] = str(getattr(values, key.name))
    return variables


def expand(value: Any, variables: Mapping[str, str], origin: str) -> Any:
    """``value`` with ``$VAR``/``${VAR}`` in every string replaced as Grafana does; ``$$`` is ``$``.

    Unlike Grafana, which leaves an unknown variable empty, an unknown name is an error.
    """
    if isinstance(value, dict):
        return {key: expand(item, variables, origin) for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item, variables, origin) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise GrafanaError(f"{origin}: ${{{name}}} is not a configuration key "
                               "(use GMALL_<SECTION>_<KEY>, as `gmall-rt config` lists them)")
        return variables[name]

    return "$".join(_VARIABLE.sub(substitute, part) for part in value.split("$$"))


def read_yaml(path: Path) -> dict:
    try:
        document = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise GrafanaError(f"{path}: cannot read it ({exc})") from None
    if not isinstance(document, dict):
        raise GrafanaError(f"{path}: expected a YAML mapping")
    return document


def load_datasources(variables: Mapping[str, str], path: Path = DATASOURCES_FILE) -> list[dict]:
    """The provisioned datasources, values expanded, as the HTTP API takes them."""
    entries = read_yaml(path).get("datasources") or []
    datasources = []
    for entry in expand(entries, variables, str(path)):
        datasource = {key: entry[key] for key in API_DATASOURCE_KEYS if key in entry}
        if not datasource.get("uid"):
            raise GrafanaError(f"{path}: datasource {entry.get('name')!r} has no uid; give each a stable uid")
        # nothing to store for a secret that is not configured (and an empty one would never compare)
        secrets = {key: value for key, value in datasource.pop("secureJsonData", {}).items() if value}
        if secrets:
            datasource["secureJsonData"] = secrets
        datasources.append(datasource)
    return datasources


def load_folder(path: Path = DASHBOARD_PROVIDER_FILE) -> tuple[str, str]:
    """``(uid, title)`` of the folder the dashboard provider puts the dashboards in."""
    providers = read_yaml(path).get("providers") or []
    if len(providers) != 1 or not providers[0].get("folderUid") or not providers[0].get("folder"):
        raise GrafanaError(f"{path}: expected one provider with folder and folderUid")
    return providers[0]["folderUid"], providers[0]["folder"]


def load_dashboards(directory: Path = DASHBOARDS_DIR) -> list[dict]:
    dashboards = []
    for path in sorted(directory.glob("*.json")):
        try:
            dashboard = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise GrafanaError(f"{path}: not a dashboard JSON file ({exc})") from None
        if not dashboard.get("uid"):
            raise GrafanaError(f"{path}: the dashboard has no uid; give it a stable one")
        dashboards.append(dashboard)
    return dashboards


def _get(read: Callable[[str], Any], uid: str) -> Any | None:
    """What Grafana holds under ``uid``, None when it has nothing there."""
    try:
        return read(uid)
    except GrafanaClientError as exc:
        if exc.status_code == 404:
            return None
        raise


def _push_folder(api: GrafanaApi, uid: str, title: str) -> str:
    current = _get(api.folder.get_folder, uid)
    if current is None:
        api.folder.create_folder(title, uid=uid)
        return "created"
    if current.get("title") == title:
        return "unchanged"
    api.folder.update_folder(uid, title=title, version=current.get("version"), overwrite=True)
    return "updated"


def _push_datasource(api: GrafanaApi, desired: dict, update_secrets: bool) -> str:
    uid = desired["uid"]
    current = _get(api.datasource.get_datasource_by_uid, uid)
    if current is None:
        api.datasource.create_datasource(desired)
        return "created"
    stored_secrets = current.get("secureJsonFields") or {}
    changed = any(current.get(key) != value for key, value in desired.items() if key != "secureJsonData")
    secrets_unset = any(not stored_secrets.get(key) for key in desired.get("secureJsonData", {}))
    if not (changed or secrets_unset or (update_secrets and "secureJsonData" in desired)):
        return "unchanged"
    if current.get("readOnly"):
        raise GrafanaError(f"grafana push: datasource {uid} differs but is provisioned from files on this Grafana; "
                           "update its provisioning files instead of pushing")
    api.datasource.update_datasource_by_uid(uid, {**desired, "version": current.get("version")})
    return "updated"


def _push_dashboard(api: GrafanaApi, dashboard: dict, folder_uid: str) -> str:
    uid = dashboard["uid"]
    current = _get(api.dashboard.get_dashboard, uid)
    if current is not None:
        stored = {key: value for key, value in current["dashboard"].items() if key not in STORED_DASHBOARD_KEYS}
        if stored == dashboard and current.get("meta", {}).get("folderUid") == folder_uid:
            return "unchanged"
        if current.get("meta", {}).get("provisioned"):
            raise GrafanaError(f"grafana push: dashboard {uid} differs but is provisioned from files on this Grafana; "
                               "update its provisioning files instead of pushing")
    api.dashboard.update_dashboard({"dashboard": {**dashboard, "id": None}, "folderUid": folder_uid,
                                    "overwrite": True, "message": "gmall-rt grafana push"})
    return "created" if current is None else "updated"


def push(api: GrafanaApi, folder: tuple[str, str], datasources: list[dict], dashboards: list[dict],
         update_secrets: bool = False, report: Callable[[str], None] = print) -> dict[str, str]:
    """Create or update the folder, datasources and dashboards; ``{"<kind> <uid>": action}``, each
    action ``created``, ``updated`` or ``unchanged`` and reported as it happens."""
    outcomes: dict[str, str] = {}

    def record(kind: str, uid: str, action: str) -> None:
        outcomes[f"{kind} {uid}"] = action
        report(f"{kind:<10} {uid:<22} {action}")

    folder_uid, folder_title = folder
    record("folder", folder_uid, _push_folder(api, folder_uid, folder_title))
    for datasource in datasources:
        record("datasource", datasource["uid"], _push_datasource(api, datasource, update_secrets))
    for dashboard in dashboards:
        record("dashboard", dashboard["uid"], _push_dashboard(api, dashboard, folder_uid))
    return outcomes


def connect(url: str, token: str) -> GrafanaApi:
    """A client for the Grafana at ``url``, authenticated by ``token`` or the URL's user:password."""
    if not url:
        raise ConfigError("grafana push: no Grafana URL; pass --url or set GMALL_GRAFANA_URL")
    parts = urlsplit(url)
    # grafana-client appends "api" to the path as it is: a sub-path must end with a slash
    url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/"))
    api = GrafanaApi.from_url(url, credential=token or None, timeout=TIMEOUT_S)
    if api.client.auth is None:
        raise ConfigError("grafana push: no credentials; set GMALL_GRAFANA_TOKEN to a service account "
                          "token with the Admin role (or put user:password in the URL)")
    return api


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _reason(exc: Exception) -> str:
    """The connection failure itself, without the retry wrapper and connection object around it."""
    cause = getattr(exc.args[0], "reason", None) if exc.args else None
    return str(cause).rpartition(">: ")[2] if cause else str(exc)


def cmd_push(args) -> int:
    config = config_module.load(args.config)
    url = args.url or config.grafana.url
    api = connect(url, config.grafana.token)
    shown = _without_credentials(url)
    try:
        outcomes = push(api, load_folder(), load_datasources(config_variables(config)), load_dashboards(),
                        update_secrets=args.update_secrets)
    except GrafanaException as exc:
        raise GrafanaError(f"grafana push: Grafana at {shown} answered: {exc.message}") from None
    except niquests.exceptions.RequestException as exc:
        raise GrafanaError(f"grafana push: cannot reach Grafana at {shown}: {_reason(exc)}") from None
    counts = {action: list(outcomes.values()).count(action) for action in ("created", "updated", "unchanged")}
    print("grafana push: " + ", ".join(f"{count} {action}" for action, count in counts.items()))
    return 0


def add_parser(commands) -> None:
    """Add ``grafana push`` to gmall-rt's subcommands."""
    grafana = commands.add_parser("grafana", help="the Grafana datasources and dashboards")
    actions = grafana.add_subparsers(dest="action", required=True)
    push_parser = actions.add_parser("push", help="create or update them in a running Grafana (HTTP API)")
    push_parser.add_argument("--url", help="Grafana's base URL (default: $GMALL_GRAFANA_URL)")
    push_parser.add_argument("--update-secrets", action="store_true",
                             help="send the datasource passwords even when nothing else changed")
    push_parser.set_defaults(func=cmd_push)
