"""Where the national-ID key comes from, and that production refuses to start without one kept apart from the data.

A copy of the data directory must not carry the key: with the key, the stored HMACs of 13-digit IDs (a trillion
candidates, most of which fail the check digit) can be worked back to the numbers in hours.
"""

import os
import stat
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from thamdee.settings import national_id_hmac_key


def load(environ, var_dir, *, dev=False, data_dirs=()):
    return national_id_hmac_key(environ, var_dir=var_dir, data_dirs=data_dirs, dev=dev)


class TestTheLoader:
    def test_a_key_from_the_environment_is_used_and_nothing_is_written(self, tmp_path):
        assert load({"NATIONAL_ID_HMAC_KEY": "k" * 40}, tmp_path) == "k" * 40
        assert list(tmp_path.iterdir()) == []

    def test_a_key_file_outside_the_data_directory_is_read(self, tmp_path):
        (tmp_path / "secrets").mkdir()
        key_file = tmp_path / "secrets" / "nid.key"
        key_file.write_text("a-key-kept-apart\n")
        assert load({"NATIONAL_ID_HMAC_KEY_FILE": str(key_file)}, tmp_path / "var") == "a-key-kept-apart"

    @pytest.mark.parametrize("inside", ["var", "db"])
    def test_a_key_file_inside_the_data_is_refused(self, tmp_path, inside):
        (tmp_path / inside).mkdir()
        key_file = tmp_path / inside / "nid.key"
        key_file.write_text("next-to-the-data")
        with pytest.raises(ImproperlyConfigured, match="NATIONAL_ID_HMAC_KEY_FILE"):
            load({"NATIONAL_ID_HMAC_KEY_FILE": str(key_file)}, tmp_path / "var", data_dirs=[tmp_path / "db"])

    def test_a_missing_or_empty_key_file_is_refused(self, tmp_path):
        with pytest.raises(ImproperlyConfigured, match="NATIONAL_ID_HMAC_KEY_FILE"):
            load({"NATIONAL_ID_HMAC_KEY_FILE": str(tmp_path / "absent")}, tmp_path / "var")
        (tmp_path / "empty").write_text("\n")
        with pytest.raises(ImproperlyConfigured, match="NATIONAL_ID_HMAC_KEY_FILE"):
            load({"NATIONAL_ID_HMAC_KEY_FILE": str(tmp_path / "empty")}, tmp_path / "var")

    def test_a_key_and_a_key_file_together_are_refused(self, tmp_path):
        key_file = tmp_path / "nid.key"
        key_file.write_text("one")
        with pytest.raises(ImproperlyConfigured):
            load({"NATIONAL_ID_HMAC_KEY": "two", "NATIONAL_ID_HMAC_KEY_FILE": str(key_file)}, tmp_path / "var")

    def test_production_without_a_key_has_none_and_neither_makes_nor_reads_one_in_the_data(self, tmp_path):
        assert load({}, tmp_path) == ""
        assert list(tmp_path.iterdir()) == []
        (tmp_path / "national_id_hmac_key").write_text("left-by-an-older-version")
        assert load({}, tmp_path) == ""

    def test_a_developer_or_demo_machine_gets_a_key_made_once_under_var(self, tmp_path):
        first = load({}, tmp_path, dev=True)
        assert len(first) >= 50
        assert load({}, tmp_path, dev=True) == first
        assert stat.S_IMODE((tmp_path / "national_id_hmac_key").stat().st_mode) == 0o600


def thamdee(tmp_path, code, **env):
    """Run Python in a fresh process with production-like variables and no national-ID key."""
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "thamdee.settings",
        "SECRET_KEY": "a-production-secret-" + "k" * 60 + "-Zq8!pX2#",
        "ALLOWED_HOSTS": "thamdee.example.go.th",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "THAMDEE_VAR_DIR": str(tmp_path),
    }
    for name in ("NATIONAL_ID_HMAC_KEY", "NATIONAL_ID_HMAC_KEY_FILE", "THAMDEE_DEV_KEYS", "DEBUG", "HTTPS"):
        environ.pop(name, None)
    environ.update(env)
    result = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    return result.returncode, result.stdout + result.stderr


def test_production_refuses_to_serve_without_a_key(tmp_path):
    returncode, output = thamdee(tmp_path, "import thamdee.wsgi")
    assert returncode != 0
    assert "NATIONAL_ID_HMAC_KEY" in output
    assert not (tmp_path / "national_id_hmac_key").exists()


def test_production_serves_with_a_key_from_the_environment(tmp_path):
    returncode, output = thamdee(tmp_path, "import thamdee.wsgi", NATIONAL_ID_HMAC_KEY="n" * 50)
    assert returncode == 0, output


@pytest.mark.parametrize("flag", [{"DEBUG": "1"}, {"THAMDEE_DEV_KEYS": "1"}])
def test_a_developer_or_demo_machine_starts_with_nothing_set(tmp_path, flag):
    returncode, output = thamdee(tmp_path, "import thamdee.wsgi", **flag)
    assert returncode == 0, output
    assert (tmp_path / "national_id_hmac_key").exists()


def test_the_release_check_names_the_missing_key_while_build_steps_still_run(tmp_path):
    deploy = "from thamdee.cli import main; import sys; sys.argv = ['thamdee', 'check', '--deploy']; main()"
    returncode, output = thamdee(tmp_path, deploy)
    assert returncode != 0
    assert "people.E001" in output
    build = "from thamdee.cli import main; import sys; sys.argv = ['thamdee', 'check']; main()"
    returncode, output = thamdee(tmp_path, build)
    assert returncode == 0, output
