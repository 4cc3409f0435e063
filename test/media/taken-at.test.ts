import { describe, expect, it } from 'vitest';
import { normaliseOffset, parseDateTime, takenAtFromInstant, takenAtFromWallClock } from '../../src/media/taken-at.ts';

describe('parseDateTime', () => {
  it('reads EXIF, XMP and QuickTime forms', () => {
    expect(parseDateTime('2019:10:26 16:07:24')).toEqual({ local: '2019-10-26T16:07:24', millis: 0, offset: null });
    expect(parseDateTime('2019-06-09T12:57:32.835')).toEqual({ local: '2019-06-09T12:57:32', millis: 835, offset: null });
    expect(parseDateTime('2020-07-23T00:00+02:00')).toEqual({ local: '2020-07-23T00:00:00', millis: 0, offset: '+02:00' });
    expect(parseDateTime('2023-09-22 16:34:05 UTC')).toEqual({ local: '2023-09-22T16:34:05', millis: 0, offset: '+00:00' });
    expect(parseDateTime('UTC 2003-06-29 17:17:17')?.offset).toBe('+00:00');
    expect(parseDateTime('2023-09-22 18:34:05+02:00')?.offset).toBe('+02:00');
    expect(parseDateTime('2019:10:20 18:34:30\0')?.local).toBe('2019-10-20T18:34:30');
  });

  it('refuses zero and impossible dates', () => {
    for (const value of ['0000:00:00 00:00:00', '    :  :     :  :  ', '2019:02:30 10:00:00', '2019:13:01 10:00:00', '', 42, null]) {
      expect(parseDateTime(value), String(value)).toBeUndefined();
    }
  });
});

describe('normaliseOffset', () => {
  it('accepts EXIF offsets and refuses nonsense', () => {
    expect(normaliseOffset('+02:00')).toBe('+02:00');
    expect(normaliseOffset('-0530')).toBe('-05:30');
    expect(normaliseOffset('Z')).toBe('+00:00');
    expect(normaliseOffset('   :  ')).toBeNull();
    expect(normaliseOffset('+25:00')).toBeNull();
    expect(normaliseOffset(undefined)).toBeNull();
  });
});

describe('takenAtFromWallClock', () => {
  it('uses the recorded offset when there is one', () => {
    const t = takenAtFromWallClock('2019-10-20T18:34:30', '+02:00', 'America/New_York');
    expect(t.instant.toISOString()).toBe('2019-10-20T16:34:30.000Z');
    expect(t).toMatchObject({ local: '2019-10-20T18:34:30', offset: '+02:00' });
  });

  it('reads a wall clock without offset in the default zone, whatever the process zone', () => {
    expect(takenAtFromWallClock('2019-07-01T12:00:00', null).instant.toISOString()).toBe('2019-07-01T12:00:00.000Z');
    expect(takenAtFromWallClock('2019-07-01T12:00:00', null, 'Europe/Berlin').instant.toISOString()).toBe('2019-07-01T10:00:00.000Z');
    expect(takenAtFromWallClock('2019-01-01T12:00:00', null, 'Europe/Berlin').instant.toISOString()).toBe('2019-01-01T11:00:00.000Z');
    expect(takenAtFromWallClock('2019-07-01T12:00:00', null, 'America/Los_Angeles').instant.toISOString()).toBe('2019-07-01T19:00:00.000Z');
    expect(takenAtFromWallClock('2019-07-01T12:00:00', null, 'Europe/Berlin').offset).toBeNull();
  });

  it('settles on a real instant around DST changes', () => {
    // 02:30 does not exist in Berlin on 2019-03-31; 02:30 on 2019-10-27 happens twice.
    const gap = takenAtFromWallClock('2019-03-31T02:30:00', null, 'Europe/Berlin').instant.toISOString();
    expect(['2019-03-31T00:30:00.000Z', '2019-03-31T01:30:00.000Z']).toContain(gap);
    const fold = takenAtFromWallClock('2019-10-27T02:30:00', null, 'Europe/Berlin').instant.toISOString();
    expect(['2019-10-27T00:30:00.000Z', '2019-10-27T01:30:00.000Z']).toContain(fold);
  });
});

describe('takenAtFromInstant', () => {
  it('shows a UTC instant as the default zone wall clock', () => {
    const t = takenAtFromInstant(new Date('2023-09-22T16:34:05Z'), 'Europe/Berlin');
    expect(t).toEqual({ instant: new Date('2023-09-22T16:34:05Z'), local: '2023-09-22T18:34:05', offset: null });
  });
});
