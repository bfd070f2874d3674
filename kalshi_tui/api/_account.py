"""The account's own rate limits: read once at start-up, then every request is planned
from them (see `_ratelimit`)."""

from __future__ import annotations

from dataclasses import dataclass

from ._core import BaseClient
from ._errors import KalshiError
from ._ratelimit import TIER_MARGIN, EndpointCosts, RateLimits

LIMITS_PATH = "/account/limits"
COSTS_PATH = "/account/endpoint_costs"


@dataclass(frozen=True, slots=True)
class RatePlan:
    """What `plan_rate_limits` planned with, and why, for the log."""

    limits: RateLimits
    costs: EndpointCosts
    tier: str | None
    """The account's usage tier as the exchange reported it; None if not read."""
    problems: tuple[str, ...] = ()
    """Why a part of the plan fell back to the documented defaults."""

    def describe(self) -> str:
        """One line: what the client spends, from where."""
        where = f"the account's {self.tier} tier" if self.tier else "the documented defaults"
        line = f"rate limits from {where}: {self.limits.describe()}"
        if self.costs.exceptions:
            line += f"; {len(self.costs.exceptions)} endpoint(s) off the default cost"
        if self.problems:
            line += " (" + "; ".join(self.problems) + ")"
        return line


class AccountMixin(BaseClient):
    """`GET /account/limits` and `GET /account/endpoint_costs`."""

    async def plan_rate_limits(self, *, margin: float = TIER_MARGIN) -> RatePlan:
        """Read the account's buckets and the non-default endpoint costs and plan every
        later request from them (rates × `margin`). What cannot be read keeps the plan
        the client already has (the documented tier table it was built with, Basic
        unless configured otherwise), and the plan says why. Never raises for an
        exchange problem."""
        problems: list[str] = []
        tier: str | None = None
        limits = self._limiter.limits
        if self.auth is None:
            problems.append(f"{LIMITS_PATH} needs an API key; none is configured")
        else:
            try:
                body = await self._read(LIMITS_PATH, auth_required=True)
                limits = RateLimits.from_account(body, margin=margin)
                raw_tier = body.get("usage_tier") if isinstance(body, dict) else None
                tier = raw_tier if isinstance(raw_tier, str) and raw_tier else "unnamed"
            except (KalshiError, ValueError) as exc:
                problems.append(f"could not read {LIMITS_PATH}: {_reason(exc)}")
        costs = self._costs
        try:
            costs = EndpointCosts.from_wire(await self._read(COSTS_PATH))
        except (KalshiError, ValueError) as exc:
            problems.append(f"could not read {COSTS_PATH}: {_reason(exc)}")
        self._limiter.reconfigure(limits)
        self._costs = costs
        return RatePlan(limits=limits, costs=costs, tier=tier, problems=tuple(problems))


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, KalshiError) else str(exc)
