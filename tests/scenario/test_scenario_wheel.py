"""The wheel itself carries the bundled scenarios and their content.

Builds the wheel, installs it (alone, --no-deps) into a fresh virtual
environment whose dependencies come from this environment's site-packages
through a .pth file, and runs `labguide list` / `validate` from a temporary
directory, so that neither the checkout nor its editable install is on the path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_the_installed_wheel_lists_and_validates_its_bundled_scenarios(tmp_path):
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels),
          str(ROOT)])
    (wheel,) = wheels.glob("labguide-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--no-index", "--find-links", str(wheels), "--no-deps", "labguide"])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
                     ).stdout.strip())
    # Dependencies only: a path listed in a .pth is not a site dir, so the editable
    # install's own .pth files in this environment's site-packages are not processed.
    (site / "_labguide_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")

    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = _run([str(python), "-c",
                  "import sys, labguide; print(labguide.__file__); print('\\n'.join(sys.path))"],
                 cwd=cwd, env=env).stdout.splitlines()
    assert where[0].startswith(str(site)), where[0]
    assert not any(Path(p).resolve() == ROOT for p in where[1:] if p), where

    labguide = str(venv / "bin" / "labguide")
    listed = _run([labguide, "list"], cwd=cwd, env=env).stdout
    assert "compromised-iam-credentials" in listed
    validated = _run([labguide, "validate", "compromised-iam-credentials"], cwd=cwd, env=env)
    assert validated.stdout == "compromised-iam-credentials: ok\n"
    shipped = _run([str(python), "-c",
                    "from labguide.scenario import bundled_scenarios as b\n"
                    "for s in b(): print(s.path); print(s.content_dir)"],
                   cwd=cwd, env=env).stdout.splitlines()
    assert shipped and all(line.startswith(str(site / "labguide" / "_bundled")) for line in shipped)
