"""Tests of rnlib.hardware: the precision policy follows the device facts."""

from rnlib import hardware


def test_precision_policy_follows_the_device(monkeypatch):
    monkeypatch.setattr(hardware, "gpu_name", lambda: "NVIDIA H200")
    assert hardware.precision_policy() == "mixed_float16"
    monkeypatch.setattr(hardware, "gpu_name", lambda: None)
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx2", "avx512_bf16"}))
    assert hardware.precision_policy() == "mixed_bfloat16"
    monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx2"}))
    assert hardware.precision_policy() == "float32"


def test_cpu_flags_reads_proc_cpuinfo():
    flags = hardware.cpu_flags()
    assert isinstance(flags, frozenset)
    assert not flags or any(f.startswith(("sse", "neon", "fp", "asimd", "avx")) for f in flags) or len(flags) > 3


def test_distribution_strategy_mirrors_training_over_two_cpu_devices_and_resumes(tmp_path):
    """The multi-device path (what several GPUs take), run here on a CPU split into 2 logical devices:
    train one epoch under MirroredStrategy, then resume from its checkpoint for a second epoch."""
    import csv
    import subprocess
    import sys

    data, run = tmp_path / "data", tmp_path / "run"
    subprocess.run([sys.executable, "-m", "rnlib.data", "synth", "--out", str(data), "--seed", "0",
                    "--split-groups", "40", "5", "5", "--no-images", "--no-progress"], check=True)
    logs = []
    for epochs in (1, 2):
        cmd = [sys.executable, "-m", "rnlib.nlvr", "train", "--run-dir", str(run), "--data", str(data),
               "--model", "objects", "--set", "g_units=[32,32]", "f_units=[32]", "--epochs", str(epochs),
               "--cpu-devices", "2", "--no-glove", "--verbose", "0"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        logs.append(done.stdout)
    assert all("MirroredStrategy over 2 devices" in log for log in logs), logs
    rows = list(csv.DictReader(open(run / "history.csv")))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert all(0.0 <= float(r["val_accuracy"]) <= 1.0 for r in rows)


def test_device_report_names_versions_and_device(monkeypatch):
    import keras

    monkeypatch.setattr(hardware, "gpu_name", lambda: None)
    line = hardware.device_report()
    assert f"Keras {keras.__version__}" in line and "CPU" in line and "no GPU" in line
    monkeypatch.setattr(hardware, "gpu_name", lambda: "Tesla T4")
    assert "GPU Tesla T4" in hardware.device_report() and "mixed_float16" in hardware.device_report()
