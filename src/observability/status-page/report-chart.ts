/**
 * The plots for a page that draws them from its own inline script (the plan report): bundled
 * into the global `utilizationChart` (browser-bundle.ts, utilization-chart.ts).
 */
export { chartBox } from './chart.js';
export { h } from './dom.js';
