import { intFlag, parseFlags, UsageError } from './args.js';

const options = {
  seed: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  tag: { type: 'string', multiple: true },
} as const;

describe('parseFlags', () => {
  it('reads --flag value, --flag=value, booleans, repeated flags and positionals in any order', () => {
    const { values, positionals } = parseFlags(
      ['a.yaml', '--seed', '3', 'b.yaml', '-q', '--tag=x', '--tag', 'y', 'c.yaml'],
      options,
    );
    expect(positionals).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
    expect(values).toEqual({ seed: '3', quiet: true, tag: ['x', 'y'] });
  });

  it('treats everything after -- as positional', () => {
    expect(parseFlags(['--', '--seed'], options).positionals).toEqual(['--seed']);
  });

  it('rejects unknown flags and missing values with a UsageError carrying the usage', () => {
    const thrown = (argv: string[]): UsageError => {
      try {
        parseFlags(argv, options, 'usage: x');
      } catch (e) {
        return e as UsageError;
      }
      throw new Error('did not throw');
    };
    const unknown = thrown(['--sed', '3']);
    expect(unknown).toBeInstanceOf(UsageError);
    expect(unknown.code).toBe('UsageError');
    expect(unknown.message).toMatch(/--sed/);
    expect(unknown.message).not.toMatch(/positional argument/);
    expect(unknown.usage).toBe('usage: x');
    expect(thrown(['--seed']).message).toMatch(/--seed/);
    expect(thrown(['--quiet=yes'])).toBeInstanceOf(UsageError);
  });
});

describe('intFlag', () => {
  it('parses integers at or above the minimum and passes absence through', () => {
    expect(intFlag('3', 'n')).toBe(3);
    expect(intFlag('0', 'seed', 0)).toBe(0);
    expect(intFlag(undefined, 'n')).toBeUndefined();
  });
  it.each(['0', '-1', '1.5', 'x', '', ' '])('rejects %j for a minimum of 1, naming the flag', (v) =>
    expect(() => intFlag(v, 'parallelism')).toThrow(/^--parallelism must be an integer >= 1/),
  );
  it('rejects a boolean use of a value flag', () => expect(() => intFlag(true, 'n')).toThrow(UsageError));
});
