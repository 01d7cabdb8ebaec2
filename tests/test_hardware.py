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
