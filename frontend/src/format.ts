/**
 * Display formatting. Money, prices and counts arrive as exact decimal strings and are formatted
 * with string/BigInt arithmetic only: a float never decides a digit the user reads.
 */

export const MINUS = "\u2212";
export const DASH = "\u2014";

/** An exact decimal: value = (negative ? -1 : 1) * digits / 10^scale. */
export interface Decimal {
  negative: boolean;
  digits: bigint;
  scale: number;
}

const DECIMAL_RE = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/** Parse a decimal string ("-29.050000", "1e-3"); null when it is not a finite decimal. */
export function parseDecimal(s: string | null | undefined): Decimal | null {
  if (s === null || s === undefined) return null;
  const m = DECIMAL_RE.exec(s);
  if (!m) return null;
  const [, sign, intPart = "", fracPart = "", exp] = m;
  if (intPart === "" && fracPart === "") return null;
  let digits = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, "") || "0");
  let scale = fracPart.length - (exp ? Number.parseInt(exp, 10) : 0);
  if (!Number.isFinite(scale) || Math.abs(scale) > 1000) return null;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { negative: sign === "-" && digits !== 0n, digits, scale };
}

function rescale(d: Decimal, scale: number): bigint {
  const signed = d.negative ? -d.digits : d.digits;
  return scale >= d.scale ? signed * 10n ** BigInt(scale - d.scale) : roundDiv(signed, 10n ** BigInt(d.scale - scale));
}

/** Round-half-even integer division (like Python's Decimal default). */
function roundDiv(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  let q = an / ad;
  const twice = (an % ad) * 2n;
  if (twice > ad || (twice === ad && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** Round to `places` decimals: `{negative, int, frac}` strings with `frac.length === places`. */
function roundParts(d: Decimal, places: number): { negative: boolean; int: string; frac: string } {
  const scaled = rescale(d, places);
  const negative = scaled < 0n;
  const abs = (negative ? -scaled : scaled).toString().padStart(places + 1, "0");
  return {
    negative,
    int: abs.slice(0, abs.length - places),
    frac: places > 0 ? abs.slice(abs.length - places) : "",
  };
}

/** d * 10^n, exactly. */
function times10(d: Decimal, n: number): Decimal {
  return d.scale >= n ? { ...d, scale: d.scale - n } : { ...d, digits: d.digits * 10n ** BigInt(n - d.scale), scale: 0 };
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Compare two decimal strings exactly; an unparsable value sorts as 0. */
export function compareDecimal(a: string | null | undefined, b: string | null | undefined): -1 | 0 | 1 {
  const x = parseDecimal(a) ?? { negative: false, digits: 0n, scale: 0 };
  const y = parseDecimal(b) ?? { negative: false, digits: 0n, scale: 0 };
  const scale = Math.max(x.scale, y.scale);
  const ix = rescale(x, scale);
  const iy = rescale(y, scale);
  return ix < iy ? -1 : ix > iy ? 1 : 0;
}

/** The sign of a decimal string: -1, 0 or 1 (0 when unparsable). */
export function signOf(s: string | null | undefined): -1 | 0 | 1 {
  return compareDecimal(s, "0");
}

/** |s| as a decimal string, exactly. */
export function absDecimal(s: string): string {
  return s.trim().replace(/^[+-]/, "");
}

/** a / b rounded half-even to `places` decimals, as a decimal string; null if b is 0 or unparsable. */
export function divideDecimal(a: string, b: string, places: number): string | null {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y || y.digits === 0n) return null;
  const scale = Math.max(x.scale, y.scale);
  const q = roundDiv(rescale(x, scale) * 10n ** BigInt(places), rescale(y, scale));
  return toDecimalString(q, places);
}

/** a - b exactly, as a decimal string. */
export function subtractDecimal(a: string, b: string): string | null {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) return null;
  const scale = Math.max(x.scale, y.scale);
  return toDecimalString(rescale(x, scale) - rescale(y, scale), scale);
}

function toDecimalString(scaled: bigint, places: number): string {
  const negative = scaled < 0n;
  const abs = (negative ? -scaled : scaled).toString().padStart(places + 1, "0");
  const int = abs.slice(0, abs.length - places);
  const frac = places > 0 ? `.${abs.slice(abs.length - places)}` : "";
  return `${negative ? "-" : ""}${int}${frac}`;
}

/** "$1,234.50", "−$2.90"; "—" for null/undefined/unparsable. Rounds half-even to the cent. */
export function formatMoney(s: string | null | undefined): string {
  const d = parseDecimal(s);
  if (!d) return DASH;
  const { negative, int, frac } = roundParts(d, 2);
  return `${negative ? MINUS : ""}$${group(int)}.${frac}`;
}

/** Like formatMoney with an explicit sign: "+$1.60", "−$1.15", "$0.00". */
export function formatSignedMoney(s: string | null | undefined): string {
  const d = parseDecimal(s);
  if (!d) return DASH;
  const { negative, int, frac } = roundParts(d, 2);
  const zero = /^0*$/.test(int + frac);
  return `${negative ? MINUS : zero ? "" : "+"}$${group(int)}.${frac}`;
}

/** Contracts: "28", "1,250", "25.5", "−48" (no trailing zeros). */
export function formatCount(s: string | null | undefined): string {
  const d = parseDecimal(s);
  if (!d) return DASH;
  const { negative, int, frac } = roundParts(d, Math.min(Math.max(d.scale, 0), 6));
  const trimmed = frac.replace(/0+$/, "");
  return `${negative ? MINUS : ""}${group(int)}${trimmed ? `.${trimmed}` : ""}`;
}

/** A contract price in dollars: "$0.68"; sub-cent detail kept up to 4 places ("$0.6811"). */
export function formatPrice(s: string | null | undefined): string {
  const d = parseDecimal(s);
  if (!d) return DASH;
  const { negative, int, frac } = roundParts(d, 4);
  const shown = frac.replace(/0+$/, "").padEnd(2, "0");
  return `${negative ? MINUS : ""}$${group(int)}.${shown}`;
}

/** A price in cents: "68¢", "68.1¢". */
export function formatCents(s: string | null | undefined): string {
  const d = parseDecimal(s);
  if (!d) return DASH;
  const { negative, int, frac } = roundParts(times10(d, 2), 2);
  const trimmed = frac.replace(/0+$/, "");
  return `${negative ? MINUS : ""}${int}${trimmed ? `.${trimmed}` : ""}\u00a2`;
}

/** A ratio as a percentage with one decimal: "0.6667" → "66.7%"; "—" for null. */
export function formatPercent(s: string | null | undefined): string {
  const d = parseDecimal(s);
  if (!d) return DASH;
  const { negative, int, frac } = roundParts(times10(d, 2), 1);
  return `${negative ? MINUS : ""}${group(int)}.${frac}%`;
}

const TIME_FORMAT = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});
const DATE_FORMAT = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric" });

function toDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "Nov 24, 3:45:30 PM UTC" in the viewer's time zone; "—" for null/invalid. */
export function formatTime(iso: string | null | undefined): string {
  const date = toDate(iso);
  return date ? TIME_FORMAT.format(date) : DASH;
}

/** "Nov 24, 2026"; a bare "YYYY-MM-DD" is shown as that calendar day (no time-zone shift). */
export function formatDate(iso: string | null | undefined): string {
  if (iso && /^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
    return DATE_FORMAT.format(new Date(y, m - 1, d));
  }
  const date = toDate(iso);
  return date ? DATE_FORMAT.format(date) : DASH;
}
