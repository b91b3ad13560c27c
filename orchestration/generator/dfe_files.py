"""DfE's published indicators and statistical neighbour groupings, delivered into a landing
folder from the copies the project ships (reference/README.md) as a council delivers its
downloads: `landing/<kind>_<YYYYMMDD>.csv`, byte for byte. With them, a publication compares each
authority with its statistical neighbours and ranks it among the other authorities."""

from __future__ import annotations

from pathlib import Path

from orchestration.settings import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "reference"
DFE_FILES = {
    "dfe_indicators": REFERENCE / "csww_indicators_2017_to_2025.csv",
    "dfe_statistical_neighbours": REFERENCE / "New_Statistical_Neighbour_Groupings_April_2021.csv",
}
# the date in their names, as a council's download date (a file dated after the run is refused)
DOWNLOADED_ON = "20251201"
# the attribution the Open Government Licence asks of whoever passes the files on
LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0."


def write_dfe_files(landing: Path, downloaded_on: str = DOWNLOADED_ON) -> list[Path]:
    """Copy DfE's two files into `landing` (not an authority folder); returns their paths."""
    landing.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, source in DFE_FILES.items():
        path = landing / f"{kind}_{downloaded_on}.csv"
        path.write_bytes(source.read_bytes())
        written.append(path)
    return written
