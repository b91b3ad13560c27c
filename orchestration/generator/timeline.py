"""Dates of the simulation and of the extracts, all derived from the end date and census years.

Inside the generator a date is a day number (days since 1970-01-01, numpy int64), so that
intervals compare and shift as plain integer arrays. `OPEN` stands for "no end date yet".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)
OPEN = 10_000_000  # a day number far beyond any date generated: the record has not ended
RETENTION_MONTHS = 24  # snapshots keep ended records this long
FRIDAY = 1  # 1970-01-01 was a Thursday, so day numbers with n % 7 == 1 are Fridays


def day_number(d: date) -> int:
    return (d - EPOCH).days


def to_date(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def months_before(d: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(d.year * 12 + d.month - 1 - months, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def weekdays_between(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Weekdays from `first` to `last` inclusive (0 where last < first)."""
    first_dates = first.astype("datetime64[D]")
    last_dates = (np.maximum(last, first - 1) + 1).astype("datetime64[D]")
    return np.busday_count(first_dates, last_dates)


def next_weekday(days: np.ndarray) -> np.ndarray:
    dates = np.busday_offset(days.astype("datetime64[D]"), 0, roll="forward")
    return dates.astype(np.int64)


def add_weekdays(days: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """The weekday `weekdays` working days after a weekday (0 gives the day itself)."""
    return np.busday_offset(days.astype("datetime64[D]"), weekdays).astype(np.int64)


@dataclass(frozen=True)
class Month:
    first: int
    last: int
    year: int
    month: int

    @property
    def days(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class Timeline:
    """When the simulation runs and which extracts it delivers.

    A census year runs 1 October - 30 September and is named by the year it ends in. Snapshot
    extracts start at the 31 March of the first census year (after the census return window
    of the year before closes); the simulation starts over two years earlier so that the first
    snapshot already carries a full 24 months of leavers. Period extracts (payroll, timesheets,
    absence) start with the first census year, on 1 October.
    """

    end: date
    census_dates: tuple[date, ...]
    snapshot_dates: tuple[date, ...]
    quarter_ends: tuple[date, ...]
    simulation_start: date
    period_start: date

    @classmethod
    def ending(cls, end: date, years: int) -> Timeline:
        if years < 1:
            raise ValueError("years must be at least 1")
        last_census_year = end.year if end >= date(end.year, 9, 30) else end.year - 1
        first_census_year = last_census_year - years + 1
        census_dates = tuple(date(y, 9, 30) for y in range(first_census_year, last_census_year + 1))
        period_start = date(first_census_year - 1, 10, 1)
        # Snapshots start after the census return window of the year before the first census
        # year has closed, so that year is not published half-covered by period data.
        first_snapshot = date(first_census_year, 3, 31)
        quarter_ends = []
        year, month = period_start.year, 12
        while (quarter_end := month_end(year, month)) <= end:
            quarter_ends.append(quarter_end)
            year, month = (year + 1, 3) if month == 12 else (year, month + 3)
        # A final snapshot at a mid-quarter end date keeps every record a period file refers
        # to inside some snapshot.
        snapshot_dates = [q for q in quarter_ends if q >= first_snapshot]
        snapshot_dates += [end] if quarter_ends[-1] != end else []
        return cls(
            end=end,
            census_dates=census_dates,
            snapshot_dates=tuple(snapshot_dates),
            quarter_ends=tuple(quarter_ends),
            simulation_start=date(first_snapshot.year - 3, 1, 1),
            period_start=period_start,
        )

    @property
    def start_day(self) -> int:
        return day_number(self.simulation_start)

    @property
    def end_day(self) -> int:
        return day_number(self.end)

    def months(self, since: date | None = None, *, whole: bool = False) -> list[Month]:
        """Calendar months from `since` (default: simulation start) to the end date's month,
        the last one cut at the end date unless `whole`."""
        since = since or self.simulation_start
        months = []
        year, month = since.year, since.month
        while (first := date(year, month, 1)) <= self.end:
            last = month_end(year, month) if whole else min(month_end(year, month), self.end)
            months.append(Month(day_number(first), day_number(last), year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def pay_runs(self) -> list[tuple[date, Month]]:
        """Payroll run dates (the 20th) with the month each pays, up to the end date."""
        return [
            (run, month)
            for month in self.months(self.period_start, whole=True)
            if (run := date(month.year, month.month, 20)) <= self.end
        ]

    def complete_months(self) -> list[Month]:
        """Months from the period start whose last day is on or before the end date."""
        return [
            m
            for m in self.months(self.period_start)
            if to_date(m.last) == month_end(m.year, m.month)
        ]
