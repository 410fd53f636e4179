import type { Position } from "./api/types";
import { absDecimal, divideDecimal, signOf, subtractDecimal } from "./format";

/** Positions are kept in YES terms (contracts < 0 holds NO); these give the held side's view. */

export function heldSide(p: Pick<Position, "contracts" | "held_side">): "yes" | "no" | null {
  if (p.held_side === "yes" || p.held_side === "no") return p.held_side;
  const sign = signOf(p.contracts);
  return sign > 0 ? "yes" : sign < 0 ? "no" : null;
}

/** Contracts held (always ≥ 0). */
export function heldContracts(p: Pick<Position, "contracts">): string {
  return absDecimal(p.contracts);
}

/** Average entry price of the held side in dollars (YES: cost/contracts; NO: 1 − that). */
export function averagePrice(p: Pick<Position, "contracts" | "cost" | "held_side" | "average_entry_yes_price">): string | null {
  const side = heldSide(p);
  if (side === null) return null;
  const yes = p.average_entry_yes_price ?? divideDecimal(p.cost, p.contracts, 6);
  if (yes === null) return null;
  return side === "yes" ? yes : subtractDecimal("1", yes);
}

/** What the held contracts cost on their own side (YES: cost; NO: contracts − |cost|). */
export function heldCost(p: Pick<Position, "contracts" | "cost" | "held_side">): string | null {
  const side = heldSide(p);
  if (side === null) return null;
  return side === "yes" ? p.cost : subtractDecimal(absDecimal(p.contracts), absDecimal(p.cost));
}

/** Realized P&L minus fees. */
export function netPnl(p: Pick<Position, "realized_pnl" | "fees">): string | null {
  return subtractDecimal(p.realized_pnl, p.fees);
}
