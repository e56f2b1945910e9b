"""Month names as people and articles write them, for every part of the pipeline that reads dates.

MONTH_NUMBERS["sept"] -> 9        re.search(MONTH_NAME, "in Jul. 2024") matches "Jul."
"""

from __future__ import annotations

import calendar

# Every spelling of a month, lower-cased, to its number: "july" -> 7, "jul" -> 7, "sept" -> 9.
MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTH_NUMBERS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTH_NUMBERS["sept"] = 9
# A month's name or abbreviation, capitalised as in prose: "July", "Jul.", "Sept" (longest first, so "June"
# is not read as "Jun").
MONTH_NAME = r"(?:" + "|".join(sorted((m.title() for m in MONTH_NUMBERS), key=len, reverse=True)) + r")\b\.?"
