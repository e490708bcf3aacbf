"""pypi: a project's package on PyPI (release history with upload times and yanked flags) and the
package -> repository map that dependency risk uses."""

from typing import Any

from collectors import Source


def _has_package(project: Any) -> bool:
    return bool(project.pypi_package)


SOURCE = Source(
    name="pypi",
    description="PyPI: release history with upload times and yanked flags, package -> repository map",
    implementation="collectors.pypi.source",
    tables=("pypi_packages", "pypi_releases"),
    applies=_has_package,
)

_EXPORTS = {"PyPIClient": "collectors.pypi.client", "repo_from_urls": "collectors.pypi.client",
            "releases_of": "collectors.pypi.client", "repo_for_package": "collectors.pypi.source",
            "save_package": "collectors.pypi.source"}


def __getattr__(name: str) -> Any:
    """`from collectors.pypi import PyPIClient, repo_for_package` without importing requests on start-up."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
