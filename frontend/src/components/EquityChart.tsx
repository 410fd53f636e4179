import { useLayoutEffect, useRef, useState, type RefObject } from "react";
import { leagueName, type EquityPoint, type TradingMode } from "../api/pageTypes";
import { compareDecimal, formatDate, formatSignedMoney, formatTime } from "../format";

/** The drawing's coordinate system (the SVG scales to its container's width). */
export const CHART = { width: 640, height: 240, left: 76, right: 16, top: 16, bottom: 32 } as const;

export interface EquityChartProps {
  points: EquityPoint[];
  mode: TradingMode;
  /** The window's start and end (ISO), for the summary. */
  since: string;
  asOf: string;
}

/** The largest and smallest of the curve's values, as the API's exact strings ("0" included). */
function extremes(values: string[]): { high: string; low: string } {
  let high = "0";
  let low = "0";
  for (const v of values) {
    if (compareDecimal(v, high) > 0) high = v;
    if (compareDecimal(v, low) < 0) low = v;
  }
  return { high, low };
}

/** What a screen reader hears for the chart (and what a test can read). */
export function equitySummary({ points, mode, since, asOf }: EquityChartProps): string {
  const n = points.length;
  const window = `from ${formatDate(since)} to ${formatDate(asOf)}`;
  if (n === 0) return `Equity curve, ${mode.toUpperCase()}: no closed positions ${window}.`;
  const last = points[n - 1]!.cumulative;
  const { high, low } = extremes(points.map((p) => p.cumulative));
  return (
    `Equity curve, ${mode.toUpperCase()}: ${n} closed position${n === 1 ? "" : "s"} ${window}; ` +
    `cumulative net P&L ${formatSignedMoney(last)} (high ${formatSignedMoney(high)}, low ${formatSignedMoney(low)}).`
  );
}

/** The drawing's width: the figure's pixel width when known (labels stay 12 px), else CHART.width. */
function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState<number>(CHART.width);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const measure = () => {
      const px = Math.round(element.getBoundingClientRect().width);
      if (px > 0) setWidth(Math.min(Math.max(px, 280), 1200));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/**
 * Cumulative net P&L after each closed position, oldest first, starting from $0 — a hand-written
 * SVG. Numbers are used only for pixel positions; every label comes from the API's decimal strings.
 */
export default function EquityChart(props: EquityChartProps) {
  const { points } = props;
  const figure = useRef<HTMLElement>(null);
  const width = useWidth(figure);
  const { height, left, right, top, bottom } = CHART;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = points.map((p) => p.cumulative);
  const { high, low } = extremes(values);
  let yMax = Number(high);
  let yMin = Number(low);
  if (!Number.isFinite(yMax) || !Number.isFinite(yMin)) {
    yMax = 1;
    yMin = -1;
  }
  if (yMax === yMin) {
    yMax += 1;
    yMin -= 1;
  }
  const steps = Math.max(points.length, 1);
  const x = (i: number) => left + (i / steps) * plotW;
  const y = (v: number) => top + ((yMax - v) / (yMax - yMin)) * plotH;
  const coords = [{ x: x(0), y: y(0) }, ...points.map((p, i) => ({ x: x(i + 1), y: y(Number(p.cumulative) || 0) }))];
  const line = coords.map((c, i) => `${i === 0 ? "M" : "L"}${c.x.toFixed(1)},${c.y.toFixed(1)}`).join(" ");
  const zeroY = y(0);
  const lastX = coords[coords.length - 1]!.x.toFixed(1);
  const area = `${line} L${lastX},${zeroY.toFixed(1)} L${coords[0]!.x.toFixed(1)},${zeroY.toFixed(1)} Z`;
  const final = values.length ? values[values.length - 1]! : "0";
  const sign = compareDecimal(final, "0");
  // Colours through style: CSS variables of the shared stylesheet (attributes cannot use var()).
  const curve = { color: sign < 0 ? "var(--loss)" : "var(--gain)" };
  const ink = { fill: "var(--muted)", color: "var(--muted)" };
  const showDots = points.length <= Math.floor(plotW / 4);
  const firstAt = points[0]?.at;
  const lastAt = points[points.length - 1]?.at;
  const gridLines = [
    compareDecimal(high, "0") !== 0 ? { at: y(yMax), text: formatSignedMoney(high) } : null,
    compareDecimal(low, "0") !== 0 ? { at: y(yMin), text: formatSignedMoney(low) } : null,
  ].filter((g): g is { at: number; text: string } => g !== null);

  return (
    <figure ref={figure} className="equity-chart" style={{ margin: 0 }}>
      <svg
        role="img"
        aria-label={equitySummary(props)}
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        className={sign < 0 ? "equity-loss" : "equity-gain"}
        style={{ display: "block", height: "auto", maxWidth: "100%", background: "var(--surface)" }}
        data-testid="equity-chart"
      >
        <rect x={left} y={top} width={plotW} height={plotH} fill="none" stroke="#d3d7dd" />
        <g style={ink} fontSize="12">
          {gridLines.map((g) => (
            <g key={g.text}>
              <line x1={left} x2={width - right} y1={g.at} y2={g.at} stroke="currentColor" strokeOpacity="0.25" />
              {Math.abs(g.at - zeroY) >= 14 ? (
                <text x={left - 6} y={g.at} textAnchor="end" dominantBaseline="middle">
                  {g.text}
                </text>
              ) : null}
            </g>
          ))}
          <line x1={left} x2={width - right} y1={zeroY} y2={zeroY} stroke="currentColor" strokeDasharray="4 4" />
          <text x={left - 6} y={zeroY} textAnchor="end" dominantBaseline="middle">
            $0.00
          </text>
          <text x={left} y={height - 10} textAnchor="start">
            {firstAt ? formatDate(firstAt) : ""}
          </text>
          <text x={width - right} y={height - 10} textAnchor="end">
            {lastAt ? formatDate(lastAt) : ""}
          </text>
        </g>
        <g style={curve}>
          <path d={area} className="equity-area" fill="currentColor" fillOpacity="0.12" stroke="none" />
          <path d={line} className="equity-line" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
          {showDots
            ? points.map((p, i) => (
                <circle key={`${p.at}-${i}`} cx={coords[i + 1]!.x} cy={coords[i + 1]!.y} r="3" fill="currentColor">
                  <title>
                    {`${p.market_ticker} (${leagueName(p.league)}): ${formatSignedMoney(p.net)}, ` +
                      `cumulative ${formatSignedMoney(p.cumulative)} — ${formatTime(p.at)}`}
                  </title>
                </circle>
              ))
            : null}
        </g>
      </svg>
      <figcaption className="muted" style={{ marginTop: "0.25rem" }}>
        Cumulative net P&amp;L (after fees) after each closed position, oldest first. Ended at{" "}
        <strong className={sign < 0 ? "loss" : sign > 0 ? "gain" : undefined}>{formatSignedMoney(final)}</strong>.
      </figcaption>
    </figure>
  );
}
