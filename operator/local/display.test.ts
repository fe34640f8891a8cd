import { memoryIo } from './io.js';
import { Display, estimateRemainingMs, progressLines, type ProgressView } from './display.js';
import type { LocalTrial } from './state.js';

const trial = (index: number, phase: LocalTrial['phase'], startTime?: number, completionTime?: number) =>
  ({
    index,
    params: { lr: 0.1 },
    seed: 1,
    phase,
    reports: [],
    metrics: {},
    retries: 0,
    attempts: 1,
    malformedLines: 0,
    startTime,
    completionTime,
  }) satisfies LocalTrial;

const view = (over: Partial<ProgressView> = {}): ProgressView => ({
  job: 'quickstart',
  maxTrials: 10,
  parallelism: 2,
  metric: 'val_loss',
  elapsedMs: 65_000,
  trials: [
    trial(0, 'Succeeded', 0, 4_000),
    trial(1, 'Failed', 0, 2_000),
    trial(2, 'EarlyStopped', 1_000, 4_000),
    trial(3, 'Running', 4_000),
    trial(4, 'Running', 4_000),
  ],
  best: { index: 0, objective: 0.0568, params: { lr: 0.07862, hidden: 48 } },
  ...over,
});

describe('progress lines', () => {
  it('count every phase, show the best with its params, the elapsed time and what remains', () => {
    expect(progressLines(view())).toEqual([
      'quickstart: 3/10 trials finished — 1 done, 2 running, 1 failed, 1 stopped',
      'best: trial 0 val_loss=0.05680  lr=0.07862 hidden=48',
      // 3 finished in 3 s on average, 7 left, 2 at a time: 10.5 s.
      'elapsed 1m05s, about 11s left',
    ]);
    expect(progressLines(view({ best: undefined, trials: [] }))).toEqual([
      'quickstart: 0/10 trials finished — 0 done, 0 running, 0 failed, 0 stopped',
      'best: none yet',
      'elapsed 1m05s',
    ]);
  });

  it('estimate what remains from the finished trials only', () => {
    expect(estimateRemainingMs(view({ trials: [trial(0, 'Running', 0)] }))).toBeUndefined();
    expect(estimateRemainingMs(view({ parallelism: 1 }))).toBe(21_000);
    expect(estimateRemainingMs(view({ maxTrials: 3 }))).toBe(0);
  });
});

describe('Display', () => {
  it('live: redraws its block in place and cuts lines to the terminal width', () => {
    const io = { ...memoryIo(), isTTY: true, columns: () => 40 };
    const display = new Display(io, 'live');
    display.event('trial 3 started'); // events are for plain logs; the block shows the state
    display.render(view());
    display.render(view());
    expect(io.stdout).toHaveLength(2);
    const [first, second] = io.stdout as [string, string];
    expect(first.startsWith('\r\x1b[J')).toBe(true);
    expect(second.startsWith('\x1b[3A\r\x1b[J')).toBe(true); // up over the 3 lines drawn before
    for (const line of first.slice(4).trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(39);
    expect(first).toContain('quickstart: 3/10 trials finished — 1 d…\n');
  });

  it('live: a warning clears the block, goes to stderr, and the next render starts afresh', () => {
    const io = { ...memoryIo(), isTTY: true };
    const display = new Display(io, 'live');
    display.render(view());
    display.warn('trial 3: 2 malformed metric lines');
    display.render(view());
    expect(io.stderr).toEqual(['trial 3: 2 malformed metric lines']);
    expect(io.stdout[1]).toBe('\x1b[3A\r\x1b[J');
    expect(io.stdout[2]!.startsWith('\r\x1b[J')).toBe(true);
  });

  it('plain: one line per event and no redraws; quiet: nothing but warnings', () => {
    const plain = memoryIo();
    const p = new Display(plain, 'plain');
    p.event('trial 0 started');
    p.render(view());
    expect(plain.stdout).toEqual(['trial 0 started']);
    const quiet = memoryIo();
    const q = new Display(quiet, 'quiet');
    q.event('trial 0 started');
    q.render(view());
    q.warn('careful');
    expect(quiet.stdout).toEqual([]);
    expect(quiet.stderr).toEqual(['careful']);
  });
});
