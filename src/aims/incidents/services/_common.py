"""What the incidents services share."""

from datetime import timedelta

# A moment recorded a little ahead of the server's clock is a clock skew, not a prophecy.
FUTURE_TOLERANCE = timedelta(minutes=5)
