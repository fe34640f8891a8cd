import { MetricsStore } from './metrics-store.js';

describe('metrics store', () => {
  it('keeps one entry per step, ascending, counts malformed lines and ends, ignores replays', () => {
    const s = new MetricsStore();
    expect(
      s.apply('u', 0, { v: 1, kind: 'report', pod: 'p1', line: 1, step: 2, values: { loss: 0.5 } }),
    ).toBe(true);
    s.apply('u', 0, { v: 1, kind: 'report', pod: 'p1', line: 2, step: 1, values: { loss: 0.9, acc: 0.1 } });
    s.apply('u', 0, { v: 1, kind: 'malformed', pod: 'p1', line: 3, reason: 'x', text: 'step=' });
    // A replayed line (same pod, same line) changes nothing.
    expect(
      s.apply('u', 0, { v: 1, kind: 'report', pod: 'p1', line: 1, step: 2, values: { loss: 0.5 } }),
    ).toBe(false);
    // After a resume the new pod reports step 2 again: it replaces the old value.
    s.apply('u', 0, { v: 1, kind: 'report', pod: 'p2', line: 1, step: 2, values: { loss: 0.4 } });
    s.apply('u', 0, { v: 1, kind: 'report', pod: 'p2', line: 2, values: { loss: 0.3 } }); // no step: next
    s.apply('u', 0, { v: 1, kind: 'end', pod: 'p2', lines: 2, malformed: 0 });
    expect(s.reports('u', 0, 'loss')).toEqual([
      { step: 1, value: 0.9 },
      { step: 2, value: 0.4 },
      { step: 3, value: 0.3 },
    ]);
    const t = s.get('u', 0)!;
    expect(t.malformed).toBe(1);
    expect(t.latest).toEqual({ loss: 0.3, acc: 0.1 });
    expect([...t.endedPods]).toEqual(['p2']);
    // The server's store time of each pod's newest message, whatever its kind; an older one keeps it.
    s.apply('u', 0, { v: 1, kind: 'report', pod: 'p3', line: 1, values: { loss: 0.2 } }, 2_000);
    s.apply(
      'u',
      0,
      { v: 1, kind: 'checkpoint', pod: 'p3', step: 4, uri: 's3://b/4/', at: '2026-12-02T10:00:00Z' },
      3_000,
    );
    s.apply('u', 0, { v: 1, kind: 'report', pod: 'p3', line: 1, values: { loss: 0.2 } }, 1_000);
    expect(t.lastHeard.get('p3')).toBe(3_000);
    s.forgetJob('u');
    expect(s.get('u', 0)).toBeUndefined();
    expect(s.size).toBe(0);
  });

  it('keeps a pod’s word that it stores no checkpoints until a later pod stores one', () => {
    const s = new MetricsStore();
    const off = {
      v: 1,
      kind: 'checkpoints-off',
      pod: 'p1',
      reason: 'NoCheckpointStore',
      message: 'm',
    } as const;
    expect(s.apply('u', 0, off)).toBe(true);
    expect(s.apply('u', 0, off)).toBe(false); // the same pod's notice again
    expect(s.get('u', 0)?.checkpointsOff).toEqual({ pod: 'p1', reason: 'NoCheckpointStore', message: 'm' });
    const ckpt = (pod: string, step: number) =>
      ({ v: 1, kind: 'checkpoint', pod, step, uri: `s3://b/${step}/`, at: '2026-12-02T10:00:00Z' }) as const;
    s.apply('u', 0, ckpt('p1', 1)); // a stray announcement of that pod does not clear it
    expect(s.get('u', 0)?.checkpointsOff?.pod).toBe('p1');
    s.apply('u', 0, ckpt('p2', 2)); // the Secret exists now: the next pod stored a step
    expect(s.get('u', 0)?.checkpointsOff).toBeUndefined();
  });

  it('a heartbeat moves a pod’s last sign of life forward, never back', () => {
    const s = new MetricsStore();
    s.heard('u', 1, 'p1', 5_000); // before any message: the entry is made
    s.apply('u', 1, { v: 1, kind: 'report', pod: 'p1', line: 1, values: { loss: 1 } }, 4_000);
    expect(s.get('u', 1)?.lastHeard.get('p1')).toBe(5_000);
    s.heard('u', 1, 'p1', 7_000);
    s.heard('u', 1, 'p1', 6_000);
    expect(s.get('u', 1)?.lastHeard.get('p1')).toBe(7_000);
    s.forgetJob('u');
    expect(s.size).toBe(0);
  });
});
