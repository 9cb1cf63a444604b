"""The project's DVC settings, checked on a small repository of their own."""

import py_compile
import shutil
import subprocess

from tests.conftest import ROOT


def test_compiled_python_files_beside_the_sources_leave_a_stage_up_to_date(tmp_path, monkeypatch):
    """A directory dependency (dvc.yaml lists src/creditrisk/model, features, ...) hashes the same whether or not
    Python wrote its bytecode beside the sources, as it does wherever PYTHONDONTWRITEBYTECODE is not set; a change
    of the source itself still reruns the stage."""
    from dvc.repo import Repo

    monkeypatch.chdir(tmp_path)  # DVC's API works on the repository of the working directory
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    repo = Repo.init(tmp_path)
    shutil.copy(ROOT / ".dvcignore", tmp_path / ".dvcignore")
    code = tmp_path / "code"
    code.mkdir()
    (code / "module.py").write_text("ANSWER = 42\n")
    (tmp_path / "dvc.yaml").write_text("stages:\n  stage:\n    cmd: echo ran > out.txt\n    deps: [code]\n"
                                       "    outs: [out.txt]\n")
    repo.reproduce()
    assert repo.status() == {}
    py_compile.compile(str(code / "module.py"), cfile=str(code / "__pycache__" / "module.cpython-311.pyc"))
    (code / "stray.pyc").write_bytes(b"\x00")
    assert repo.status() == {}
    (code / "module.py").write_text("ANSWER = 43\n")
    assert repo.status() == {"stage": [{"changed deps": {"code": "modified"}}]}
