"""Configuration from the environment, the production profile, and the ``hygie`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from hygie import __version__
from hygie.lib.env import env_bool, env_int, env_list, env_str

FERNET_KEY = "kGMDGLdK0tMtmc3-jRFxy7ZsD8QYzR3bQ1wTqyzCnE0="


def hygie(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HYGIE_", "DATABASE_URL", "DJANGO_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "hygie", *args],
        env={**base, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_env_helpers_parse_strictly_and_name_the_variable() -> None:
    assert env_bool("X", False, {"X": "Yes"}) is True
    assert env_bool("X", True, {}) is True
    with pytest.raises(ImproperlyConfigured, match="X must be true or false"):
        env_bool("X", False, {"X": "maybe"})
    assert env_int("N", 3, {"N": " 7 "}) == 7
    with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
        env_int("N", 3, {"N": "seven"})
    assert env_list("L", ["a"], {"L": "x, y,,z"}) == ["x", "y", "z"]
    assert env_str("S", "default", {"S": ""}) == "default"


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    assert env_str("SECRET_KEY", "", {"SECRET_KEY_FILE": str(secret)}) == "s3cret"
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("SECRET_KEY", "", {"SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_version_is_printed() -> None:
    result = hygie("--version")
    assert result.stdout.strip() == f"hygie {__version__}"


def test_manage_passes_through_to_django(tmp_path: Path) -> None:
    result = hygie("manage", "check", env={"HYGIE_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_production_profile_passes_the_deployment_check_with_no_warning(
    tmp_path: Path,
) -> None:
    env = {
        "HYGIE_PROFILE": "production",
        "HYGIE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x7" * 20 + "a-long-random-production-secret-key-0123456789",
        "HYGIE_ENCRYPTION_KEY": FERNET_KEY,
        "ALLOWED_HOSTS": "hygie.example.org",
        "HYGIE_BASE_URL": "https://hygie.example.org",
        "HYGIE_BROKER_URL": "redis://127.0.0.1:6379/0",
        "HYGIE_CACHE_URL": "redis://127.0.0.1:6379/1",
        "EMAIL_HOST": "smtp.example.org",
    }
    result = hygie("manage", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("HYGIE_BROKER_URL", "HYGIE_BROKER_URL must point at Redis or RabbitMQ"),
    ],
)
def test_the_production_profile_refuses_to_start_without_its_settings(
    tmp_path: Path, missing: str, message: str
) -> None:
    env = {
        "HYGIE_PROFILE": "production",
        "HYGIE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "k" * 60,
        "HYGIE_ENCRYPTION_KEY": FERNET_KEY,
        "ALLOWED_HOSTS": "h.example.org",
        "HYGIE_BASE_URL": "https://h.example.org",
        "HYGIE_BROKER_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_HOST": "smtp.example.org",
    }
    del env[missing]
    result = hygie("manage", "check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_wrong_encryption_key_is_reported_by_the_system_check(tmp_path: Path) -> None:
    result = hygie(
        "manage", "check", env={"HYGIE_VAR_DIR": str(tmp_path), "HYGIE_ENCRYPTION_KEY": "not-a-key"}
    )
    assert result.returncode != 0
    assert "hygie.E001" in result.stderr


def test_the_dev_profile_creates_its_secrets_once_and_keeps_them(tmp_path: Path) -> None:
    hygie("manage", "check", env={"HYGIE_VAR_DIR": str(tmp_path)})
    first = (tmp_path / "secret_key").read_text()
    hygie("manage", "check", env={"HYGIE_VAR_DIR": str(tmp_path)})
    assert (tmp_path / "secret_key").read_text() == first
    assert oct((tmp_path / "encryption_key").stat().st_mode & 0o777) == "0o600"
