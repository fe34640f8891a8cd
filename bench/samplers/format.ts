/** Three significant digits for regrets; exponent form below 0.001 so small values stay readable. */
export const fmt = (x: number): string =>
  x === 0 ? '0' : Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(3);
