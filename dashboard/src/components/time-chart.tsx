/**
 * A time-series chart drawn as SVG over a fixed window: stacked bars per bucket (throughput) or
 * one line per series (backlog samples), a round y-axis maximum, and a legend with each series'
 * total or latest value. It fills its container's width.
 */
import { useEffect, useRef, useState } from 'react';
import type { Series } from '../lib/series.js';
import { niceMax } from '../lib/series.js';

export interface ChartSeries extends Series {
  color: string;
}

interface Props {
  title: string;
  lines: ChartSeries[];
  /** `bars`: stacked, one bar per `bucketMs` starting at each point; `lines`: a polyline per series. */
  kind: 'bars' | 'lines';
  bucketMs?: number;
  from: number;
  to: number;
  /** What one y unit is, for the axis label and the accessible summary: "jobs/min", "jobs". */
  unit: string;
  /** Shown over the plot when no line has a point. */
  emptyText: string;
  /** What the legend shows per line: its latest value, or the sum over the window. */
  legend: 'latest' | 'total';
}

const height = 180;
const pad = { top: 12, right: 12, bottom: 24, left: 36 };

export function TimeChart({ title, lines, kind, bucketMs = 60_000, from, to, unit, emptyText, legend }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.max(240, Math.floor(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const stackedTotals = new Map<number, number>();
  if (kind === 'bars')
    for (const line of lines) for (const p of line.points) stackedTotals.set(p.at, (stackedTotals.get(p.at) ?? 0) + p.value);
  const max = niceMax(
    Math.max(0, ...(kind === 'bars' ? [...stackedTotals.values()] : lines.flatMap((line) => line.points.map((p) => p.value)))),
  );
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (at: number) => pad.left + ((at - from) / Math.max(1, to - from)) * plotW;
  const y = (value: number) => pad.top + plotH - (value / max) * plotH;
  const hasData = lines.some((line) => line.points.some((p) => p.value > 0));
  const minutes = Math.round((to - from) / 60_000);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({
    at: from + f * (to - from),
    label: f === 1 ? 'now' : `-${Math.round(minutes * (1 - f))}m`,
  }));
  const legendValue = (line: Series) =>
    legend === 'total' ? line.points.reduce((sum, p) => sum + p.value, 0) : (line.points.at(-1)?.value ?? 0);
  const summary = lines.map((line) => `${line.label} ${legendValue(line)}`).join(', ');

  return (
    <figure className="chart">
      <figcaption className="chart-head">
        <span className="chart-title">{title}</span>
        <span className="chart-legend">
          {lines.map((line) => (
            <span key={line.label} className="legend-item">
              <span className="legend-swatch" style={{ background: line.color }} />
              {line.label} <strong>{legendValue(line)}</strong>
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={box} className="chart-box">
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={`${title} over the last ${minutes} minutes, in ${unit}. ${legend === 'total' ? 'In total' : 'Now'}: ${summary}.`}
        >
          {[0, 0.5, 1].map((f) => (
            <g key={f}>
              <line className="chart-grid" x1={pad.left} x2={width - pad.right} y1={y(max * f)} y2={y(max * f)} />
              <text className="chart-axis" x={pad.left - 6} y={y(max * f) + 4} textAnchor="end">
                {Math.round(max * f)}
              </text>
            </g>
          ))}
          {ticks.map((tick, index) => (
            <text
              key={tick.label}
              className="chart-axis"
              x={x(tick.at)}
              y={height - 6}
              textAnchor={index === 0 ? 'start' : index === ticks.length - 1 ? 'end' : 'middle'}
            >
              {tick.label}
            </text>
          ))}
          {kind === 'bars' ? <Bars lines={lines} x={x} y={y} bucketMs={bucketMs} /> : <Lines lines={lines} x={x} y={y} />}
        </svg>
        {hasData ? null : <div className="chart-empty">{emptyText}</div>}
      </div>
    </figure>
  );
}

interface Scales {
  lines: ChartSeries[];
  x(at: number): number;
  y(value: number): number;
}

function Lines({ lines, x, y }: Scales) {
  return (
    <>
      {lines.map((line) =>
        line.points.length > 0 ? (
          <polyline
            key={line.label}
            fill="none"
            stroke={line.color}
            strokeWidth={2}
            strokeLinejoin="round"
            points={line.points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}
          />
        ) : null,
      )}
    </>
  );
}

/** Stacked bars: the first series at the bottom. */
function Bars({ lines, x, y, bucketMs }: Scales & { bucketMs: number }) {
  const base = new Map<number, number>();
  const rects = [];
  for (const line of lines) {
    for (const p of line.points) {
      if (p.value <= 0) continue;
      const below = base.get(p.at) ?? 0;
      base.set(p.at, below + p.value);
      const left = x(p.at) + 0.5;
      const width = Math.max(1, x(p.at + bucketMs) - x(p.at) - 1);
      rects.push(
        <rect
          key={`${line.label}-${p.at}`}
          x={left}
          width={width}
          y={y(below + p.value)}
          height={y(below) - y(below + p.value)}
          fill={line.color}
        >
          <title>{`${p.value} ${line.label}`}</title>
        </rect>,
      );
    }
  }
  return <>{rects}</>;
}
