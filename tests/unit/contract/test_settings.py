"""Settings: file + environment, and errors that name the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.contract.settings import load_settings
from civicmod.contract.yamlfile import FileError

REPO = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "civicmod.yaml"
    path.write_text(text)
    return path


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.kafka.partitions == 6 and s.source is None


def test_shipped_example_config_is_valid():
    s = load_settings(REPO / "civicmod.yaml", env={})
    assert s.source and s.source.endswith("civicmod.yaml")


def test_file_then_env_overrides(tmp_path: Path):
    path = write(tmp_path, "worker:\n  batch_size: 32\nkafka:\n  partitions: 3\n")
    s = load_settings(path, env={"CIVICMOD__WORKER__BATCH_SIZE": "8",
                                 "KAFKA_BOOTSTRAP_SERVERS": "k1:9092,k2:9092"})
    assert s.worker.batch_size == 8
    assert s.kafka.partitions == 3
    assert s.kafka.bootstrap_servers == "k1:9092,k2:9092"


def test_batch_size_auto_depends_on_the_model(tmp_path: Path):
    s = load_settings(REPO / "civicmod.yaml", env={})
    assert s.worker.batch_size == "auto"
    # rules only: larger batches (fewer round trips); with a model, its call on the whole batch
    # must end within classifier.timeout_s
    assert s.worker.batch_for(model=False) == 512 and s.worker.batch_for(model=True) == 128
    assert s.worker.batch_for(model=True, gpu=True) == 512  # a GPU wastes small calls on launches
    fixed = load_settings(write(tmp_path, "worker:\n  batch_size: 64\n"), env={})
    assert fixed.worker.batch_for(model=False) == fixed.worker.batch_for(model=True) == 64
    assert load_settings(env={"CIVICMOD__WORKER__BATCH_SIZE": "auto"}).worker.batch_size == "auto"
    assert load_settings(env={"CIVICMOD__WORKER__BATCH_SIZE": "16"}).worker.batch_size == 16


def test_wrong_type_names_file_line_and_field(tmp_path: Path):
    path = write(tmp_path, "kafka:\n  partitions: 6\nworker:\n  web_port: 6066\n  batch_size: lots\n")
    with pytest.raises(FileError) as err:
        load_settings(path, env={})
    assert err.value.line == 5
    assert err.value.field == "worker.batch_size"
    assert str(err.value).startswith(f"{path}:5: worker.batch_size:")


def test_unknown_key_is_reported_at_its_line(tmp_path: Path):
    path = write(tmp_path, "worker:\n  batch_size: 8\n  bach_size: 9\n")
    with pytest.raises(FileError) as err:
        load_settings(path, env={})
    assert (err.value.line, err.value.field) == (3, "worker.bach_size")
    assert "Extra inputs" in err.value.message


def test_broken_yaml_names_the_line(tmp_path: Path):
    path = write(tmp_path, "worker:\n  batch_size: [1, 2\nkafka: {}\n")
    with pytest.raises(FileError) as err:
        load_settings(path, env={})
    assert err.value.line is not None and "invalid YAML" in str(err.value)


def test_bad_env_override_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileError) as err:
        load_settings(env={"CIVICMOD__WORKER__WEB_PORT": "not-a-port"})
    assert "CIVICMOD__WORKER__WEB_PORT" in str(err.value)
    assert err.value.field == "worker.web_port"


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(FileError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml", env={})


def test_thresholds_per_classifier():
    s = load_settings(REPO / "civicmod.yaml", env={})
    assert s.policy.thresholds_for("alt-profanity-check").hide == {}
    assert s.policy.thresholds_for("detoxify-original").hide["threat"] == 0.9
