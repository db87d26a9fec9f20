"""A discount on the whole receipt, spread over its positions in whole kopecks that add up exactly.

FFD has no receipt-level discount requisite: a register prints the discount and writes each position's cost
after it (1043), with the unit price after the discount (1079). Families whose register can spread a receipt
discount itself say so (``Op.RECEIPT_DISCOUNT``); for the others — ATOL's ФН-era registers only round off
kopecks with command 43 — the facade spreads it here, before a byte is sent.
"""

from __future__ import annotations

from dataclasses import replace

from .types import Item


def spread_discount(items: tuple[Item, ...], discount: int) -> tuple[Item, ...]:
    """Add ``discount`` kopecks to the positions' own discounts, in proportion to their costs.

    Largest remainder: every share is a whole number of kopecks, the shares add up to ``discount`` exactly,
    and no position's cost goes below zero (the caller has checked that ``discount`` is at most the total).
    """
    if discount <= 0:
        return items
    costs = [item.amount for item in items]
    total = sum(costs)
    if discount > total:
        raise ValueError(f"a discount of {discount} is more than the positions' {total}")
    exact = [discount * cost for cost in costs]
    shares = [value // total for value in exact]
    left = discount - sum(shares)
    by_remainder = sorted(range(len(items)), key=lambda i: (-(exact[i] % total), -costs[i], i))
    for index in by_remainder[:left]:
        shares[index] += 1
    return tuple(replace(item, discount=item.discount + share) if share else item
                 for item, share in zip(items, shares, strict=True))
