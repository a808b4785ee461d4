"""docker-compose.yml, the Dockerfile, .env.example and README agree with the code (no Docker engine needed)."""

import importlib
import importlib.util
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from celery import Celery

BASE_DIR = Path(__file__).resolve().parent.parent
APP_SERVICES = {"migrate", "web", "worker", "beat"}
SERVICES = {"postgres", "redis", "web", "worker", "beat"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (BASE_DIR / "Dockerfile").read_text()


def settings_env_vars() -> set[str]:
    text = (BASE_DIR / "config/settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", text))


def readme_table_vars() -> set[str]:
    """Variables named in the first column of README's tables: | `NAME` | ..."""
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", (BASE_DIR / "README.md").read_text(), re.M))


def interpolated_vars(node) -> set[str]:
    """Every ${VAR}, ${VAR:-default} and ${VAR:?message} in the compose file, nested ones included."""
    text = yaml.safe_dump(node)
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))


def command_of(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_the_five_services_exist(compose):
    assert set(compose["services"]) >= SERVICES
    assert compose["services"]["postgres"]["image"].startswith("postgres:15")
    assert "pgdata" in compose["volumes"]
    assert any(v.startswith("pgdata:") for v in compose["services"]["postgres"]["volumes"])
    assert "healthcheck" in compose["services"]["postgres"]


def test_depends_on_names_existing_services(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", []):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
    for name in ("web", "worker", "beat"):
        assert "postgres" in services[name]["depends_on"] or "migrate" in services[name]["depends_on"]
        assert "redis" in services[name]["depends_on"]


def test_web_serves_the_real_wsgi_application(compose, dockerfile):
    from django.core.handlers.wsgi import WSGIHandler

    commands = [command_of(compose["services"]["web"])]
    commands.append(json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M)[1]))  # exec form
    for command in commands:
        assert command[0] == "gunicorn"
        module_name, attr = next(arg for arg in command[1:] if re.fullmatch(r"[\w.]+:\w+", arg)).split(":")
        application = getattr(importlib.import_module(module_name), attr)
        assert isinstance(application, WSGIHandler)


@pytest.mark.parametrize(("service", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_celery_services_point_at_the_project_app(compose, service, subcommand):
    command = command_of(compose["services"][service])
    assert command[:2] == ["celery", "-A"]
    # `celery -A config` finds config.celery.app, as Celery's own lookup does.
    module = importlib.import_module(f"{command[2]}.celery")
    assert isinstance(module.app, Celery)
    assert module.app.main == "motcua"
    assert subcommand in command


def test_migrate_runs_a_real_management_command(compose):
    from django.core.management import get_commands

    command = command_of(compose["services"]["migrate"])
    assert command[:2] == ["python", "manage.py"]
    assert (BASE_DIR / "manage.py").exists()
    assert command[2] in get_commands()


def test_the_settings_module_the_image_uses_imports(compose, dockerfile):
    modules = set(re.findall(r"DJANGO_SETTINGS_MODULE=([\w.]+)", dockerfile))
    for service in compose["services"].values():
        value = (service.get("environment") or {}).get("DJANGO_SETTINGS_MODULE")
        if value:
            modules.add(value)
    assert modules == {"config.settings"}
    for module in modules:
        assert importlib.util.find_spec(module) is not None


def test_app_services_share_the_image_env_and_media(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        assert "media:/app/var/media" in service["volumes"]


def test_variables_set_for_the_app_are_read_by_settings(compose):
    read = settings_env_vars()
    for name in APP_SERVICES:
        for variable in compose["services"][name].get("environment") or {}:
            assert variable in read, f"{name} sets {variable}, which config/settings.py never reads"


def test_every_variable_compose_uses_is_documented_in_the_readme(compose):
    missing = interpolated_vars(compose) - readme_table_vars()
    assert not missing, f"add these to README's environment table: {sorted(missing)}"


def test_every_variable_settings_reads_is_documented_and_in_env_example():
    read = settings_env_vars()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= read
    undocumented = read - readme_table_vars()
    assert not undocumented, f"add these to README's environment table: {sorted(undocumented)}"
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.M))
    assert not read - listed, f"add these to .env.example: {sorted(read - listed)}"


def test_the_image_is_slim_bookworm_non_root_and_locked(dockerfile):
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", dockerfile, re.M)
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "collectstatic" in dockerfile
    for package in ("libharfbuzz-subset0", "libpango-1.0-0", "libpangoft2-1.0-0", "gettext"):
        assert package in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "var", ".git"):
        assert entry in ignored
