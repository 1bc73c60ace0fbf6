# One date format per language, whatever a template asks for (decision record 0006): « 4 avr. 2026 »,
# « 4 avr. 2026 à 15:53 ». Input formats stay Django's French ones.
DATE_FORMAT = SHORT_DATE_FORMAT = "j N Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j N Y à H:i"
TIME_FORMAT = "H:i"
