/**
 * Measures the outage of `bench/outage.ts` at several offered rates, with the client's retry
 * budget on (the defaults) and off, prints the table, and draws `docs/scaling-outage.svg`:
 *
 *   npx vite-node --config vitest.bench.config.ts scripts/outage-plot.ts
 *
 * Environment: SECONDS of outage per run (default 10, the budget's window), RATES as a
 * comma-separated list of logical requests per second (default 50,100,200,300,400).
 * The SVG is written by hand (axes, two lines, a legend): no plotting dependency.
 */
import { Effect, Logger, LogLevel } from "effect"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { type Run, simulate } from "../bench/outage.js"

const SECONDS = Number(process.env["SECONDS"] ?? 10)
const RATES = (process.env["RATES"] ?? "50,100,200,300,400").split(",").map(Number)

const measure = Effect.gen(function*() {
  const runs: Array<Run> = []
  for (const ratePerSecond of RATES) {
    for (const budget of [true, false]) {
      const run = yield* simulate({ ratePerSecond, seconds: SECONDS, budget })
      console.log(
        `${String(ratePerSecond).padStart(4)}/s budget ${budget ? "on " : "off"}: offered ${run.offered}, ` +
          `served ${run.served} (${(run.served / run.offered).toFixed(3)}x), failed ${run.failed}`
      )
      runs.push(run)
    }
  }
  return runs
}).pipe(
  // The budget's warning once per run says what the table says.
  Logger.withMinimumLogLevel(LogLevel.None)
)

const width = 780
const height = 440
const margin = { top: 48, right: 230, bottom: 56, left: 72 }
const plotWidth = width - margin.left - margin.right
const plotHeight = height - margin.top - margin.bottom

/** A round step for about `count` ticks up to `max`. */
const step = (max: number, count: number): number => {
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const scaled = raw / power
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1))

const render = (runs: ReadonlyArray<Run>, seconds: number): string => {
  const offeredRate = (run: Run) => run.offered / seconds
  const servedRate = (run: Run) => run.served / seconds
  const xStep = step(Math.max(...runs.map(offeredRate)), 5)
  const xMax = Math.ceil(Math.max(...runs.map(offeredRate)) / xStep) * xStep
  const yStep = step(Math.max(...runs.map(servedRate)), 6)
  const yMax = Math.ceil(Math.max(...runs.map(servedRate)) / yStep) * yStep
  const x = (v: number) => margin.left + (v / xMax) * plotWidth
  const y = (v: number) => margin.top + plotHeight - (v / yMax) * plotHeight
  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<title>Server load in a full outage, with and without the client's retry budget</title>`,
    `<desc>Measured by scripts/outage-plot.ts: one errata client offering logical requests at a steady rate for ${seconds} s ` +
      `to a loopback server that answers 503 to everything; 5 retries from 100 ms. ` +
      runs.map((r) => `${r.ratePerSecond}/s budget ${r.budget ? "on" : "off"}: ${r.offered} offered, ${r.served} served`).join("; ") +
      `</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="24" font-size="15" font-weight="600" fill="#111">` +
      `Full outage: requests the server receives vs requests offered</text>`
  )
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 8}" y="${y(v) + 4}" text-anchor="end" fill="#444">${fmt(v)}</text>`
    )
  }
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    out.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight + 5}" stroke="#444"/>`,
      `<text x="${x(v)}" y="${margin.top + plotHeight + 19}" text-anchor="middle" fill="#444">${fmt(v)}</text>`
    )
  }
  out.push(
    `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" stroke="#444"/>`,
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#444"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="${height - 14}" text-anchor="middle" fill="#222">offered: logical requests per second</text>`,
    `<text transform="translate(18 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#222">` +
      `server load: requests received per second</text>`
  )
  // References: the offered load itself, and the 1.2x the budget is meant to stay under.
  const reference = (factor: number, dash: string, label: string) => {
    const end = Math.min(xMax, yMax / factor)
    out.push(
      `<line x1="${x(0)}" y1="${y(0)}" x2="${x(end)}" y2="${y(end * factor)}" stroke="#888" stroke-dasharray="${dash}">` +
        `<title>${label}</title></line>`
    )
  }
  reference(1, "4 4", "1x")
  reference(1.2, "1 3", "1.2x")
  const series = (budget: boolean, color: string) => {
    const points = runs.filter((r) => r.budget === budget).sort((a, b) => a.offered - b.offered)
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2.5" points="` +
        points.map((r) => `${x(offeredRate(r)).toFixed(1)},${y(servedRate(r)).toFixed(1)}`).join(" ") + `"/>`
    )
    for (const r of points) {
      out.push(
        `<circle cx="${x(offeredRate(r)).toFixed(1)}" cy="${y(servedRate(r)).toFixed(1)}" r="3.5" fill="${color}"/>`,
        `<text x="${(x(offeredRate(r)) + 6).toFixed(1)}" y="${(y(servedRate(r)) + (budget ? 14 : -7)).toFixed(1)}" ` +
          `fill="${color}" font-size="11">${(r.served / r.offered).toFixed(2)}x</text>`
      )
    }
  }
  series(false, "#c0392b")
  series(true, "#1f6fb2")
  const legendX = margin.left + plotWidth + 24
  const legend = (row: number, color: string, dash: string | undefined, label: string) => {
    const ly = margin.top + 12 + row * 22
    out.push(
      `<line x1="${legendX}" x2="${legendX + 26}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="${dash === undefined ? 2.5 : 1}"` +
        `${dash === undefined ? "" : ` stroke-dasharray="${dash}"`}/>`,
      `<text x="${legendX + 34}" y="${ly + 4}" fill="#222">${label}</text>`
    )
  }
  legend(0, "#c0392b", undefined, "retry budget off")
  legend(1, "#1f6fb2", undefined, "retry budget on (defaults)")
  legend(2, "#888", "4 4", "offered (1x)")
  legend(3, "#888", "1 3", "1.2x offered")
  out.push(
    `<text x="${legendX}" y="${margin.top + 112}" fill="#555" font-size="11">${seconds} s of 503s per point,</text>`,
    `<text x="${legendX}" y="${margin.top + 127}" fill="#555" font-size="11">5 retries from 100 ms;</text>`,
    `<text x="${legendX}" y="${margin.top + 142}" fill="#555" font-size="11">labels: served / offered</text>`,
    `</svg>`
  )
  return out.join("\n") + "\n"
}

const runs = await Effect.runPromise(measure)
const target = fileURLToPath(new URL("../docs/scaling-outage.svg", import.meta.url))
writeFileSync(target, render(runs, SECONDS))
console.log(`wrote ${target}`)
