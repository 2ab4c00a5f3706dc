"""Build hook: compile the classifier's hot modules with mypyc (everything else about the package
is in pyproject.toml).

The modules below are plain, type-checked Python; mypyc turns them into C extensions that
run the same code about 15 % faster (bench/speed.py). Set ``STEWARD_PURE_PYTHON=1`` to install
without compiling; a machine without a C compiler also ends up with the pure-Python modules (the
extensions are optional), which behave the same, only slower.
"""

from __future__ import annotations

import os

from setuptools import setup

COMPILED = [
    "nlp/classification.py",
    "nlp/classifier.py",
    "nlp/model.py",
    "nlp/normalize.py",
    "nlp/rules.py",
    "nlp/units.py",
]


def _ext_modules() -> list[object]:
    if os.environ.get("STEWARD_PURE_PYTHON", "") in ("1", "true", "yes"):
        return []
    from mypyc.build import mypycify

    # mypy options of their own: the project's mypy configuration loads plugins (pydantic) that
    # the build environment does not have and these modules do not need.
    extensions = mypycify(["--config-file=", "--ignore-missing-imports", *COMPILED], opt_level="3")
    for ext in extensions:
        ext.optional = True  # no compiler: a warning, and the .py modules are used
    return list(extensions)


setup(ext_modules=_ext_modules())
