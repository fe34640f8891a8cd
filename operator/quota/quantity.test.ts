import { InvalidQuantity } from './errors.js';
import { parseQuantity, toUnits } from './quantity.js';

describe('toUnits', () => {
  it.each([
    ['cpu', '500m', 500],
    ['cpu', '2', 2000],
    ['cpu', 2, 2000],
    ['cpu', '1.5', 1500],
    ['cpu', 0.1, 100],
    ['cpu', '0.0001', 1], // a tenth of a millicore rounds up, as Kubernetes does
    ['cpu', '100u', 1],
    ['cpu', '1e3', 1_000_000],
    ['cpu', '1E-3', 1],
    ['memory', '1Gi', 2 ** 30],
    ['memory', '128974848', 128974848],
    ['memory', '129e6', 129_000_000],
    ['memory', '129M', 129_000_000],
    ['memory', '123Mi', 123 * 2 ** 20],
    ['memory', '1.5Gi', 1.5 * 2 ** 30],
    ['memory', '0.5Ki', 512],
    ['memory', '64Gi', 64 * 2 ** 30],
    ['memory', '1k', 1000],
    ['memory', '1Pi', 2 ** 50],
    ['memory', '7E', Number.NaN], // exa: above 2^53
    ['memory', '+1', 1],
    ['memory', '-0', 0],
    ['memory', '.5', 1],
    ['memory', '5.', 5],
    ['nvidia.com/gpu', '4', 4],
    ['nvidia.com/gpu', 4, 4],
    ['nvidia.com/gpu', '0', 0],
    ['memory', 1e21, Number.NaN],
    ['memory', '1e15', 1e15],
  ])('%s %p → %p', (resource, value, units) => {
    if (Number.isNaN(units)) expect(() => toUnits(resource, value)).toThrow(InvalidQuantity);
    else expect(toUnits(resource, value)).toBe(units);
  });

  it('rounds down when asked (limits), up by default (demands)', () => {
    expect(toUnits('cpu', '0.0015')).toBe(2);
    expect(toUnits('cpu', '0.0015', 'down')).toBe(1);
    expect(toUnits('memory', '1.5', 'down')).toBe(1);
    expect(toUnits('memory', '1.0', 'down')).toBe(1);
    expect(toUnits('memory', '1.0')).toBe(1);
  });

  it.each([
    '',
    ' 1',
    '1 ',
    '1.2.3',
    '1K',
    '1Gb',
    'm',
    '1e',
    '1e1.5',
    '--1',
    '0x10',
    'Infinity',
    '1mi',
    '-1',
    '-500m',
  ])('refuses %p', (text) => {
    expect(() => toUnits('cpu', text)).toThrow(InvalidQuantity);
  });

  it('refuses non-finite numbers and absurd exponents', () => {
    expect(() => toUnits('cpu', Number.NaN)).toThrow(InvalidQuantity);
    expect(() => toUnits('cpu', Infinity)).toThrow(InvalidQuantity);
    expect(() => toUnits('cpu', '1e999999')).toThrow(InvalidQuantity);
    expect(() => parseQuantity('1'.repeat(41))).toThrow(InvalidQuantity);
  });

  it('keeps the value exact until the rounding', () => {
    expect(parseQuantity('1.50Gi')).toEqual({ negative: false, digits: 150n, exp10: -2, exp2: 30 });
    expect(parseQuantity('007m')).toEqual({ negative: false, digits: 7n, exp10: -3, exp2: 0 });
    expect(toUnits('cpu', String(0.1 + 0.2))).toBe(301); // 0.30000000000000004 cores: just above 300m
  });
});
